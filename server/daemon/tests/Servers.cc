#include "server/daemon/tests/Servers.h"

#include <filesystem>
#include <thread>

namespace detcd::server::daemon::testing {

std::string detcdBinary() { return DETCD_BIN; }
std::string etcdBinary() { return "/usr/bin/etcd"; }

ServerProcess::ServerProcess(ServerKind kind, const std::string& dir,
                             const std::vector<std::string>& extraFlags, int clientPort,
                             int peerPort)
    : dir_(dir) {
  const int client = clientPort != 0 ? clientPort : freePort();
  int peer = peerPort != 0 ? peerPort : freePort();
  while (peer == client) peer = freePort();
  clientPort_ = client;
  peerPort_ = peer;
  endpoint_ = "127.0.0.1:" + std::to_string(client);
  const std::string clientUrl = "http://" + endpoint_;
  const std::string peerUrl = "http://127.0.0.1:" + std::to_string(peer);
  std::vector<std::string> argv{kind == ServerKind::kDetcd ? detcdBinary() : etcdBinary(),
                                "--name=s1",
                                "--data-dir=" + dir + "/data",
                                "--listen-client-urls=" + clientUrl,
                                "--advertise-client-urls=" + clientUrl,
                                "--listen-peer-urls=" + peerUrl,
                                "--initial-advertise-peer-urls=" + peerUrl,
                                "--initial-cluster=s1=" + peerUrl};
  argv.insert(argv.end(), extraFlags.begin(), extraFlags.end());
  std::filesystem::create_directories(dir);
  child_ = std::make_unique<Child>(argv, dir, dir + "/server.out", dir + "/server.log");
}

bool ServerProcess::waitHealthy(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_->running()) return false;
    std::string out, err;
    if (runShell("etcdctl endpoint health", dir_, {{"ETCDCTL_API", "3"},
                                                   {"ETCDCTL_ENDPOINTS", endpoint_}},
                 std::chrono::seconds(10), &out, &err) == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string ServerProcess::log() const { return readFile(dir_ + "/server.log"); }

}  // namespace detcd::server::daemon::testing

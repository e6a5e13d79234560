#include "server/daemon/tests/Servers.h"

#include <filesystem>
#include <fstream>
#include <set>
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
  // An explicit metrics port: detcd's default (client port + 2) could be another test's port.
  int metrics = freePort();
  while (metrics == client || metrics == peer) metrics = freePort();
  argv.push_back("--listen-metrics-urls=http://127.0.0.1:" + std::to_string(metrics));
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

namespace {
/// A free port distinct from every one in `taken` (which it joins).
int distinctFreePort(std::set<int>& taken) {
  for (;;) {
    const int p = freePort();
    if (taken.insert(p).second) return p;
  }
}
}  // namespace

ClusterProcesses::ClusterProcesses(ServerKind kind, std::string dir, int size)
    : kind_(kind), dir_(std::move(dir)), initialSize_(static_cast<std::size_t>(size)) {
  std::filesystem::create_directories(dir_);
  for (int i = 0; i < size; ++i) planMember();
}

const ClusterMember& ClusterProcesses::planMember() {
  std::set<int> taken;
  for (const auto& m : members_) taken.insert({m.clientPort, m.peerPort, m.metricsPort});
  ClusterMember m;
  m.name = "etcd" + std::to_string(members_.size() + 1);
  m.clientPort = distinctFreePort(taken);
  m.peerPort = distinctFreePort(taken);
  m.metricsPort = distinctFreePort(taken);
  members_.push_back(m);
  children_.emplace_back();
  return members_.back();
}

const ClusterMember& ClusterProcesses::movePeerPort(std::size_t i) {
  std::set<int> taken;
  for (const auto& m : members_) taken.insert({m.clientPort, m.peerPort, m.metricsPort});
  members_.at(i).peerPort = distinctFreePort(taken);
  return members_.at(i);
}

void ClusterProcesses::startAll() {
  for (std::size_t i = 0; i < members_.size(); ++i) start(i);
}

void ClusterProcesses::start(std::size_t i, bool existing, const std::string& token) {
  std::string cluster;
  // A new cluster bootstraps the initial members; a joining member lists all planned ones.
  for (std::size_t j = 0; j < (existing ? members_.size() : initialSize_); ++j) {
    cluster += (cluster.empty() ? "" : ",") + members_[j].name + "=" + members_[j].peerUrl();
  }
  const ClusterMember& m = members_.at(i);
  const std::string file = m.name + "_conf.yml";
  std::ofstream(dir_ + "/" + file)
      << "name: " << m.name << "\ndata-dir: " << dir_ << "/" << m.name << "/data\n"
      << "listen-client-urls: " << m.clientUrl() << "\nadvertise-client-urls: " << m.clientUrl()
      << "\nlisten-peer-urls: " << m.peerUrl() << "\ninitial-advertise-peer-urls: "
      << m.peerUrl() << "\nlisten-metrics-urls: http://127.0.0.1:" << m.metricsPort
      << "\ninitial-cluster: " << cluster << "\ninitial-cluster-token: " << token << "\n"
      << "initial-cluster-state: " << (existing ? "existing" : "new") << "\n";
  children_.at(i) = std::make_unique<Child>(
      std::vector<std::string>{kind_ == ServerKind::kDetcd ? detcdBinary() : etcdBinary(),
                               "--config-file=" + file},
      dir_, dir_ + "/" + m.name + ".out", dir_ + "/" + m.name + ".log");
}

bool ClusterProcesses::waitHealthy(std::size_t i, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!children_.at(i)->running()) return false;
    std::string out;
    if (etcdctl(i, "endpoint health", &out) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int ClusterProcesses::etcdctl(std::size_t i, const std::string& args, std::string* out,
                              std::string* err) {
  std::string ignored;
  return runShell("etcdctl " + args, dir_, {{"ETCDCTL_API", "3"},
                                            {"ETCDCTL_ENDPOINTS", members_.at(i).endpoint()}},
                  std::chrono::seconds(20), out, err != nullptr ? err : &ignored);
}

int ClusterProcesses::etcdctlAll(const std::string& args, std::string* out, std::string* err) {
  std::string ignored;
  return runShell("etcdctl " + args, dir_, {{"ETCDCTL_API", "3"},
                                            {"ETCDCTL_ENDPOINTS", endpoints()}},
                  std::chrono::seconds(20), out, err != nullptr ? err : &ignored);
}

std::string ClusterProcesses::endpoints() const {
  std::string eps;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (children_[i] != nullptr) eps += (eps.empty() ? "" : ",") + members_[i].endpoint();
  }
  return eps;
}

std::string ClusterProcesses::log(std::size_t i) const {
  return readFile(dir_ + "/" + members_.at(i).name + ".log");
}

}  // namespace detcd::server::daemon::testing

#include "mvcc/tests/EtcdProcess.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "proto/rpc.grpc.pb.h"

namespace detcd::mvcc::testutil {
namespace {

/// A loopback TCP port that was free a moment ago (bind to port 0, read it, close).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

std::string EtcdProcess::binary() {
  const char* env = std::getenv("DETCD_ETCD_BIN");
  return env != nullptr ? env : "/usr/bin/etcd";
}

EtcdProcess::EtcdProcess(int timeoutMs) {
  const std::string bin = binary();
  if (::access(bin.c_str(), X_OK) != 0) {
    error_ = "etcd binary " + bin + " not found (install the etcd-server package: make deps)";
    return;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "detcd-etcd-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  const int clientPort = freePort();
  const int peerPort = freePort();
  if (clientPort <= 0 || peerPort <= 0) {
    error_ = "no free loopback port";
    return;
  }
  endpoint_ = "127.0.0.1:" + std::to_string(clientPort);
  const std::string client = "http://" + endpoint_;
  const std::string peer = "http://127.0.0.1:" + std::to_string(peerPort);
  std::vector<std::string> args = {bin,
                                   "--name=diff",
                                   "--data-dir=" + dir_ + "/data",
                                   "--listen-client-urls=" + client,
                                   "--advertise-client-urls=" + client,
                                   "--listen-peer-urls=" + peer,
                                   "--initial-advertise-peer-urls=" + peer,
                                   "--initial-cluster=diff=" + peer,
                                   "--initial-cluster-state=new",
                                   "--log-level=warn"};
  const std::string log = dir_ + "/etcd.log";
  pid_ = ::fork();
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  if (pid_ == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "etcd exited at start (status " + std::to_string(status) + "):\n" + logTail();
      return;
    }
    // A fresh channel per attempt: a failed one would wait out gRPC's reconnect backoff.
    channel_ = grpc::CreateChannel(endpoint_, grpc::InsecureChannelCredentials());
    auto kv = etcdserverpb::KV::NewStub(channel_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    etcdserverpb::RangeRequest req;
    req.set_key("ready");
    etcdserverpb::RangeResponse resp;
    if (kv->Range(&ctx, req, &resp).ok()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error_ = "etcd did not answer within " + std::to_string(timeoutMs) + " ms:\n" + logTail();
}

EtcdProcess::~EtcdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string EtcdProcess::logTail() const {
  std::ifstream in(dir_ + "/etcd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

}  // namespace detcd::mvcc::testutil

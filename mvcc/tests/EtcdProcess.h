#pragma once

// Starts a real single-member etcd (the Debian etcd-server package) for differential tests:
// free loopback ports, a temporary data directory, stdout/stderr to a log file in it, and
// SIGTERM + cleanup on destruction. Test-only: uses the wall clock to wait for readiness.

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>

namespace detcd::mvcc::testutil {

class EtcdProcess {
 public:
  /// The binary tests use unless DETCD_ETCD_BIN names another.
  static std::string binary();

  /// Starts etcd and waits (up to `timeoutMs`) until it answers a Range. On failure
  /// `error()` says why (binary missing, spawn failure, not ready in time + log tail).
  explicit EtcdProcess(int timeoutMs = 20000);
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  /// "127.0.0.1:port" of the client URL.
  const std::string& endpoint() const { return endpoint_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::string logTail() const;

  pid_t pid_ = -1;
  std::string dir_;
  std::string endpoint_;
  std::string error_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace detcd::mvcc::testutil

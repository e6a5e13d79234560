#pragma once
// Test helper: one single-member server process (detcd, or etcd 3.4 as the reference) on free
// loopback ports, with its data in a directory of the test.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/daemon/tests/Processes.h"

namespace detcd::server::daemon::testing {

enum class ServerKind { kDetcd, kEtcd };

/// Path of the detcd binary under test and of the installed etcd.
std::string detcdBinary();
std::string etcdBinary();

/// A server started with the same flags whichever the kind (member "s1", client and peer URLs
/// on 127.0.0.1, data in `dir`/data), plus `extraFlags`. Killed (SIGKILL) on destruction.
class ServerProcess {
 public:
  /// Ports 0: free ones are picked (a restart on the same data passes the previous ones: the
  /// member ID derives from the peer URL).
  ServerProcess(ServerKind kind, const std::string& dir, const std::vector<std::string>& extraFlags,
                int clientPort = 0, int peerPort = 0);

  /// Waits until `etcdctl endpoint health` succeeds (the member has a leader); false after
  /// `timeout` (a bound for a loaded machine, not a speed check).
  bool waitHealthy(std::chrono::milliseconds timeout);
  /// "127.0.0.1:<client port>".
  const std::string& endpoint() const { return endpoint_; }
  int clientPort() const { return clientPort_; }
  int peerPort() const { return peerPort_; }
  Child& child() { return *child_; }
  /// The server's stderr (its log) so far.
  std::string log() const;

 private:
  std::string dir_;
  std::string endpoint_;
  int clientPort_ = 0;
  int peerPort_ = 0;
  std::unique_ptr<Child> child_;
};

}  // namespace detcd::server::daemon::testing

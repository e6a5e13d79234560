#pragma once
// Test helper: one single-member server process (detcd, or etcd 3.4 as the reference) on free
// loopback ports, with its data in a directory of the test.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "server/daemon/tests/Processes.h"

namespace detcd::server::daemon::testing {

enum class ServerKind { kDetcd, kEtcd };

/// Path of the detcd binary under test and of the installed etcd.
std::string detcdBinary();
std::string etcdBinary();

/// A server started with the same flags whichever the kind (member "s1", client, peer and
/// metrics URLs on 127.0.0.1, data in `dir`/data), plus `extraFlags`. Killed (SIGKILL) on
/// destruction.
class ServerProcess {
 public:
  /// Ports 0: free ones are picked (a restart on the same data passes the previous ones, so that
  /// it is found where it was).
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

/// One member of a ClusterProcesses: its name, free loopback ports and config file.
struct ClusterMember {
  std::string name;  ///< "etcd1", "etcd2", ...
  int clientPort = 0;
  int peerPort = 0;
  int metricsPort = 0;  ///< listen-metrics-urls (/health, /metrics)
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(clientPort); }
  std::string peerUrl() const { return "http://127.0.0.1:" + std::to_string(peerPort); }
  std::string clientUrl() const { return "http://" + endpoint(); }
};

/// The cluster: members etcd1..etcdN, each started as `<server> --config-file=
/// etcdN_conf.yml` (etcd's YAML keys: name, data-dir, the four URL keys, listen-metrics-urls,
/// initial-cluster, initial-cluster-token etcd-cluster-1, initial-cluster-state) in `dir`,
/// with free loopback ports. The same files start detcd and etcd 3.4. Processes are killed
/// (SIGKILL) on destruction.
class ClusterProcesses {
 public:
  ClusterProcesses(ServerKind kind, std::string dir, int size);

  /// Starts every member of the initial cluster.
  void startAll();
  /// Picks ports for one more member (etcdN+1) without starting it (before MemberAdd).
  const ClusterMember& planMember();
  /// Starts member `i` (0-based) from its config file; `existing` writes
  /// initial-cluster-state: existing with every planned member in initial-cluster; `token` is
  /// the initial-cluster-token written.
  void start(std::size_t i, bool existing = false, const std::string& token = "etcd-cluster-1");
  /// Gives member `i` a new free peer port (for MemberUpdate; the next start() listens there).
  const ClusterMember& movePeerPort(std::size_t i);
  /// Waits until `etcdctl endpoint health` succeeds on member `i`; false after `timeout`.
  bool waitHealthy(std::size_t i, std::chrono::milliseconds timeout);

  /// Runs `etcdctl <args>` (ETCDCTL_API=3) against member `i`; stdout in `out`, stderr in
  /// `err` (optional). Returns the exit status.
  int etcdctl(std::size_t i, const std::string& args, std::string* out, std::string* err = nullptr);
  /// The same against every member started so far (ETCDCTL_ENDPOINTS = endpoints()).
  int etcdctlAll(const std::string& args, std::string* out, std::string* err = nullptr);
  /// "ep1,ep2,..." of the members started so far.
  std::string endpoints() const;

  const ClusterMember& member(std::size_t i) const { return members_.at(i); }
  Child& child(std::size_t i) { return *children_.at(i); }
  /// Member `i`'s stderr (its log) so far.
  std::string log(std::size_t i) const;
  const std::string& dir() const { return dir_; }

 private:
  ServerKind kind_;
  std::string dir_;
  std::size_t initialSize_;
  std::vector<ClusterMember> members_;
  std::vector<std::unique_ptr<Child>> children_;  ///< by member index; null until started
};

}  // namespace detcd::server::daemon::testing

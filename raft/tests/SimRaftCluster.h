#pragma once
// Raft nodes on the deterministic simulator (sim/): real virtual time, the simulated network
// (latency, loss, duplication, reordering, partitions of every shape), crashes that keep exactly
// what was durable, pauses and clock drift. One seed decides everything, including the fault
// rates. Nodes are driven by NodeDriver and checked by Invariants after every event; a liveness
// phase follows the faults.

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/Invariants.h"
#include "raft/NodeDriver.h"
#include "raft/tests/ClusterChecks.h"
#include "sim/Simulation.h"

namespace detcd::raft::testing {

struct SimChaosOptions {
  std::uint64_t seed = 1;
  std::size_t nodes = 5;
  env::Nanos tick{10'000'000};         ///< one Raft tick of local time (10 ms)
  env::Nanos faultPhase{20'000'000'000};  ///< virtual time with faults (20 s = 2,000 ticks)
  int livenessProposals = 3;           ///< proposals that must commit after the heal
  /// Virtual time each may take after the heal (plus 40 ms per entry of backlog).
  env::Nanos livenessBound{10'000'000'000};
  Mutations mutations;
};

struct SimChaosStats {
  std::uint64_t events = 0;        ///< scheduler events
  std::uint64_t committed = 0;     ///< distinct entries known committed
  std::uint64_t crashes = 0, partitions = 0, pauses = 0, confChanges = 0, reads = 0;
  std::uint64_t maxTerm = 0;
  std::uint64_t traceHash = 0;
};

/// Thrown when the healed cluster does not commit a new proposal within the bound.
class SimLivenessFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SimRaftCluster {
 public:
  explicit SimRaftCluster(const SimChaosOptions& options);
  ~SimRaftCluster();

  /// Safety phase, then liveness phase. Throws InvariantViolation, SimLivenessFailure, or
  /// std::runtime_error for a stale ReadIndex answer.
  SimChaosStats run();

  /// Writes the run's trace (JSON lines, docs/simulation.md) to `out` from now on.
  void writeTraceTo(std::ostream* out) { sim_.trace().writeTo(out); }

  /// The fault rates drawn from the seed, for failure messages.
  std::string describeFaults() const { return faults_; }

  // Called by the nodes' processes.
  void noteApplied(const std::string& data) { applied_.insert(data); }
  void checkRead(std::uint64_t id, const ReadState& rs) {
    if (reads_.answered(id, rs)) ++stats_.reads;
  }

 private:
  void scheduleFaults(env::Nanos at);
  void injectFault();
  void clientOp();
  /// Runs `body` inside node `id`'s event loop if it can run now (up, not paused or busy).
  bool onNode(std::uint64_t id, const std::function<void(NodeDriver&)>& body);
  std::uint64_t someLeader();
  void proposeConfChange(std::uint64_t via);
  /// Stops nodes that are in no member's configuration (etcd stops a removed member), and starts
  /// stopped ones that a configuration applied since mentions again.
  void shutDownRemovedNodes();
  void liveness();

  SimChaosOptions opts_;
  Invariants invariants_;
  // The durable part of each node: outlives its processes, so declared before the simulation
  // (whose destruction crashes, i.e. destroys, every running process).
  std::vector<std::unique_ptr<NodeDriver>> drivers_;
  sim::Simulation sim_;
  sim::Rng rng_;
  std::vector<env::NodeId> ids_;
  std::set<std::string> applied_;
  ReadIndexChecker reads_;
  SimChaosStats stats_;
  bool faultsOn_ = true;
  std::uint64_t proposals_ = 0;
  sim::LinkConfig link_;
  double churn_, partition_, heal_, crash_, restart_, pause_, drift_, propose_, read_, confChange_,
      compact_;
  std::string faults_;
};

/// The command that replays one seed of the simulator harness.
std::string simReplayCommand(const SimChaosOptions& o);

}  // namespace detcd::raft::testing

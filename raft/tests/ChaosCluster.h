#pragma once
// A deterministic in-process Raft cluster under random faults, for randomized safety and
// liveness tests. One seed decides everything: fault rates, the fault schedule, message
// delays, losses, duplicates and reordering, crashes and restarts (which keep exactly
// what was durable), proposals, configuration changes and compactions. Nodes are driven by
// NodeDriver and checked by Invariants after every event.

#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "raft/Invariants.h"
#include "raft/NodeDriver.h"
#include "raft/Rng.h"
#include "raft/tests/ClusterChecks.h"

namespace detcd::raft::testing {

// Thrown when the healed cluster fails to commit a proposal within the bound.
class LivenessFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ChaosOptions {
  std::uint64_t seed = 1;
  std::size_t nodes = 5;
  int faultTicks = 2000;      // length of the safety phase, in ticks
  int livenessProposals = 3;  // proposals that must commit after the heal
  // Ticks each of them may take, plus 4 per entry of backlog (largest last index minus
  // smallest commit index at the heal).
  int livenessBoundTicks = 400;
  Mutations mutations;
};

struct ChaosStats {
  std::uint64_t ticks = 0;
  std::uint64_t delivered = 0;
  std::uint64_t committedEntries = 0;  // distinct indexes known committed
  std::uint64_t crashes = 0;
  std::uint64_t confChanges = 0;
  std::uint64_t maxTerm = 0;
  std::uint64_t reads = 0;  // ReadIndex answers checked
};

class ChaosCluster {
 public:
  explicit ChaosCluster(const ChaosOptions& opts);
  // Safety phase then liveness phase. Throws InvariantViolation or LivenessFailure.
  ChaosStats run();
  // Human-readable fault parameters drawn from the seed.
  std::string describeFaults() const;
  // One status line per node (and progress on leaders).
  std::string describeNodes();

 private:
  struct InFlight {
    std::uint64_t deliverAt;
    std::uint64_t seq;
    raftpb::Message msg;
  };
  bool chance(double p) { return static_cast<double>(rng_.below(1000000)) < p * 1e6; }
  std::uint64_t pick(std::uint64_t n) { return rng_.below(n); }
  NodeDriver& node(std::uint64_t id) { return *nodes_[id - 1]; }
  void pump(std::uint64_t id);
  void enqueue(const raftpb::Message& m);
  void deliverDue();
  bool cut(std::uint64_t from, std::uint64_t to) const;
  void tickAll();
  void injectFaults();
  std::uint64_t someLeader();  // a random current leader (or any node if none)
  void clientOps();
  void proposeConfChange();
  void liveness();

  ChaosOptions opts_;
  Rng rng_;
  Invariants invariants_;
  std::vector<std::unique_ptr<NodeDriver>> nodes_;
  std::vector<InFlight> inflight_;
  std::uint64_t now_ = 0;
  std::uint64_t seq_ = 0;
  std::vector<int> side_;          // partition side per node; all 0 = healed
  std::set<std::string> applied_;  // data of every applied normal entry
  ReadIndexChecker reads_;
  ChaosStats stats_;
  bool faultsOn_ = true;
  // Fault rates drawn per seed.
  double loss_, dup_, partition_, churn_, read_, heal_, crash_, restart_, propose_, confChange_,
      compact_;
  std::uint64_t maxDelay_;
  bool preVote_, checkQuorum_;
};

// The command that replays one seed (printed with every failure).
std::string replayCommand(const ChaosOptions& o);

}  // namespace detcd::raft::testing

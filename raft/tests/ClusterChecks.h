#pragma once
// Checks and cluster-wide queries shared by the two randomized harnesses: ChaosCluster (its own
// in-process network) and SimRaftCluster (the simulator). Both hold their nodes as NodeDrivers
// indexed by id - 1.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "raft/NodeDriver.h"

namespace detcd::raft::testing {

/// Pending ReadIndex requests and the check of their answers. A linearizable read (Raft thesis
/// §6.4) must be answered with a read index covering every entry known to be committed anywhere
/// when the read was requested.
class ReadIndexChecker {
 public:
  /// Records request `ctx`, made while `committed` was the highest commit index of any node.
  void requested(const std::string& ctx, std::uint64_t committed) { pending_[ctx] = committed; }

  /// Checks the answer `rs` that node `id` produced. Returns true if it was checked, false if
  /// its request is not pending (an answer repeated by a duplicated message: checked once).
  /// Throws std::runtime_error, naming node, request and both indexes, if the read is stale.
  bool answered(std::uint64_t id, const ReadState& rs);

 private:
  std::map<std::string, std::uint64_t> pending_;  // request context -> commit index at request
};

/// The highest commit index among the nodes that are up (0 if none is).
std::uint64_t highestCommit(const std::vector<std::unique_ptr<NodeDriver>>& nodes);

/// The membership of the node that has applied the most entries (the first of them on a tie):
/// the newest configuration any node knows to be committed. `nodes` must not be empty.
const raftpb::ConfState& newestConfState(const std::vector<std::unique_ptr<NodeDriver>>& nodes);

/// The replication backlog among the nodes that are up: the largest last index minus the
/// smallest commit index, in entries. Liveness bounds grow with it (with one entry per MsgApp a
/// follower that missed n entries needs about n round trips). At least one node must be up.
std::uint64_t replicationBacklog(const std::vector<std::unique_ptr<NodeDriver>>& nodes);

}  // namespace detcd::raft::testing

#include "raft/tests/ClusterChecks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace detcd::raft::testing {

bool ReadIndexChecker::answered(std::uint64_t id, const ReadState& rs) {
  auto it = pending_.find(rs.requestCtx);
  if (it == pending_.end()) return false;
  if (rs.index < it->second) {
    throw std::runtime_error(fmt::format(
        "ReadIndex: node {} answered read {} with index {}, but index {} was already committed "
        "when it was requested",
        id, rs.requestCtx, rs.index, it->second));
  }
  pending_.erase(it);
  return true;
}

std::uint64_t highestCommit(const std::vector<std::unique_ptr<NodeDriver>>& nodes) {
  std::uint64_t commit = 0;
  for (const auto& d : nodes) {
    if (d->up()) commit = std::max(commit, d->node().raft().log().committed());
  }
  return commit;
}

const raftpb::ConfState& newestConfState(const std::vector<std::unique_ptr<NodeDriver>>& nodes) {
  assert(!nodes.empty());
  const NodeDriver* newest = nodes.front().get();
  for (const auto& d : nodes) {
    if (d->stateMachine().appliedIndex > newest->stateMachine().appliedIndex) newest = d.get();
  }
  return newest->confState();
}

std::uint64_t replicationBacklog(const std::vector<std::unique_ptr<NodeDriver>>& nodes) {
  std::uint64_t minCommit = UINT64_MAX, maxLast = 0;
  for (const auto& d : nodes) {
    if (!d->up()) continue;
    const RaftLog& log = d->node().raft().log();
    minCommit = std::min(minCommit, log.committed());
    maxLast = std::max(maxLast, log.lastIndex());
  }
  assert(maxLast >= minCommit && "replicationBacklog needs a node that is up");
  return maxLast - minCommit;
}

}  // namespace detcd::raft::testing

#include "raft/ProgressTracker.h"

namespace detcd::raft {

namespace {
std::string describeSet(const std::set<std::uint64_t>& s) { return MajorityConfig(s).describe(); }
}  // namespace

std::string TrackerConfig::describe() const {
  std::string s = "voters=" + voters.describe();
  if (!learners.empty()) s += " learners=" + describeSet(learners);
  if (!learnersNext.empty()) s += " learners_next=" + describeSet(learnersNext);
  if (autoLeave) s += " autoleave";
  return s;
}

raftpb::ConfState ProgressTracker::confState() const {
  raftpb::ConfState cs;
  for (auto id : config.voters.incoming.ids()) cs.add_voters(id);
  for (auto id : config.voters.outgoing.ids()) cs.add_voters_outgoing(id);
  for (auto id : config.learners) cs.add_learners(id);
  for (auto id : config.learnersNext) cs.add_learners_next(id);
  cs.set_auto_leave(config.autoLeave);
  return cs;
}

std::uint64_t ProgressTracker::committed() const {
  return config.voters.committedIndex([this](std::uint64_t id) -> std::optional<std::uint64_t> {
    auto it = progress.find(id);
    if (it == progress.end()) return std::nullopt;
    return it->second.match;
  });
}

bool ProgressTracker::quorumActive() const {
  std::map<std::uint64_t, bool> votes;
  for (const auto& [id, pr] : progress) {
    if (!pr.isLearner) votes[id] = pr.recentActive;
  }
  return config.voters.voteResult(votes) == VoteResult::Won;
}

std::vector<std::uint64_t> ProgressTracker::voterNodes() const {
  auto ids = config.voters.ids();
  return {ids.begin(), ids.end()};
}

ProgressTracker::Tally ProgressTracker::tallyVotes() const {
  Tally t;
  for (const auto& [id, pr] : progress) {
    if (pr.isLearner) continue;
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    if (it->second) {
      ++t.granted;
    } else {
      ++t.rejected;
    }
  }
  t.result = config.voters.voteResult(votes_);
  return t;
}

}  // namespace detcd::raft

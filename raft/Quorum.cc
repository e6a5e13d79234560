#include "raft/Quorum.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace detcd::raft {

std::string_view voteResultName(VoteResult r) {
  switch (r) {
    case VoteResult::Pending:
      return "VotePending";
    case VoteResult::Lost:
      return "VoteLost";
    case VoteResult::Won:
      return "VoteWon";
  }
  return "?";
}

std::uint64_t MajorityConfig::committedIndex(const AckedIndexer& acked) const {
  if (ids_.empty()) return std::numeric_limits<std::uint64_t>::max();
  std::vector<std::uint64_t> idx;
  idx.reserve(ids_.size());
  for (auto id : ids_) idx.push_back(acked(id).value_or(0));
  std::sort(idx.begin(), idx.end());
  // With n voters, a quorum is n/2+1: the (n/2+1)-th largest index is held by a quorum.
  return idx[idx.size() - (idx.size() / 2 + 1)];
}

VoteResult MajorityConfig::voteResult(const std::map<std::uint64_t, bool>& votes) const {
  if (ids_.empty()) return VoteResult::Won;
  std::size_t yes = 0, missing = 0;
  for (auto id : ids_) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++yes;
    }
  }
  std::size_t q = ids_.size() / 2 + 1;
  if (yes >= q) return VoteResult::Won;
  if (yes + missing >= q) return VoteResult::Pending;
  return VoteResult::Lost;
}

std::string MajorityConfig::describe() const {
  std::string s = "(";
  bool first = true;
  for (auto id : ids_) {
    if (!first) s += ' ';
    s += std::to_string(id);
    first = false;
  }
  return s + ")";
}

std::set<std::uint64_t> JointConfig::ids() const {
  std::set<std::uint64_t> all = incoming.ids();
  all.insert(outgoing.ids().begin(), outgoing.ids().end());
  return all;
}

std::uint64_t JointConfig::committedIndex(const AckedIndexer& acked) const {
  return std::min(incoming.committedIndex(acked), outgoing.committedIndex(acked));
}

VoteResult JointConfig::voteResult(const std::map<std::uint64_t, bool>& votes) const {
  VoteResult r1 = incoming.voteResult(votes);
  VoteResult r2 = outgoing.voteResult(votes);
  if (r1 == r2) return r1;
  if (r1 == VoteResult::Lost || r2 == VoteResult::Lost) return VoteResult::Lost;
  return VoteResult::Pending;  // one won, the other is pending
}

std::string JointConfig::describe() const {
  std::string s = incoming.describe();
  if (!outgoing.empty()) s += "&&" + outgoing.describe();
  return s;
}

}  // namespace detcd::raft

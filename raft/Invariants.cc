#include "raft/Invariants.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace detcd::raft {

std::string_view invariantName(InvariantKind k) {
  switch (k) {
    case InvariantKind::ElectionSafety:
      return "election safety";
    case InvariantKind::DoubleVote:
      return "double vote";
    case InvariantKind::LogMatching:
      return "log matching";
    case InvariantKind::LeaderCompleteness:
      return "leader completeness";
    case InvariantKind::StateMachineSafety:
      return "state machine safety";
    case InvariantKind::MonotonicCommit:
      return "monotonic commit";
  }
  return "?";
}

namespace {
std::uint64_t hashData(const std::string& d) { return XXH64(d.data(), d.size(), 0); }
}  // namespace

void Invariants::onState(const NodeState& s) {
  NodeFacts& n = nodes_[s.id];
  if (s.role == StateType::Leader) {
    auto [it, fresh] = leaders_.emplace(s.term, s.id);
    if (!fresh && it->second != s.id) {
      throw InvariantViolation(
          InvariantKind::ElectionSafety,
          fmt::format("nodes {} and {} both led term {}", it->second, s.id, s.term));
    }
  }
  if (s.durableVote != kNone) {
    auto [it, fresh] = votes_.emplace(std::make_pair(s.id, s.durableTerm), s.durableVote);
    if (!fresh && it->second != s.durableVote) {
      throw InvariantViolation(InvariantKind::DoubleVote,
                               fmt::format("node {} voted for {} and for {} in term {}", s.id,
                                           it->second, s.durableVote, s.durableTerm));
    }
  }
  if (n.up && s.commit < n.commit) {
    throw InvariantViolation(
        InvariantKind::MonotonicCommit,
        fmt::format("node {} commit went from {} back to {}", s.id, n.commit, s.commit));
  }
  std::uint64_t from = n.up ? n.commit + 1 : s.firstIndex;
  n.up = true;
  if (s.commit >= from) recordCommitted(s, from, s.commit);
  n.commit = s.commit;
  if (s.role == StateType::Leader && n.checkedLeaderTerm != s.term) {
    n.checkedLeaderTerm = s.term;
    checkLeaderCompleteness(s);
  }
}

void Invariants::recordCommitted(const NodeState& s, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t i = std::max(from, s.firstIndex); i <= to; ++i) {
    auto t = s.termAt(i);
    if (!t) continue;  // compacted meanwhile: covered by a snapshot
    auto [it, fresh] = committed_.emplace(i, CommitFacts{*t, s.term});
    if (!fresh && it->second.term != *t) {
      throw InvariantViolation(
          InvariantKind::StateMachineSafety,
          fmt::format("node {} committed index {} with term {}, another node with term {}", s.id, i,
                      *t, it->second.term));
    }
    it->second.commitTerm = std::min(it->second.commitTerm, s.term);
  }
}

void Invariants::checkLeaderCompleteness(const NodeState& s) {
  for (auto it = committed_.lower_bound(s.firstIndex); it != committed_.end(); ++it) {
    // Only entries committed in earlier terms: an entry of an old term may first become
    // committed in a later term (paper Figure 8) and need not be in this leader's log.
    if (it->second.commitTerm >= s.term) continue;
    auto t = s.termAt(it->first);
    if (!t || *t != it->second.term) {
      throw InvariantViolation(
          InvariantKind::LeaderCompleteness,
          fmt::format(
              "leader {} of term {} lacks entry {} of term {} committed in term {} (has {})", s.id,
              s.term, it->first, it->second.term, it->second.commitTerm,
              t ? std::to_string(*t) : "none"));
    }
  }
}

void Invariants::onPersist(std::uint64_t id, std::optional<std::uint64_t> prevTerm,
                           const std::vector<raftpb::Entry>& entries) {
  for (const auto& e : entries) {
    EntryFacts f{hashData(e.data()), e.type(), prevTerm};
    auto [it, fresh] = entries_.emplace(EntryKey{e.index(), e.term()}, f);
    if (!fresh) {
      const EntryFacts& old = it->second;
      if (old.dataHash != f.dataHash || old.type != f.type) {
        throw InvariantViolation(InvariantKind::LogMatching,
                                 fmt::format("node {} has a different entry at index {} term {}",
                                             id, e.index(), e.term()));
      }
      if (old.prevTerm && f.prevTerm && *old.prevTerm != *f.prevTerm) {
        throw InvariantViolation(
            InvariantKind::LogMatching,
            fmt::format("node {}: entry {} term {} follows term {} here but term {} elsewhere", id,
                        e.index(), e.term(), *f.prevTerm, *old.prevTerm));
      }
      if (!old.prevTerm) it->second.prevTerm = f.prevTerm;
    }
    prevTerm = e.term();
  }
}

void Invariants::onApply(std::uint64_t id, const raftpb::Entry& e, std::uint64_t stateHash) {
  std::uint64_t h = hashData(e.data());
  auto [it, fresh] = applied_.emplace(e.index(), std::make_pair(e.term(), h));
  if (!fresh && it->second != std::make_pair(e.term(), h)) {
    throw InvariantViolation(
        InvariantKind::StateMachineSafety,
        fmt::format("node {} applied index {} term {}, another node applied term {} there", id,
                    e.index(), e.term(), it->second.first));
  }
  auto [st, sfresh] = stateAt_.emplace(e.index(), stateHash);
  if (!sfresh && st->second != stateHash) {
    throw InvariantViolation(
        InvariantKind::StateMachineSafety,
        fmt::format("node {} state after index {} differs from another node's", id, e.index()));
  }
}

void Invariants::onSnapshot(std::uint64_t id, std::uint64_t index, std::uint64_t term,
                            std::uint64_t stateHash) {
  auto c = committed_.find(index);
  if (c != committed_.end() && c->second.term != term) {
    throw InvariantViolation(
        InvariantKind::StateMachineSafety,
        fmt::format("node {} installed a snapshot at index {} term {}, but term {} committed there",
                    id, index, term, c->second.term));
  }
  auto [st, fresh] = stateAt_.emplace(index, stateHash);
  if (!fresh && st->second != stateHash) {
    throw InvariantViolation(
        InvariantKind::StateMachineSafety,
        fmt::format("node {} snapshot state at index {} differs from another node's", id, index));
  }
}

void Invariants::onRestart(std::uint64_t id) {
  NodeFacts& n = nodes_[id];
  n.up = false;
  n.checkedLeaderTerm = 0;
}

}  // namespace detcd::raft

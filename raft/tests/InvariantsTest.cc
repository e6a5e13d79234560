// The Invariants checker accepts a correct history and REJECTS each kind of violation.
#include <gtest/gtest.h>

#include "raft/Invariants.h"
#include "raft/tests/RaftTestUtil.h"

namespace detcd::raft::testing {
namespace {

// A node state whose log holds entries with the given terms at indexes 1..n.
NodeState state(std::uint64_t id, std::uint64_t term, StateType role, std::uint64_t commit,
                std::vector<std::uint64_t> logTerms, std::uint64_t vote = kNone) {
  NodeState s;
  s.id = id;
  s.term = term;
  s.role = role;
  s.commit = commit;
  s.durableTerm = term;
  s.durableVote = vote;
  s.firstIndex = 1;
  s.termAt = [logTerms](std::uint64_t i) -> std::optional<std::uint64_t> {
    if (i == 0 || i > logTerms.size()) return std::nullopt;
    return logTerms[i - 1];
  };
  return s;
}

template <class F>
void expectViolation(InvariantKind kind, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected a " << invariantName(kind) << " violation";
  } catch (const InvariantViolation& v) {
    EXPECT_EQ(v.kind(), kind) << v.what();
  }
}

TEST(InvariantsTest, AcceptsACorrectHistory) {
  Invariants inv;
  inv.onState(state(1, 1, StateType::Candidate, 0, {}, 1));
  inv.onState(state(2, 1, StateType::Follower, 0, {}, 1));
  inv.onState(state(1, 1, StateType::Leader, 0, {}, 1));
  inv.onPersist(1, 0, {entry(1, 1, "a"), entry(1, 2, "b")});
  inv.onPersist(2, 0, {entry(1, 1, "a")});
  inv.onPersist(2, 1, {entry(1, 2, "b")});
  inv.onState(state(1, 1, StateType::Leader, 2, {1, 1}, 1));
  inv.onState(state(2, 1, StateType::Follower, 2, {1, 1}, 1));
  inv.onApply(1, entry(1, 1, "a"), 11);
  inv.onApply(2, entry(1, 1, "a"), 11);
  inv.onRestart(2);
  inv.onState(state(2, 1, StateType::Follower, 1, {1, 1}, 1));  // commit back after restart
  inv.onState(state(2, 2, StateType::Leader, 2, {1, 1, 2}, 2));
  inv.onSnapshot(3, 1, 1, 11);
  EXPECT_EQ(inv.committedCount(), 2u);
}

TEST(InvariantsTest, RejectsTwoLeadersInOneTerm) {
  Invariants inv;
  inv.onState(state(1, 3, StateType::Leader, 0, {}));
  expectViolation(InvariantKind::ElectionSafety,
                  [&] { inv.onState(state(2, 3, StateType::Leader, 0, {})); });
}

TEST(InvariantsTest, RejectsTwoVotesInOneTermEvenAcrossRestarts) {
  Invariants inv;
  inv.onState(state(1, 2, StateType::Follower, 0, {}, 2));
  inv.onRestart(1);
  expectViolation(InvariantKind::DoubleVote,
                  [&] { inv.onState(state(1, 2, StateType::Follower, 0, {}, 3)); });
}

TEST(InvariantsTest, RejectsSameIndexAndTermWithDifferentEntries) {
  Invariants inv;
  inv.onPersist(1, 0, {entry(1, 1, "a")});
  expectViolation(InvariantKind::LogMatching, [&] { inv.onPersist(2, 0, {entry(1, 1, "b")}); });
}

TEST(InvariantsTest, RejectsSameEntryAfterDifferentPrefixes) {
  Invariants inv;
  inv.onPersist(1, 1, {entry(2, 5, "x")});
  expectViolation(InvariantKind::LogMatching, [&] { inv.onPersist(2, 2, {entry(2, 5, "x")}); });
}

TEST(InvariantsTest, RejectsLeaderLackingAnEntryCommittedInAnEarlierTerm) {
  Invariants inv;
  inv.onState(state(1, 1, StateType::Leader, 2, {1, 1}));
  expectViolation(InvariantKind::LeaderCompleteness, [&] {
    inv.onState(state(2, 2, StateType::Leader, 1, {1, 2}));
  });
}

TEST(InvariantsTest, AcceptsLeaderLackingAnOldTermEntryCommittedOnlyLater) {
  // Figure 8: an entry of term 1 committed in term 3 need not be in the log of a leader of
  // term 2 (elected before it was committed).
  Invariants inv;
  inv.onState(state(1, 3, StateType::Leader, 2, {1, 1}));
  inv.onState(state(2, 2, StateType::Leader, 1, {1, 2}));
}

TEST(InvariantsTest, RejectsDifferentCommittedEntriesAtOneIndex) {
  Invariants inv;
  inv.onState(state(1, 2, StateType::Follower, 2, {1, 1}));
  expectViolation(InvariantKind::StateMachineSafety, [&] {
    inv.onState(state(2, 2, StateType::Follower, 2, {1, 2}));
  });
}

TEST(InvariantsTest, RejectsDifferentAppliedEntriesAtOneIndex) {
  Invariants inv;
  inv.onApply(1, entry(1, 4, "a"), 7);
  expectViolation(InvariantKind::StateMachineSafety, [&] { inv.onApply(2, entry(1, 4, "b"), 8); });
}

TEST(InvariantsTest, RejectsDivergentStateAfterTheSameIndex) {
  Invariants inv;
  inv.onApply(1, entry(1, 4, "a"), 7);
  expectViolation(InvariantKind::StateMachineSafety, [&] { inv.onSnapshot(2, 4, 1, 9); });
}

TEST(InvariantsTest, RejectsSnapshotContradictingACommittedEntry) {
  Invariants inv;
  inv.onState(state(1, 2, StateType::Follower, 3, {1, 1, 2}));
  expectViolation(InvariantKind::StateMachineSafety, [&] { inv.onSnapshot(2, 3, 1, 5); });
}

TEST(InvariantsTest, RejectsCommitIndexGoingBackwardsWhileUp) {
  Invariants inv;
  inv.onState(state(1, 1, StateType::Follower, 3, {1, 1, 1}));
  expectViolation(InvariantKind::MonotonicCommit, [&] {
    inv.onState(state(1, 1, StateType::Follower, 2, {1, 1, 1}));
  });
}

}  // namespace
}  // namespace detcd::raft::testing

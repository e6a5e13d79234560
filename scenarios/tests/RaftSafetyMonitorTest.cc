#include "scenarios/RaftSafetyMonitor.h"

#include <gtest/gtest.h>

namespace detcd::scenarios {
namespace {

using env::Nanos;

void leader(RaftSafetyMonitor& m, int64_t t, env::NodeId node, uint64_t term, uint64_t commit) {
  m.observe(Nanos(t), node, "raft-state",
            {{"term", term}, {"vote", node}, {"role", "leader"}, {"leader", node},
             {"commit", commit}, {"last", commit}});
}

void follower(RaftSafetyMonitor& m, int64_t t, env::NodeId node, uint64_t term, uint64_t commit) {
  m.observe(Nanos(t), node, "raft-state",
            {{"term", term}, {"vote", uint64_t{0}}, {"role", "follower"}, {"leader", uint64_t{1}},
             {"commit", commit}, {"last", commit}});
}

void apply(RaftSafetyMonitor& m, int64_t t, env::NodeId node, uint64_t index, uint64_t term,
           uint64_t hash) {
  m.observe(Nanos(t), node, "apply", {{"index", index}, {"term", term}, {"hash", hash}});
}

TEST(RaftSafetyMonitorTest, AcceptsAHealthyRunWithCrashesRestartsAndSnapshots) {
  RaftSafetyMonitor m;
  for (env::NodeId n = 1; n <= 3; ++n) {
    m.observe(Nanos(0), n, "start", {{"incarnation", uint64_t{1}}});
    m.observe(Nanos(0), n, "node-start",
              {{"term", uint64_t{0}}, {"commit", uint64_t{0}}, {"applied", uint64_t{0}},
               {"snapshot", uint64_t{0}}});
  }
  leader(m, 10, 1, 2, 0);
  follower(m, 11, 2, 2, 0);
  for (uint64_t i = 1; i <= 5; ++i) {
    for (env::NodeId n = 1; n <= 3; ++n) apply(m, 20 + static_cast<int64_t>(i), n, i, 2, 100 + i);
  }
  leader(m, 30, 1, 2, 5);  // the same leader again in its term is fine
  // n3 crashes and restarts from a snapshot at 3: applies 4 and 5 again, then goes on.
  m.observe(Nanos(40), 3, "crash", {{"incarnation", uint64_t{1}}});
  m.observe(Nanos(50), 3, "start", {{"incarnation", uint64_t{2}}});
  m.observe(Nanos(51), 3, "snapshot-restore", {{"index", uint64_t{3}}});
  m.observe(Nanos(52), 3, "node-start",
            {{"term", uint64_t{2}}, {"commit", uint64_t{3}}, {"applied", uint64_t{3}},
             {"snapshot", uint64_t{3}}});
  apply(m, 53, 3, 4, 2, 104);
  apply(m, 54, 3, 5, 2, 105);
  // A new term with another leader; a follower catches up by snapshot.
  leader(m, 60, 2, 3, 5);
  m.observe(Nanos(61), 1, "snapshot-restore", {{"index", uint64_t{9}}});
  apply(m, 62, 1, 10, 3, 110);
  apply(m, 63, 2, 10, 3, 110);
  EXPECT_TRUE(m.violations().empty()) << m.violations()[0].message;
  EXPECT_EQ(m.applies(), 19u);
}

TEST(RaftSafetyMonitorTest, RejectsALeaderCommittingAnOlderTermEntryByCountingReplicas) {
  // Figure 8: n1 leads term 4 with an entry of term 2 at index 3 and raises its commit index
  // to it (the member traces the apply before the state, as the node does); then the same
  // with the apply traced after the state.
  for (bool applyFirst : {true, false}) {
    RaftSafetyMonitor m;
    m.observe(Nanos(0), 1, "node-start",
              {{"term", uint64_t{2}}, {"commit", uint64_t{2}}, {"applied", uint64_t{2}},
               {"snapshot", uint64_t{0}}});
    leader(m, 10, 1, 4, 2);
    if (applyFirst) apply(m, 20, 1, 3, 2, 103);
    leader(m, 20, 1, 4, 3);
    if (!applyFirst) apply(m, 21, 1, 3, 2, 103);
    ASSERT_EQ(m.violations().size(), 1u) << applyFirst;
    EXPECT_EQ(m.violations()[0].rule, "leader-commit-rule");
    EXPECT_EQ(m.violations()[0].nodes, (std::vector<env::NodeId>{1}));
  }
  // Committing the old entry together with one of its own term is the rule itself.
  RaftSafetyMonitor ok;
  ok.observe(Nanos(0), 1, "node-start",
             {{"term", uint64_t{2}}, {"commit", uint64_t{2}}, {"applied", uint64_t{2}},
              {"snapshot", uint64_t{0}}});
  leader(ok, 10, 1, 4, 2);
  apply(ok, 20, 1, 3, 2, 103);
  apply(ok, 20, 1, 4, 4, 104);
  leader(ok, 20, 1, 4, 4);
  EXPECT_TRUE(ok.violations().empty()) << ok.violations()[0].message;
}

TEST(RaftSafetyMonitorTest, RejectsTwoLeadersInOneTerm) {
  RaftSafetyMonitor m;
  leader(m, 10, 1, 4, 0);
  leader(m, 20, 3, 4, 0);
  ASSERT_EQ(m.violations().size(), 1u);
  const SafetyViolation& v = m.violations()[0];
  EXPECT_EQ(v.rule, "election-safety");
  EXPECT_EQ(v.time, Nanos(20));
  EXPECT_EQ(v.nodes, (std::vector<env::NodeId>{1, 3}));
  EXPECT_NE(v.message.find("term 4"), std::string::npos);
}

TEST(RaftSafetyMonitorTest, RejectsDifferentEntriesAppliedAtOneIndex) {
  RaftSafetyMonitor m;
  apply(m, 10, 1, 7, 2, 1234);
  apply(m, 11, 2, 7, 2, 1234);
  apply(m, 12, 3, 7, 3, 999);  // another term at index 7
  apply(m, 13, 2, 8, 3, 5);
  apply(m, 14, 1, 8, 3, 6);  // same term, another entry
  ASSERT_EQ(m.violations().size(), 2u);
  EXPECT_EQ(m.violations()[0].rule, "state-machine-safety");
  EXPECT_EQ(m.violations()[0].nodes, (std::vector<env::NodeId>{1, 3}));
  EXPECT_NE(m.violations()[0].message.find("index 7"), std::string::npos);
  EXPECT_EQ(m.violations()[1].nodes, (std::vector<env::NodeId>{2, 1}));
}

TEST(RaftSafetyMonitorTest, StringHashesCompareAsText) {
  RaftSafetyMonitor m;
  m.observe(Nanos(1), 1, "apply", {{"index", uint64_t{1}}, {"term", uint64_t{1}}, {"hash", "ab"}});
  m.observe(Nanos(2), 2, "apply", {{"index", uint64_t{1}}, {"term", uint64_t{1}}, {"hash", "ab"}});
  EXPECT_TRUE(m.violations().empty());
  m.observe(Nanos(3), 3, "apply", {{"index", uint64_t{1}}, {"term", uint64_t{1}}, {"hash", "ac"}});
  EXPECT_EQ(m.violations().size(), 1u);
}

TEST(RaftSafetyMonitorTest, RejectsAnAppliedIndexThatDoesNotIncrease) {
  RaftSafetyMonitor m;
  m.observe(Nanos(0), 1, "node-start",
            {{"term", uint64_t{1}}, {"commit", uint64_t{5}}, {"applied", uint64_t{5}},
             {"snapshot", uint64_t{0}}});
  apply(m, 1, 1, 5, 1, 1);  // already applied before the restart: applied twice
  apply(m, 2, 1, 6, 1, 2);
  apply(m, 3, 1, 6, 1, 2);  // twice in a row
  m.observe(Nanos(4), 1, "snapshot-restore", {{"index", uint64_t{4}}});  // backwards
  ASSERT_EQ(m.violations().size(), 3u);
  for (const auto& v : m.violations()) EXPECT_EQ(v.rule, "applied-index-monotonic");
}

TEST(RaftSafetyMonitorTest, RejectsEntriesOfTheRestoredSnapshotAppliedAgainAtARestart) {
  RaftSafetyMonitor m;
  for (uint64_t i = 1; i <= 8; ++i) apply(m, 1, 1, i, 1, i);
  m.observe(Nanos(2), 1, "crash", {});
  m.observe(Nanos(3), 1, "start", {});
  apply(m, 4, 1, 5, 1, 5);  // the snapshot at 6 holds 5 and 6 already
  apply(m, 4, 1, 6, 1, 6);
  m.observe(Nanos(5), 1, "node-start",
            {{"term", uint64_t{1}}, {"commit", uint64_t{8}}, {"applied", uint64_t{6}},
             {"snapshot", uint64_t{6}}});
  ASSERT_EQ(m.violations().size(), 1u);
  EXPECT_NE(m.violations()[0].message.find("n1 applied index 5 again at its restart"),
            std::string::npos)
      << m.violations()[0].message;
  // Entries after the snapshot are replayed from the WAL after node-start: that is fine.
  apply(m, 6, 1, 7, 1, 7);
  apply(m, 6, 1, 8, 1, 8);
  EXPECT_EQ(m.violations().size(), 1u);
}

TEST(RaftSafetyMonitorTest, RejectsACommitIndexThatGoesBackWithinAnIncarnation) {
  RaftSafetyMonitor m;
  follower(m, 1, 2, 1, 8);
  follower(m, 2, 2, 1, 7);
  ASSERT_EQ(m.violations().size(), 1u);
  EXPECT_EQ(m.violations()[0].rule, "commit-monotonic");
  // After a crash the volatile commit index may restart lower.
  m.observe(Nanos(3), 2, "crash", {});
  m.observe(Nanos(4), 2, "start", {});
  follower(m, 5, 2, 1, 3);
  EXPECT_EQ(m.violations().size(), 1u);
}

TEST(RaftSafetyMonitorTest, KeepsTheFirstViolationsAndCountsThemAll) {
  RaftSafetyMonitor m;
  for (uint64_t t = 1; t <= RaftSafetyMonitor::kMaxKept + 10; ++t) {
    leader(m, static_cast<int64_t>(t), 1, t, 0);
    leader(m, static_cast<int64_t>(t), 2, t, 0);
  }
  EXPECT_EQ(m.violations().size(), RaftSafetyMonitor::kMaxKept);
  EXPECT_EQ(m.violationCount(), RaftSafetyMonitor::kMaxKept + 10);
}

}  // namespace
}  // namespace detcd::scenarios

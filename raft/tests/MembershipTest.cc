// Unit tests of quorum arithmetic, progress/inflights and configuration changes.
#include <gtest/gtest.h>

#include "raft/ConfChanger.h"
#include "raft/Progress.h"
#include "raft/Quorum.h"

namespace detcd::raft {
namespace {

AckedIndexer acks(std::map<std::uint64_t, std::uint64_t> m) {
  return [m](std::uint64_t id) -> std::optional<std::uint64_t> {
    auto it = m.find(id);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(QuorumTest, MajorityCommittedIndexIsTheQuorumsSmallestAck) {
  MajorityConfig c({1, 2, 3});
  EXPECT_EQ(c.committedIndex(acks({{1, 5}, {2, 3}, {3, 1}})), 3u);
  EXPECT_EQ(c.committedIndex(acks({{1, 5}})), 0u);
  MajorityConfig four({1, 2, 3, 4});
  EXPECT_EQ(four.committedIndex(acks({{1, 9}, {2, 8}, {3, 2}, {4, 1}})), 2u);
  EXPECT_EQ(MajorityConfig().committedIndex(acks({})), UINT64_MAX);
}

TEST(QuorumTest, JointCommittedIndexIsTheMinimumOfBothHalves) {
  JointConfig j{MajorityConfig({1, 2, 3}), MajorityConfig({3, 4, 5})};
  EXPECT_EQ(j.committedIndex(acks({{1, 9}, {2, 9}, {3, 4}, {4, 2}, {5, 1}})), 2u);
}

TEST(QuorumTest, VoteResultsInMajorityAndJointConfigs) {
  MajorityConfig c({1, 2, 3});
  EXPECT_EQ(c.voteResult({{1, true}, {2, true}}), VoteResult::Won);
  EXPECT_EQ(c.voteResult({{1, true}, {2, false}}), VoteResult::Pending);
  EXPECT_EQ(c.voteResult({{1, false}, {2, false}}), VoteResult::Lost);
  JointConfig j{MajorityConfig({1, 2, 3}), MajorityConfig({3, 4, 5})};
  EXPECT_EQ(j.voteResult({{1, true}, {2, true}, {3, true}}), VoteResult::Pending);
  EXPECT_EQ(j.voteResult({{1, true}, {2, true}, {3, true}, {4, true}}), VoteResult::Won);
  EXPECT_EQ(j.voteResult({{1, true}, {2, true}, {4, false}, {5, false}}), VoteResult::Lost);
}

TEST(ProgressTest, InflightsBoundReplicationAndFreeOnAck) {
  Inflights in(2);
  in.add(3);
  in.add(5);
  EXPECT_TRUE(in.full());
  in.freeLE(3);
  EXPECT_EQ(in.count(), 1u);
  in.freeFirstOne();
  EXPECT_EQ(in.count(), 0u);
}

TEST(ProgressTest, ProbeBacksOffToHintAndIgnoresStaleRejections) {
  Progress p(4);
  p.match = 2;
  p.next = 10;
  EXPECT_FALSE(p.maybeDecrTo(5, 4)) << "only a rejection of next-1 counts in probe";
  EXPECT_TRUE(p.maybeDecrTo(9, 4));
  EXPECT_EQ(p.next, 5u);
  p.becomeReplicate();
  EXPECT_FALSE(p.maybeDecrTo(2, 0)) << "a rejection at or below match is stale";
  EXPECT_TRUE(p.maybeUpdate(7));
  EXPECT_EQ(p.next, 8u);
}

TEST(ProgressTest, SnapshotStatePausesUntilReported) {
  Progress p(4);
  p.match = 3;
  p.becomeSnapshot(20);
  EXPECT_TRUE(p.isPaused());
  p.becomeProbe();
  EXPECT_EQ(p.next, 21u) << "probe right after the snapshot";
}

raftpb::ConfChangeSingle cc(raftpb::ConfChangeType t, std::uint64_t id) {
  raftpb::ConfChangeSingle c;
  c.set_type(t);
  c.set_node_id(id);
  return c;
}

class ConfChangerTest : public ::testing::Test {
 protected:
  ConfChangerTest() : tracker_(8) {
    auto o = ConfChanger::restore(cs({1, 2, 3}), 8, 10);
    install(o);
  }
  static raftpb::ConfState cs(const std::vector<std::uint64_t>& v) {
    raftpb::ConfState c;
    for (auto id : v) c.add_voters(id);
    return c;
  }
  void install(const ConfChanger::Outcome& o) {
    tracker_.config = o.config;
    tracker_.progress = o.progress;
  }
  ProgressTracker tracker_;
};

TEST_F(ConfChangerTest, SimpleChangeAllowsOneVoterAtATime) {
  ConfChanger ch(tracker_, 10);
  auto o = ch.simple({cc(raftpb::ConfChangeAddNode, 4)});
  EXPECT_EQ(o.config.describe(), "voters=(1 2 3 4)");
  EXPECT_EQ(o.progress.at(4).next, 10u);
  EXPECT_TRUE(o.progress.at(4).recentActive);
  EXPECT_THROW(ch.simple({cc(raftpb::ConfChangeAddNode, 4), cc(raftpb::ConfChangeAddNode, 5)}),
               ConfChangeError);
  o = ch.simple({cc(raftpb::ConfChangeAddLearnerNode, 4), cc(raftpb::ConfChangeAddNode, 4)});
  EXPECT_EQ(o.config.describe(), "voters=(1 2 3 4)") << "learner then voter: one voter change";
}

TEST_F(ConfChangerTest, JointConfigurationDemotesViaLearnersNextAndLeaves) {
  auto o = ConfChanger(tracker_, 10)
               .enterJoint(true, {cc(raftpb::ConfChangeAddLearnerNode, 3),
                                  cc(raftpb::ConfChangeAddNode, 4)});
  EXPECT_EQ(o.config.describe(), "voters=(1 2 4)&&(1 2 3) learners_next=(3) autoleave");
  EXPECT_FALSE(o.progress.at(3).isLearner);
  install(o);
  EXPECT_THROW(ConfChanger(tracker_, 10).enterJoint(false, {}), ConfChangeError);
  EXPECT_THROW(ConfChanger(tracker_, 10).simple({}), ConfChangeError);
  o = ConfChanger(tracker_, 10).leaveJoint();
  EXPECT_EQ(o.config.describe(), "voters=(1 2 4) learners=(3)");
  EXPECT_TRUE(o.progress.at(3).isLearner);
  install(o);
  EXPECT_THROW(ConfChanger(tracker_, 10).leaveJoint(), ConfChangeError);
}

TEST_F(ConfChangerTest, RemovingAllVotersIsRefused) {
  EXPECT_THROW(ConfChanger(tracker_, 10)
                   .enterJoint(false, {cc(raftpb::ConfChangeRemoveNode, 1),
                                       cc(raftpb::ConfChangeRemoveNode, 2),
                                       cc(raftpb::ConfChangeRemoveNode, 3)}),
               ConfChangeError);
}

TEST_F(ConfChangerTest, RestoreRebuildsAJointConfState) {
  raftpb::ConfState c;
  for (auto id : {1, 2, 4}) c.add_voters(static_cast<std::uint64_t>(id));
  for (auto id : {1, 2, 3}) c.add_voters_outgoing(static_cast<std::uint64_t>(id));
  c.add_learners_next(3);
  c.set_auto_leave(true);
  auto o = ConfChanger::restore(c, 8, 10);
  EXPECT_EQ(o.config.describe(), "voters=(1 2 4)&&(1 2 3) learners_next=(3) autoleave");
  ProgressTracker t(8);
  t.config = o.config;
  t.progress = o.progress;
  EXPECT_EQ(t.confState().SerializeAsString(), c.SerializeAsString());
}

TEST(ConfChangeV2Test, TransitionSemantics) {
  raftpb::ConfChangeV2 v;
  bool autoLeave = false;
  EXPECT_TRUE(leaveJoint(v));
  EXPECT_FALSE(enterJoint(v, &autoLeave));
  v.add_changes()->set_node_id(1);
  EXPECT_FALSE(enterJoint(v, &autoLeave)) << "one change with Auto is a simple change";
  v.add_changes()->set_node_id(2);
  EXPECT_TRUE(enterJoint(v, &autoLeave));
  EXPECT_TRUE(autoLeave);
  v.set_transition(raftpb::ConfChangeTransitionJointExplicit);
  EXPECT_TRUE(enterJoint(v, &autoLeave));
  EXPECT_FALSE(autoLeave);
}

}  // namespace
}  // namespace detcd::raft

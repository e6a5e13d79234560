// The RawNode API and its Ready contract.
#include <gtest/gtest.h>

#include "raft/RawNode.h"
#include "raft/tests/RaftTestUtil.h"

namespace detcd::raft::testing {
namespace {

void persist(MemoryStorage& s, const Ready& rd) {
  if (rd.snapshot) (void)s.applySnapshot(*rd.snapshot);
  s.append(rd.entries);
  if (rd.hardState) s.setHardState(*rd.hardState);
}

TEST(RawNodeTest, ConfigValidationNamesTheProblem) {
  auto s = newStorage(voters({1}));
  Config c = testConfig(1, 10, 1, s.get());
  c.id = 0;
  EXPECT_THROW({ RawNode n(c); }, std::invalid_argument);
  c = testConfig(1, 1, 1, s.get());
  EXPECT_THROW({ RawNode n(c); }, std::invalid_argument);
  c = testConfig(1, 10, 1, s.get());
  c.readOnlyOption = ReadOnlyOption::LeaseBased;
  try {
    RawNode n(c);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("checkQuorum"), std::string::npos) << e.what();
  }
}

TEST(RawNodeTest, MessagesAreReleasedOnlyAfterTheHardStateIsPersisted) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  ASSERT_EQ(n.campaign(), Error::None);
  ASSERT_TRUE(n.hasReady());
  Ready rd = n.ready();
  ASSERT_TRUE(rd.hardState);
  EXPECT_EQ(rd.hardState->vote(), 1u);
  EXPECT_EQ(rd.messageCount(), 2u);
  EXPECT_TRUE(rd.mustSync);
  EXPECT_THROW(n.advance(rd), std::logic_error) << "the vote is not durable yet";
  persist(*s, rd);
  auto msgs = n.advance(rd);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type(), raftpb::MsgVote);
  EXPECT_FALSE(n.hasReady());
}

TEST(RawNodeTest, MessagesAreReleasedOnlyAfterTheEntriesArePersisted) {
  auto s = newStorage(voters({1}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  (void)n.campaign();
  Ready rd = n.ready();
  persist(*s, rd);
  (void)n.advance(rd);
  ASSERT_EQ(n.raft().state(), StateType::Leader);
  ASSERT_EQ(n.propose("x"), Error::None);
  rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 1u);
  if (rd.hardState) s->setHardState(*rd.hardState);
  EXPECT_THROW(n.advance(rd), std::logic_error) << "entries not in storage";
}

TEST(RawNodeTest, ProposalWithoutLeaderIsDroppedWithAClearError) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  EXPECT_EQ(n.propose("x"), Error::ProposalDropped);
  EXPECT_EQ(errorName(Error::ProposalDropped), "raft proposal dropped");
}

TEST(RawNodeTest, StepRejectsLocalMessagesAndUnknownPeers) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  EXPECT_EQ(n.step(msg(1, 1, raftpb::MsgHup)), Error::StepLocalMsg);
  EXPECT_EQ(n.step(msg(9, 1, raftpb::MsgAppResp, 1)), Error::StepPeerNotFound);
}

TEST(RawNodeTest, SingleNodeCommitsAndAppliesThroughReady) {
  auto s = newStorage(voters({1}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  (void)n.campaign();
  std::vector<std::string> applied;
  for (int round = 0; round < 5; ++round) {
    if (round == 1) {
      ASSERT_EQ(n.propose("hello"), Error::None);
    }
    while (n.hasReady()) {
      Ready rd = n.ready();
      persist(*s, rd);
      for (const auto& e : rd.committedEntries) {
        if (!e.data().empty()) applied.push_back(e.data());
      }
      (void)n.advance(rd);
    }
  }
  EXPECT_EQ(applied, std::vector<std::string>{"hello"});
  Status st = n.status();
  EXPECT_EQ(st.softState.raftState, StateType::Leader);
  EXPECT_EQ(st.applied, 2u);
}

/// A leader of {1,2,3} whose followers acknowledged its first entry (so they replicate).
void electAndReplicate(RawNode& n, MemoryStorage& s) {
  (void)n.campaign();
  auto drain = [&] {
    while (n.hasReady()) {
      Ready rd = n.ready();
      persist(s, rd);
      (void)n.advance(rd);
    }
  };
  drain();
  for (std::uint64_t peer : {2, 3}) {
    raftpb::Message vote = msg(peer, 1, raftpb::MsgVoteResp, 1);
    ASSERT_EQ(n.step(vote), Error::None);
  }
  ASSERT_EQ(n.raft().state(), StateType::Leader);
  drain();
  for (std::uint64_t peer : {2, 3}) {
    raftpb::Message ack = msg(peer, 1, raftpb::MsgAppResp, 1);
    ack.set_index(n.raft().log().lastIndex());
    ASSERT_EQ(n.step(ack), Error::None);
  }
  drain();
}

TEST(RawNodeTest, ABatchOfProposalsTravelsInOneAppendPerFollower) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  electAndReplicate(n, *s);
  const std::uint64_t last = n.raft().log().lastIndex();
  ASSERT_EQ(n.propose(std::vector<std::string>{"a", "b", "c"}), Error::None);
  Ready rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 3u);
  EXPECT_EQ(rd.entries[0].index(), last + 1);
  EXPECT_EQ(rd.entries[2].data(), "c");
  persist(*s, rd);
  const auto msgs = n.advance(rd);
  ASSERT_EQ(msgs.size(), 2u) << "one MsgApp per follower";
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MsgApp);
    ASSERT_EQ(m.entries_size(), 3);
    EXPECT_EQ(m.entries(0).data(), "a");
    EXPECT_EQ(m.entries(1).data(), "b");
  }
}

TEST(RawNodeTest, ALeaderMaySendItsAppendsBeforePersisting) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  electAndReplicate(n, *s);
  ASSERT_EQ(n.propose("x"), Error::None);
  Ready rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 1u);
  const auto early = n.takeLeaderMessages(rd);
  ASSERT_EQ(early.size(), 2u);
  for (const auto& m : early) {
    EXPECT_EQ(m.type(), raftpb::MsgApp);
    ASSERT_EQ(m.entries_size(), 1);
    EXPECT_EQ(m.entries(0).data(), "x");
  }
  EXPECT_EQ(rd.messageCount(), 0u);
  EXPECT_THROW(n.advance(rd), std::logic_error) << "the entry still has to be persisted";
  persist(*s, rd);
  EXPECT_TRUE(n.advance(rd).empty());
}

TEST(RawNodeTest, OnlyALeaderSendsBeforePersisting) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  ASSERT_EQ(n.campaign(), Error::None);
  Ready rd = n.ready();
  EXPECT_TRUE(n.takeLeaderMessages(rd).empty()) << "votes wait for the vote to be durable";
  EXPECT_EQ(rd.messageCount(), 2u);
}

TEST(RawNodeTest, ABatchWithoutLeaderIsDroppedWhole) {
  auto s = newStorage(voters({1, 2, 3}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  EXPECT_EQ(n.propose(std::vector<std::string>{"a", "b"}), Error::ProposalDropped);
  EXPECT_FALSE(n.hasReady());
}

TEST(RawNodeTest, ElectionJitterIsDeterministicPerSeed) {
  auto a = newStorage(voters({1, 2, 3}));
  auto b = newStorage(voters({1, 2, 3}));
  RawNode x(testConfig(1, 10, 1, a.get()));
  RawNode y(testConfig(1, 10, 1, b.get()));
  EXPECT_EQ(x.raft().randomizedElectionTimeout(), y.raft().randomizedElectionTimeout());
}

TEST(RawNodeTest, ConfChangeV1IsProposedCommittedAndApplied) {
  auto s = newStorage(voters({1}));
  RawNode n(testConfig(1, 10, 1, s.get()));
  (void)n.campaign();
  raftpb::ConfChange cc;
  cc.set_type(raftpb::ConfChangeAddLearnerNode);
  cc.set_node_id(2);
  bool proposed = false;
  raftpb::ConfState cs;
  for (int round = 0; round < 5; ++round) {
    while (n.hasReady()) {
      Ready rd = n.ready();
      persist(*s, rd);
      for (const auto& e : rd.committedEntries) {
        if (e.type() == raftpb::EntryConfChange) {
          raftpb::ConfChange got;
          ASSERT_TRUE(got.ParseFromString(e.data()));
          cs = n.applyConfChange(got);
        }
      }
      (void)n.advance(rd);
    }
    if (!proposed && n.raft().state() == StateType::Leader) {
      ASSERT_EQ(n.proposeConfChange(cc), Error::None);
      proposed = true;
    }
  }
  ASSERT_EQ(cs.learners_size(), 1);
  EXPECT_EQ(cs.learners(0), 2u);
  EXPECT_EQ(n.status().config.describe(), "voters=(1) learners=(2)");
}

}  // namespace
}  // namespace detcd::raft::testing

// One test per rule of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm", 2014), sections 5.1-5.4, each named after the rule it checks and
// quoting it. Raft instances are driven directly: no Ready handling, messages are read from
// Raft::msgs().
#include <gtest/gtest.h>

#include <algorithm>

#include "raft/tests/RaftTestUtil.h"

namespace detcd::raft::testing {
namespace {

using raftpb::Message;

std::unique_ptr<Raft> newRaft(std::uint64_t id, const std::vector<std::uint64_t>& peers,
                              std::unique_ptr<MemoryStorage>& storage, int election = 10,
                              int heartbeat = 1) {
  if (!storage) storage = newStorage(voters(peers));
  return std::make_unique<Raft>(testConfig(id, election, heartbeat, storage.get()));
}

std::vector<std::uint64_t> logTerms(const Raft& r) {
  std::vector<std::uint64_t> t;
  for (const auto& e : r.log().allEntries()) t.push_back(e.term());
  return t;
}

void tickUntilElection(Raft& r) {
  for (int i = 0; i < 2 * r.electionTimeout(); ++i) r.tick();
}

// §5.1: "If one server's current term is smaller than the other's, then it updates its
// current term to the larger value. If a candidate or leader discovers that its term is out
// of date, it immediately reverts to follower state."
TEST(PaperTest, ServerUpdatesTermFromMessageAndRevertsToFollower) {
  for (auto state : {StateType::Follower, StateType::Candidate, StateType::Leader}) {
    std::unique_ptr<MemoryStorage> s;
    auto r = newRaft(1, {1, 2, 3}, s);
    if (state == StateType::Candidate) r->becomeCandidate();
    if (state == StateType::Leader) {
      r->becomeCandidate();
      r->becomeLeader();
    }
    (void)r->step(msg(2, 1, raftpb::MsgApp, 5));
    EXPECT_EQ(r->term(), 5u) << stateName(state);
    EXPECT_EQ(r->state(), StateType::Follower) << stateName(state);
  }
}

// §5.1: "If a server receives a request with a stale term number, it rejects the request."
TEST(PaperTest, ServerRejectsRequestWithStaleTerm) {
  std::unique_ptr<MemoryStorage> s;
  auto r = newRaft(1, {1, 2, 3}, s);
  r->becomeFollower(2, kNone);
  Message m = msg(2, 1, raftpb::MsgApp, 1);
  m.set_index(0);
  m.set_log_term(0);
  *m.add_entries() = entry(1, 1, "stale");
  (void)r->step(m);
  EXPECT_EQ(r->log().lastIndex(), 0u) << "a stale append must not change the log";
  EXPECT_EQ(r->term(), 2u);
}

// §5.2: "When servers start up, they begin as followers."
TEST(PaperTest, ServersStartAsFollowers) {
  std::unique_ptr<MemoryStorage> s;
  auto r = newRaft(1, {1, 2, 3}, s);
  EXPECT_EQ(r->state(), StateType::Follower);
}

// §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to
// all followers in order to maintain their authority."
TEST(PaperTest, LeaderSendsPeriodicHeartbeats) {
  std::unique_ptr<MemoryStorage> s;
  auto r = newRaft(1, {1, 2, 3}, s, 10, 1);
  r->becomeCandidate();
  r->becomeLeader();
  take(*r);
  r->tick();
  auto msgs = take(*r);
  ASSERT_EQ(msgs.size(), 2u);
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MsgHeartbeat);
    EXPECT_EQ(m.entries_size(), 0);
    EXPECT_EQ(m.term(), 1u);
  }
}

// §5.2: "If a follower receives no communication over a period of time called the election
// timeout, then it ... begins an election ... increments its current term and transitions
// to candidate state. It then votes for itself and issues RequestVote RPCs in parallel to
// each of the other servers." The same holds for a candidate whose election timed out.
TEST(PaperTest, FollowerOrCandidateStartsElectionAfterElectionTimeout) {
  for (bool candidate : {false, true}) {
    std::unique_ptr<MemoryStorage> s;
    auto r = newRaft(1, {1, 2, 3}, s);
    if (candidate) r->becomeCandidate();
    std::uint64_t before = r->term();
    take(*r);
    tickUntilElection(*r);
    EXPECT_EQ(r->term(), before + 1);
    EXPECT_EQ(r->state(), StateType::Candidate);
    EXPECT_EQ(r->vote(), 1u);
    auto msgs = take(*r);
    std::sort(msgs.begin(), msgs.end(), [](auto& a, auto& b) { return a.to() < b.to(); });
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].to(), 2u);
    EXPECT_EQ(msgs[1].to(), 3u);
    for (const auto& m : msgs) EXPECT_EQ(m.type(), raftpb::MsgVote);
  }
}

// §5.2: "A candidate wins an election if it receives votes from a majority of the servers
// in the full cluster for the same term." It stays candidate while undecided and returns
// to follower once a majority rejected it.
TEST(PaperTest, CandidateWinsWithMajorityOfVotesInOneRound) {
  struct Case {
    std::size_t size;
    std::map<std::uint64_t, bool> votes;
    StateType want;
  };
  std::vector<Case> cases = {
      {1, {}, StateType::Leader},
      {3, {{2, true}, {3, true}}, StateType::Leader},
      {3, {{2, true}}, StateType::Leader},
      {5, {{2, true}, {3, true}, {4, true}, {5, true}}, StateType::Leader},
      {5, {{2, true}, {3, true}}, StateType::Leader},
      {3, {}, StateType::Candidate},
      {5, {{2, true}}, StateType::Candidate},
      {5, {{2, false}, {3, false}}, StateType::Candidate},
      {3, {{2, false}, {3, false}}, StateType::Follower},
      {5, {{2, false}, {3, false}, {4, false}}, StateType::Follower},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::uint64_t> ids;
    for (std::uint64_t id = 1; id <= cases[i].size; ++id) ids.push_back(id);
    std::unique_ptr<MemoryStorage> s;
    auto r = newRaft(1, ids, s);
    (void)r->step(msg(1, 1, raftpb::MsgHup));
    for (auto [id, granted] : cases[i].votes) {
      Message m = msg(id, 1, raftpb::MsgVoteResp, r->term());
      m.set_reject(!granted);
      (void)r->step(m);
    }
    EXPECT_EQ(r->state(), cases[i].want) << "case " << i;
  }
}

// §5.2: "Each server will vote for at most one candidate in a given term, on a
// first-come-first-served basis."
TEST(PaperTest, ServerVotesForAtMostOneCandidatePerTerm) {
  struct Case {
    std::uint64_t vote, nvote;
    bool reject;
  };
  for (auto c : std::vector<Case>{{kNone, 1, false},
                                  {kNone, 2, false},
                                  {1, 1, false},
                                  {2, 2, false},
                                  {1, 2, true},
                                  {2, 1, true}}) {
    std::unique_ptr<MemoryStorage> s;
    raftpb::HardState hs;
    hs.set_term(1);
    hs.set_vote(c.vote);
    s = newStorage(voters({1, 2, 3}), {}, hs);
    auto r = newRaft(1, {1, 2, 3}, s);
    (void)r->step(msg(c.nvote, 1, raftpb::MsgVote, 1));
    auto msgs = take(*r);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].type(), raftpb::MsgVoteResp);
    EXPECT_EQ(msgs[0].reject(), c.reject) << "vote " << c.vote << " then " << c.nvote;
  }
}

// §5.2: "While waiting for votes, a candidate may receive an AppendEntries RPC from another
// server claiming to be leader. If the leader's term ... is at least as large as the
// candidate's current term, then the candidate recognizes the leader as legitimate and
// returns to follower state."
TEST(PaperTest, CandidateFallsBackToFollowerOnAppendFromLegitimateLeader) {
  for (std::uint64_t term : {1u, 2u}) {
    std::unique_ptr<MemoryStorage> s;
    auto r = newRaft(1, {1, 2, 3}, s);
    (void)r->step(msg(1, 1, raftpb::MsgHup));
    ASSERT_EQ(r->state(), StateType::Candidate);
    (void)r->step(msg(2, 1, raftpb::MsgApp, term));
    EXPECT_EQ(r->state(), StateType::Follower);
    EXPECT_EQ(r->term(), term);
    EXPECT_EQ(r->lead(), 2u);
  }
}

// §5.2: "Raft uses randomized election timeouts to ensure that split votes are rare ...
// election timeouts are chosen randomly from a fixed interval." (etcd: [et, 2et))
TEST(PaperTest, ElectionTimeoutIsRandomizedInElectionTickToTwiceElectionTick) {
  std::unique_ptr<MemoryStorage> s;
  auto r = newRaft(1, {1, 2, 3}, s, 10);
  std::set<int> seen;
  for (int round = 0; round < 1000; ++round) {
    r->becomeFollower(r->term() + 1, kNone);
    int t = r->randomizedElectionTimeout();
    ASSERT_GE(t, 10);
    ASSERT_LT(t, 20);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 10u) << "every timeout in [10, 20) should occur";
}

// §5.2: "...in most cases only a single server will time out" (split votes are rare).
TEST(PaperTest, UsuallyOnlyOneFollowerTimesOutFirst) {
  int conflicts = 0;
  const int rounds = 1000;
  std::vector<std::unique_ptr<MemoryStorage>> ss(5);
  std::vector<std::unique_ptr<Raft>> rs;
  for (std::uint64_t id = 1; id <= 5; ++id) rs.push_back(newRaft(id, {1, 2, 3, 4, 5}, ss[id - 1]));
  for (int round = 0; round < rounds; ++round) {
    for (auto& r : rs) r->becomeFollower(r->term() + 1, kNone);
    int timedOut = 0;
    while (timedOut == 0) {
      for (auto& r : rs) {
        r->tick();
        if (!take(*r).empty()) ++timedOut;
      }
    }
    if (timedOut > 1) ++conflicts;
  }
  EXPECT_LE(conflicts, rounds * 3 / 10);
}

// §5.3: "The leader appends the command to its log as a new entry, then issues
// AppendEntries RPCs in parallel to each of the other servers to replicate the entry."
TEST(PaperTest, LeaderAppendsProposalAndReplicatesItInParallel) {
  std::unique_ptr<MemoryStorage> s;
  auto r = newRaft(1, {1, 2, 3}, s);
  r->becomeCandidate();
  r->becomeLeader();
  // Followers acknowledge the leader's empty entry so they are in replicate state.
  for (std::uint64_t id : {2u, 3u}) {
    Message ack = msg(id, 1, raftpb::MsgAppResp, 1);
    ack.set_index(1);
    (void)r->step(ack);
  }
  take(*r);
  Message prop = msg(1, 1, raftpb::MsgProp);
  prop.add_entries()->set_data("some data");
  ASSERT_EQ(r->step(prop), Error::None);
  EXPECT_EQ(r->log().lastIndex(), 2u);
  auto msgs = take(*r);
  ASSERT_EQ(msgs.size(), 2u);
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MsgApp);
    EXPECT_EQ(m.index(), 1u);
    EXPECT_EQ(m.log_term(), 1u);
    ASSERT_EQ(m.entries_size(), 1);
    EXPECT_EQ(m.entries(0).data(), "some data");
    EXPECT_EQ(m.commit(), 1u);
  }
}

// §5.3: "A log entry is committed once the leader that created the entry has replicated it
// on a majority of the servers ... The leader keeps track of the highest index it knows to
// be committed, and it includes that index in future AppendEntries RPCs."
TEST(PaperTest, LeaderCommitsEntryReplicatedOnMajorityAndAnnouncesCommitIndex) {
  struct Case {
    std::size_t size;
    std::set<std::uint64_t> acks;
    bool committed;
  };
  for (auto c : std::vector<Case>{{1, {}, true},
                                  {3, {}, false},
                                  {3, {2}, true},
                                  {3, {2, 3}, true},
                                  {5, {2}, false},
                                  {5, {2, 3}, true},
                                  {5, {2, 3, 4, 5}, true}}) {
    std::vector<std::uint64_t> ids;
    for (std::uint64_t id = 1; id <= c.size; ++id) ids.push_back(id);
    std::unique_ptr<MemoryStorage> s;
    auto r = newRaft(1, ids, s);
    r->becomeCandidate();
    if (c.size == 1) {
      r->becomeLeader();
    } else {
      r->becomeLeader();
    }
    take(*r);
    for (auto id : c.acks) {
      Message ack = msg(id, 1, raftpb::MsgAppResp, 1);
      ack.set_index(1);
      (void)r->step(ack);
    }
    EXPECT_EQ(r->log().committed() >= 1, c.committed) << c.size << " acks " << c.acks.size();
    if (c.committed && c.size > 1) {
      auto msgs = take(*r);
      ASSERT_FALSE(msgs.empty());
      EXPECT_EQ(msgs.back().commit(), 1u) << "commit index must be announced";
    }
  }
}

// §5.3: "When the leader commits an entry, it also commits all preceding entries in the
// leader's log, including entries created by previous leaders."
TEST(PaperTest, LeaderCommitsPrecedingEntriesFromPreviousLeaders) {
  std::vector<std::vector<std::uint64_t>> logs = {{}, {2}, {1, 2}, {1}};
  for (const auto& terms : logs) {
    auto s = newStorage(voters({1, 2, 3}), entriesWithTerms(terms));
    raftpb::HardState hs;
    hs.set_term(2);
    s->setHardState(hs);
    Raft r(testConfig(1, 10, 1, s.get()));
    r.becomeCandidate();
    r.becomeLeader();
    Message prop = msg(1, 1, raftpb::MsgProp);
    prop.add_entries()->set_data("x");
    (void)r.step(prop);
    take(r);
    Message ack = msg(2, 1, raftpb::MsgAppResp, 3);
    ack.set_index(terms.size() + 2);
    (void)r.step(ack);
    EXPECT_EQ(r.log().committed(), terms.size() + 2);
  }
}

// §5.3: "Once a follower learns that a log entry is committed, it applies the entry to its
// local state machine (in log order)."
TEST(PaperTest, FollowerCommitsEntriesItLearnsAreCommittedInLogOrder) {
  std::unique_ptr<MemoryStorage> s;
  auto r = newRaft(1, {1, 2, 3}, s);
  r->becomeFollower(1, 2);
  Message m = msg(2, 1, raftpb::MsgApp, 1);
  *m.add_entries() = entry(1, 1, "a");
  *m.add_entries() = entry(1, 2, "b");
  m.set_commit(1);
  (void)r->step(m);
  EXPECT_EQ(r->log().committed(), 1u);
  auto next = r->log().nextEnts();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].data(), "a");
  m = msg(2, 1, raftpb::MsgHeartbeat, 1);
  m.set_commit(2);
  (void)r->step(m);
  next = r->log().nextEnts();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[1].data(), "b");
}

// §5.3: "When sending an AppendEntries RPC, the leader includes the index and term of the
// entry in its log that immediately precedes the new entries. If the follower does not
// find an entry in its log with the same index and term, then it refuses the new entries."
TEST(PaperTest, FollowerRefusesAppendWhosePrecedingEntryDoesNotMatch) {
  struct Case {
    std::uint64_t term, index;
    bool reject;
  };
  for (auto c :
       std::vector<Case>{{0, 0, false}, {1, 1, false}, {2, 2, false}, {1, 2, true}, {3, 3, true}}) {
    auto s = newStorage(voters({1, 2, 3}), entriesWithTerms({1, 2}));
    raftpb::HardState hs;
    hs.set_commit(1);
    s->setHardState(hs);
    Raft r(testConfig(1, 10, 1, s.get()));
    r.becomeFollower(2, 2);
    Message m = msg(2, 1, raftpb::MsgApp, 2);
    m.set_log_term(c.term);
    m.set_index(c.index);
    (void)r.step(m);
    auto msgs = take(r);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].reject(), c.reject) << "prev " << c.term << "/" << c.index;
  }
}

// §5.3: "If an existing entry conflicts with a new one (same index but different terms),
// delete the existing entry and all that follow it; append any new entries not already in
// the log."
TEST(PaperTest, FollowerDeletesConflictingEntriesAndAppendsNewOnes) {
  struct Case {
    std::uint64_t index, term;
    std::vector<raftpb::Entry> ents;
    std::vector<std::uint64_t> want;
  };
  std::vector<Case> cases = {
      {2, 2, {entry(3, 3)}, {1, 2, 3}},
      {1, 1, {entry(3, 2), entry(4, 3)}, {1, 3, 4}},
      {0, 0, {entry(1, 1)}, {1, 2}},
      {0, 0, {entry(3, 1)}, {3}},
  };
  for (const auto& c : cases) {
    auto s = newStorage(voters({1, 2, 3}), entriesWithTerms({1, 2}));
    Raft r(testConfig(1, 10, 1, s.get()));
    r.becomeFollower(2, 2);
    Message m = msg(2, 1, raftpb::MsgApp, 2);
    m.set_log_term(c.term);
    m.set_index(c.index);
    for (const auto& e : c.ents) *m.add_entries() = e;
    (void)r.step(m);
    EXPECT_EQ(logTerms(r), c.want);
  }
}

// §5.3 Figure 7: "the leader handles inconsistencies by forcing the followers' logs to
// duplicate its own" — whichever of the follower logs (a)-(f) the follower starts from.
TEST(PaperTest, LeaderForcesFollowerLogsOfFigure7ToDuplicateItsOwn) {
  std::vector<std::uint64_t> leaderLog = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  std::vector<std::vector<std::uint64_t>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a) missing entries
      {1, 1, 1, 4},                          // (b) missing entries
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c) extra uncommitted entry
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d) extra uncommitted entries
      {1, 1, 1, 4, 4, 4, 4},                 // (e) missing and extra
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f) missing and extra
  };
  const std::uint64_t term = 8;
  for (std::size_t i = 0; i < followers.size(); ++i) {
    Network n(0);
    raftpb::HardState lhs;
    lhs.set_term(term);
    lhs.set_commit(leaderLog.size());
    auto ls = newStorage(voters({1, 2, 3}), entriesWithTerms(leaderLog), lhs);
    Config lc = testConfig(1, 10, 1, nullptr);
    n.add(1, std::move(ls), lc);
    raftpb::HardState fhs;
    fhs.set_term(term - 1);
    auto fs = newStorage(voters({1, 2, 3}), entriesWithTerms(followers[i]), fhs);
    n.add(2, std::move(fs), testConfig(2, 10, 1, nullptr));
    // Node 3 is silent; the follower may have a more up-to-date log than the leader, so the
    // leader needs node 3's vote: inject it by hand.
    n.campaign(1);
    Message vote = msg(3, 1, raftpb::MsgVoteResp, term + 1);
    n.send(vote);
    ASSERT_EQ(n[1].state(), StateType::Leader) << "follower (" << char('a' + i) << ")";
    n.propose(1, "");
    std::vector<std::uint64_t> want = leaderLog;
    want.push_back(term + 1);  // the new leader's empty entry
    want.push_back(term + 1);  // the proposal
    EXPECT_EQ(logTerms(n[2]), want) << "follower (" << char('a' + i) << ")";
    EXPECT_EQ(logTerms(n[1]), want);
  }
}

// §5.4.1: "The RequestVote RPC ... includes information about the candidate's log": the
// index and term of its last entry.
TEST(PaperTest, VoteRequestCarriesCandidatesLastIndexAndTerm) {
  for (const auto& terms : std::vector<std::vector<std::uint64_t>>{{1, 1}, {1, 2}}) {
    auto s = newStorage(voters({1, 2, 3}), entriesWithTerms(terms));
    Raft r(testConfig(1, 10, 1, s.get()));
    (void)r.step(msg(1, 1, raftpb::MsgHup));
    auto msgs = take(r);
    ASSERT_EQ(msgs.size(), 2u);
    for (const auto& m : msgs) {
      EXPECT_EQ(m.type(), raftpb::MsgVote);
      EXPECT_EQ(m.index(), 2u);
      EXPECT_EQ(m.log_term(), terms.back());
      EXPECT_EQ(m.term(), 1u);
    }
  }
}

// §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the
// candidate ... If the logs have last entries with different terms, then the log with the
// later term is more up-to-date. If the logs end with the same term, then whichever log is
// longer is more up-to-date."
TEST(PaperTest, VoterDeniesVoteToCandidateWithLessUpToDateLog) {
  struct Case {
    std::vector<std::uint64_t> voterLog;
    std::uint64_t logTerm, index;
    bool reject;
  };
  for (auto c : std::vector<Case>{
           {{1, 1}, 1, 2, false},
           {{1, 1}, 1, 3, false},
           {{1, 1}, 1, 1, true},
           {{1, 2}, 2, 2, false},
           {{1, 2}, 2, 3, false},
           {{1, 2}, 2, 1, true},
           {{1, 2}, 1, 3, true},
           {{1}, 2, 1, false},
           {{2}, 1, 5, true},
       }) {
    auto s = newStorage(voters({1, 2}), entriesWithTerms(c.voterLog));
    Raft r(testConfig(1, 10, 1, s.get()));
    Message m = msg(2, 1, raftpb::MsgVote, 3);
    m.set_log_term(c.logTerm);
    m.set_index(c.index);
    (void)r.step(m);
    auto msgs = take(r);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].reject(), c.reject)
        << "candidate " << c.logTerm << "/" << c.index << " voter last term " << c.voterLog.back()
        << " len " << c.voterLog.size();
  }
}

// §5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only
// log entries from the leader's current term are committed by counting replicas."
TEST(PaperTest, LeaderOnlyCommitsEntriesOfCurrentTermByCountingReplicas) {
  struct Case {
    std::uint64_t ackIndex, wantCommit;
  };
  // Log [1, 2] from earlier terms; the leader of term 3 appends its empty entry at 3.
  for (auto c : std::vector<Case>{{1, 0}, {2, 0}, {3, 3}}) {
    auto s = newStorage(voters({1, 2, 3}), entriesWithTerms({1, 2}));
    raftpb::HardState hs;
    hs.set_term(2);
    s->setHardState(hs);
    Raft r(testConfig(1, 10, 1, s.get()));
    r.becomeCandidate();
    r.becomeLeader();
    ASSERT_EQ(r.term(), 3u);
    take(r);
    Message ack = msg(2, 1, raftpb::MsgAppResp, 3);
    ack.set_index(c.ackIndex);
    (void)r.step(ack);
    EXPECT_EQ(r.log().committed(), c.wantCommit) << "ack " << c.ackIndex;
  }
}

// §5.4.2, Figure 8: an entry of an older term stored on a majority can still be
// overwritten by a future leader, so it must not be committed by counting replicas; once an
// entry of the leader's own term is on a majority, everything before it is committed and
// no server lacking it can be elected. Terms are those of the figure, minus one (our first
// leader has term 1).
class Figure8 : public ::testing::Test {
 protected:
  Figure8() : n_(5) {}

  // Runs act with only the given peers connected (and optionally without MsgApp).
  void among(const std::set<std::uint64_t>& peers, const std::function<void()>& act,
             bool dropAppends = false) {
    for (std::uint64_t id = 1; id <= 5; ++id) {
      if (!peers.count(id)) n_.isolate(id);
    }
    if (dropAppends) n_.ignore(raftpb::MsgApp);
    act();
    n_.recover();
  }

  // S1 (the leader) sends exactly these entries to `to`, and gets the answer.
  void replicate(std::uint64_t to, std::uint64_t prevIndex, std::uint64_t prevTerm,
                 const std::vector<raftpb::Entry>& ents, std::uint64_t commit) {
    Message m = msg(1, to, raftpb::MsgApp, n_[1].term());
    m.set_index(prevIndex);
    m.set_log_term(prevTerm);
    m.set_commit(commit);
    for (const auto& e : ents) *m.add_entries() = e;
    (void)n_[to].step(m);
    for (auto& r : take(n_[to])) (void)n_[1].step(r);
    take(n_[1]);
  }

  // (a)-(c): S1 led term 1 and replicated index 2 (term 1) to S2 only; S5 led term 2 with
  // its own entry at index 2 that reached nobody; S1, restarted, leads term 3, appended its
  // empty entry at index 3 and replicated index 2 to S3, so index 2 is on S1, S2, S3.
  void upToC() {
    n_.campaign(1);
    ASSERT_EQ(n_[1].state(), StateType::Leader);
    among({1, 2}, [&] { n_.propose(1, "s1-term1"); });
    among(
        {3, 4, 5}, [&] { n_.campaign(5); }, true);
    ASSERT_EQ(n_[5].state(), StateType::Leader);
    ASSERT_EQ(n_[5].term(), 2u);
    n_[1].becomeFollower(n_[1].term(), kNone);  // S1 restarts
    among(
        {1, 2, 3, 4},
        [&] {
          n_.campaign(1);  // term 2: S3 and S4 already voted for S5
          n_.campaign(1);  // term 3
        },
        true);
    ASSERT_EQ(n_[1].state(), StateType::Leader);
    ASSERT_EQ(n_[1].term(), 3u);
    replicate(3, 1, 1, {entry(1, 2, "s1-term1")}, 1);
    replicate(2, 1, 1, {entry(1, 2, "s1-term1")}, 1);
  }
  Network n_;
};

TEST_F(Figure8, OldTermEntryOnMajorityIsNotCommittedAndMayBeOverwritten) {
  upToC();
  for (std::uint64_t id : {1u, 2u, 3u}) {
    ASSERT_EQ(n_[id].log().zeroTermOnOutOfBounds(2), 1u) << "(c): index 2 on S" << id;
  }
  EXPECT_LT(n_[1].log().committed(), 2u) << "(c): counting replicas of term 1 must not commit";
  // (d): S1 crashes; S5 is elected by S2, S3, S4 (its last term 2 beats their term 1) and
  // overwrites index 2 everywhere. Had index 2 been committed, this would lose it.
  n_[5].becomeFollower(n_[5].term(), kNone);  // S5 restarts
  among({2, 3, 4, 5}, [&] {
    for (int i = 0; i < 3 && n_[5].state() != StateType::Leader; ++i) n_.campaign(5);
    n_.propose(5, "s5");
  });
  ASSERT_EQ(n_[5].state(), StateType::Leader);
  for (std::uint64_t id : {2u, 3u, 4u, 5u}) {
    EXPECT_EQ(n_[id].log().zeroTermOnOutOfBounds(2), 2u) << "(d): S" << id;
  }
}

TEST_F(Figure8, CurrentTermEntryOnMajorityCommitsAndBlocksStaleCandidates) {
  upToC();
  // (e): S1 replicates its term-3 entry to S2 and S3 before crashing: index 3 and with it
  // index 2 are committed, and S5 can no longer win an election.
  replicate(2, 2, 1, {entry(3, 3)}, 2);
  replicate(3, 2, 1, {entry(3, 3)}, 2);
  EXPECT_EQ(n_[1].log().committed(), 3u);
  n_[5].becomeFollower(n_[5].term(), kNone);  // S5 restarts
  among({2, 3, 4, 5}, [&] {
    for (int i = 0; i < 3; ++i) n_.campaign(5);
  });
  EXPECT_NE(n_[5].state(), StateType::Leader) << "S2 and S3 must refuse S5";
  EXPECT_EQ(n_[2].log().zeroTermOnOutOfBounds(2), 1u);
  EXPECT_EQ(n_[3].log().zeroTermOnOutOfBounds(2), 1u);
}

}  // namespace
}  // namespace detcd::raft::testing

#include "reports/RunModel.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "reports/tests/TestData.h"

namespace detcd::reports {
namespace {

/// The message of the std::invalid_argument that `f` throws ("" if none).
template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(RunModelTest, ReadsMembersRolesFaultsAndMessages) {
  const RunModel m = testing::sampleModel();
  EXPECT_EQ(m.nodes, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(m.summary.elections, 1u);
  ASSERT_EQ(m.summary.leadersPerTerm.size(), 1u);
  EXPECT_EQ(m.summary.leadersPerTerm.at(2), (std::set<std::uint64_t>{1}));
  EXPECT_EQ(m.summary.faults, 2u);
  EXPECT_EQ(m.summary.packetsSent, 2u);
  EXPECT_EQ(m.summary.packetsDropped, 1u);
  EXPECT_EQ(m.summary.dropReasons.at("loss"), 1u);
  EXPECT_EQ(m.summary.fsyncs, 1u);
  EXPECT_EQ(m.summary.snapshots, 1u);
  EXPECT_EQ(m.summary.raftSent, 5u);
  EXPECT_EQ(m.summary.raftLost, 1u);  // the vote request to n3
  ASSERT_EQ(m.messages.size(), 5u);
  EXPECT_EQ(m.messages[0].received, 1000500000);
  EXPECT_EQ(m.messages[1].to, 3u);
  EXPECT_EQ(m.messages[1].received, -1);
  EXPECT_EQ(m.messages[3].type, "MsgApp");
  EXPECT_EQ(m.messages[3].entries, 1u);
  EXPECT_EQ(m.endTime, 3000000000);

  const NodeFinalState& n1 = m.finals.at(1);
  EXPECT_EQ(n1.role, "leader");
  EXPECT_EQ(n1.term, 2u);
  EXPECT_EQ(n1.commit, 2u);
  EXPECT_EQ(n1.applied, 2u);
  EXPECT_EQ(n1.appliedHash, 42u);
  EXPECT_EQ(n1.snapshotIndex, 2u);
  EXPECT_TRUE(m.finals.at(3).up);  // crashed at 2 s, started again at 3 s

  int roles = 0, commits = 0, crashes = 0, faults = 0;
  for (const LaneEvent& e : m.events) {
    roles += e.kind == LaneEventKind::kRole;
    commits += e.kind == LaneEventKind::kCommit;
    crashes += e.kind == LaneEventKind::kCrash;
    faults += e.kind == LaneEventKind::kFault && e.node == 0;
  }
  EXPECT_EQ(roles, 3 + 2 + 1);  // initial roles, candidate and leader of n1, n2's new term
  EXPECT_EQ(commits, 1);
  EXPECT_EQ(crashes, 1);
  EXPECT_EQ(faults, 2);
}

TEST(RunModelTest, TheTeardownCrashesDoNotCountInTheFinalState) {
  RunModel m;
  readTrace("{\"t\":0,\"node\":1,\"kind\":\"start\"}\n"
            "{\"t\":0,\"node\":2,\"kind\":\"start\"}\n"
            "{\"t\":1,\"node\":2,\"kind\":\"crash\"}\n"
            "{\"t\":2,\"node\":1,\"kind\":\"timer\",\"id\":1}\n"
            "{\"t\":9,\"node\":1,\"kind\":\"crash\"}\n"
            "{\"t\":9,\"node\":1,\"kind\":\"disk-crash\",\"mode\":\"kept\"}\n"
            "{\"t\":9,\"node\":2,\"kind\":\"crash\"}\n",
            m);
  EXPECT_TRUE(m.finals.at(1).up);
  EXPECT_FALSE(m.finals.at(2).up);  // crashed before the teardown
}

TEST(RunModelTest, ReadsClientOperationsAndOutcomes) {
  const RunModel m = testing::sampleModel();
  ASSERT_EQ(m.ops.size(), 4u);
  EXPECT_EQ(m.ops[0].op, "put");
  EXPECT_EQ(m.ops[0].outcome, Outcome::kOk);
  EXPECT_EQ(m.ops[1].outcome, Outcome::kFailed);
  EXPECT_EQ(m.ops[1].error, "etcdserver: leader changed");
  EXPECT_EQ(m.ops[2].outcome, Outcome::kUnknown);
  EXPECT_EQ(m.ops[2].complete, 2900000000);
  EXPECT_EQ(m.ops[3].outcome, Outcome::kUnknown);  // never completed
  EXPECT_EQ(m.ops[3].complete, -1);
}

TEST(RunModelTest, TraceErrorsNameTheLine) {
  RunModel m;
  EXPECT_EQ(errorOf([&] { readTrace("{\"t\":0,\"node\":1,\"kind\":\"start\"}\n\n{oops", m); })
                .rfind("trace.jsonl line 3: not JSON", 0),
            0u);
  EXPECT_EQ(errorOf([&] { readTrace("[1,2]\n", m); }), "trace.jsonl line 1: not a JSON object");
  EXPECT_EQ(errorOf([&] { readTrace("{\"node\":1,\"kind\":\"start\"}", m); }),
            "trace.jsonl line 1: missing field \"t\"");
  EXPECT_EQ(errorOf([&] { readTrace("{\"t\":\"x\",\"node\":1,\"kind\":\"start\"}", m); }),
            "trace.jsonl line 1: field \"t\" is not an integer");
  EXPECT_EQ(errorOf([&] {
              readTrace("\n{\"t\":0,\"node\":1,\"kind\":\"raft-state\",\"term\":1}", m);
            }),
            "trace.jsonl line 2: missing field \"role\"");
  EXPECT_EQ(errorOf([&] {
              readTrace("{\"t\":0,\"node\":1,\"kind\":\"raft-send\",\"to\":2,\"type\":\"MsgApp\","
                        "\"term\":1,\"index\":1,\"entries\":0,\"commit\":0}",
                        m);
            }),
            "trace.jsonl line 1: missing or non-boolean field \"reject\"");
}

TEST(RunModelTest, HistoryErrorsNameTheLine) {
  RunModel m;
  EXPECT_EQ(errorOf([&] { readHistory("{\"client\":1}", m); }),
            "history.jsonl line 1: missing field \"type\"");
  EXPECT_EQ(errorOf([&] { readHistory("{\"type\":\"ok\",\"client\":1,\"time\":3}", m); }),
            "history.jsonl line 1: a ok completion of client 1 without an invocation");
  EXPECT_EQ(errorOf([&] { readHistory("{\"type\":\"done\",\"client\":1}", m); }),
            "history.jsonl line 1: unknown type \"done\"");
  EXPECT_EQ(errorOf([&] {
              readHistory("{\"type\":\"invoke\",\"client\":1,\"time\":5,\"op\":\"get\"}\n"
                          "{\"type\":\"ok\",\"client\":1,\"time\":4}",
                          m);
            }),
            "history.jsonl line 2: a completion before its invocation");
  EXPECT_EQ(errorOf([&] {
              readHistory("{\"type\":\"invoke\",\"client\":1,\"op\":\"get\"}\n"
                          "{\"type\":\"invoke\",\"client\":1,\"op\":\"get\"}",
                          m);
            }),
            "history.jsonl line 2: client 1 invokes while its previous request is outstanding");
  EXPECT_EQ(errorOf([&] { readHistory("not json", m); }).rfind("history.jsonl line 1: not JSON", 0),
            0u);
}

}  // namespace
}  // namespace detcd::reports

#include "reports/RunModel.h"

#include <gtest/gtest.h>

#include <optional>
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

TEST(RunModelTest, TheRunnersFinalRecordGivesHashKvAndTheStore) {
  RunModel m;
  readTrace(testing::readData("trace.jsonl") +
                "{\"t\":3000000000,\"node\":1,\"kind\":\"member-final\",\"live\":true,"
                "\"role\":\"leader\",\"term\":2,\"leader\":1,\"commit\":3,\"applied\":3,"
                "\"snapshot\":2,\"first\":2,\"last\":3,\"revision\":7,\"compact-revision\":-1,"
                "\"hashkv\":3735928559}\n"
                "{\"t\":3000000000,\"node\":2,\"kind\":\"member-final\",\"live\":false}\n",
            m);
  const NodeFinalState& n1 = m.finals.at(1);
  EXPECT_TRUE(n1.hasStatus);
  EXPECT_EQ(n1.hashKv, 0xdeadbeefu);
  EXPECT_EQ(n1.revision, 7);
  EXPECT_EQ(n1.compactRevision, -1);
  EXPECT_EQ(n1.firstIndex, 2u);
  EXPECT_EQ(n1.last, 3u);
  EXPECT_EQ(n1.commit, 3u);
  EXPECT_EQ(n1.applied, 3u);
  EXPECT_EQ(n1.appliedHash, 42u);  // the last "apply" still names its entry's hash
  EXPECT_FALSE(m.finals.at(2).hasStatus);  // not live: what the trace said before stays
  EXPECT_EQ(m.finals.at(2).term, 2u);
  EXPECT_EQ(errorOf([&] { readTrace("{\"t\":0,\"node\":1,\"kind\":\"member-final\"}", m); }),
            "trace.jsonl line 1: missing or non-boolean field \"live\"");
  EXPECT_EQ(errorOf([&] {
              readTrace("{\"t\":0,\"node\":1,\"kind\":\"member-final\",\"live\":true}", m);
            }),
            "trace.jsonl line 1: missing field \"role\"");
}

TEST(RunModelTest, ReadsAViolationFromTheRunsChecks) {
  RunModel m = testing::sampleModel();
  EXPECT_EQ(m.ops[2].line, 6);  // history lines count the watch line
  readChecks(testing::readData("checks.json"), m);
  ASSERT_TRUE(m.violation.has_value());
  EXPECT_EQ(m.violation->group, "key \"a\"");
  EXPECT_EQ(m.violation->prefix, (std::vector<std::size_t>{0}));
  EXPECT_EQ(m.violation->window, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(m.violation->culprit, std::optional<std::size_t>(1));

  RunModel passed = testing::sampleModel();
  readChecks(R"({"passed": true, "checks": [{"name": "linearizability", "status": "ok"}]})",
             passed);
  EXPECT_FALSE(passed.violation.has_value());
}

TEST(RunModelTest, ChecksErrorsNameTheProblem) {
  RunModel m = testing::sampleModel();
  EXPECT_EQ(errorOf([&] { readChecks("{oops", m); }).rfind("checks.json: not JSON", 0), 0u);
  EXPECT_EQ(errorOf([&] { readChecks("[]", m); }),
            "checks.json: not an object with an array \"checks\"");
  // Line 5 of the history is a watch line, not an invocation.
  EXPECT_EQ(errorOf([&] {
              readChecks(R"({"checks": [{"name": "linearizability", "violation": {"group": "",
                           "prefix": [], "window": [{"line": 5}]}}]})",
                         m);
            }),
            "checks.json: check \"linearizability\": history line 5 is no invocation in "
            "history.jsonl");
  EXPECT_EQ(errorOf([&] {
              readChecks(R"({"checks": [{"name": "linearizability", "violation": {"group": "",
                           "prefix": [{"client": 1}], "window": []}}]})",
                         m);
            }),
            "checks.json: check \"linearizability\": missing field \"line\"");
  EXPECT_NE(errorOf([&] {
              readChecks(R"({"checks": [{"name": "x", "violation": {"group": ""}}]})", m);
            }).find("checks.json: check \"x\": "),
            std::string::npos);
  EXPECT_FALSE(m.violation.has_value());
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

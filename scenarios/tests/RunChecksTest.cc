#include "scenarios/RunChecks.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mvcc/KvStore.h"
#include "scenarios/LeaseMonitor.h"
#include "scenarios/RaftSafetyMonitor.h"
#include "scenarios/Scenario.h"

namespace detcd::scenarios {
namespace {

namespace pb = etcdserverpb;
using env::Nanos;

// Client 1 puts k1=a (revision 2), client 2 then reads it, client 1 deletes k1 (revision 3),
// client 2 puts k2=b in a txn (revision 4); a watcher sees all three writes.
const char* kGoodHistory =
    R"({"type":"watch","client":9,"time":0,"watch_id":1,"key":"k","range_end":"l","start_revision":1}
{"type":"invoke","client":1,"time":10,"op":"put","key":"k1","value":"a"}
{"type":"ok","client":1,"time":20,"header":{"revision":2}}
{"type":"watch_response","client":9,"time":21,"watch_id":1,"header":{"revision":2},"events":[{"type":"put","kv":{"key":"k1","value":"a","create_revision":2,"mod_revision":2,"version":1}}]}
{"type":"invoke","client":2,"time":30,"op":"get","key":"k1"}
{"type":"ok","client":2,"time":40,"header":{"revision":2},"kvs":[{"key":"k1","value":"a","create_revision":2,"mod_revision":2,"version":1,"lease":0}],"count":1,"more":false}
{"type":"invoke","client":1,"time":50,"op":"delete","key":"k1"}
{"type":"ok","client":1,"time":60,"header":{"revision":3},"deleted":1}
{"type":"watch_response","client":9,"time":61,"watch_id":1,"header":{"revision":3},"events":[{"type":"delete","kv":{"key":"k1","mod_revision":3}}]}
{"type":"invoke","client":2,"time":70,"op":"txn","compare":[{"key":"k2","target":"version","result":"=","value":0}],"success":[{"op":"put","key":"k2","value":"b"}],"failure":[]}
{"type":"ok","client":2,"time":80,"header":{"revision":4},"succeeded":true,"responses":[{}]}
{"type":"watch_response","client":9,"time":81,"watch_id":1,"header":{"revision":4},"events":[{"type":"put","kv":{"key":"k2","value":"b","create_revision":4,"mod_revision":4,"version":1}}]}
{"type":"invoke","client":3,"time":90,"op":"get","key":"k2","serializable":true}
{"type":"ok","client":3,"time":95,"header":{"revision":1},"kvs":[],"count":0,"more":false}
)";

/// A store that applied the good history's writes (all of them, or the first `writes`).
std::unique_ptr<mvcc::KvStore> storeWith(int writes = 3) {
  auto store = std::make_unique<mvcc::KvStore>();
  if (writes >= 1) {
    pb::PutRequest put;
    put.set_key("k1");
    put.set_value("a");
    pb::PutResponse r;
    EXPECT_TRUE(store->put(put, &r).ok());
  }
  if (writes >= 2) {
    pb::DeleteRangeRequest del;
    del.set_key("k1");
    pb::DeleteRangeResponse r;
    EXPECT_TRUE(store->deleteRange(del, &r).ok());
  }
  if (writes >= 3) {
    pb::PutRequest put;
    put.set_key("k2");
    put.set_value("b");
    pb::PutResponse r;
    EXPECT_TRUE(store->put(put, &r).ok());
  }
  return store;
}

MemberFinal member(uint64_t id, const mvcc::KvStore* store, uint64_t applied) {
  MemberFinal m;
  m.id = id;
  m.live = true;
  m.status.id = id;
  m.status.appliedIndex = applied;
  m.store = store;
  return m;
}

struct Fixture {
  Scenario scenario;
  RaftSafetyMonitor raft;
  LeaseMonitor leases;
  std::unique_ptr<mvcc::KvStore> s1 = storeWith(), s2 = storeWith(), s3 = storeWith();
  CheckInput input() {
    CheckInput in;
    in.scenario = &scenario;
    in.history = kGoodHistory;
    in.members = {member(1, s1.get(), 9), member(2, s2.get(), 9), member(3, s3.get(), 9)};
    in.raftSafety = &raft;
    in.leases = &leases;
    in.liveness = {true, "leader n1 elected 1.2s after heal"};
    return in;
  }
};

const CheckResult& find(const std::vector<CheckResult>& results, const std::string& name) {
  for (const CheckResult& r : results) {
    if (r.name == name) return r;
  }
  throw std::runtime_error("no check " + name);
}

TEST(RunChecksTest, AGoodRunPassesEveryCheckInOrder) {
  Fixture f;
  auto results = runChecks(f.input());
  std::vector<std::string> names;
  for (const auto& r : results) {
    names.push_back(r.name);
    EXPECT_TRUE(r.passed) << r.name << ": " << r.detail << "\n" << r.explanation;
    EXPECT_FALSE(r.skipped);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"linearizability", "watch", "raft-safety",
                                             "durability", "convergence", "liveness", "leases"}));
  EXPECT_TRUE(allPassed(results));
  EXPECT_EQ(failedChecks(results), "");
  EXPECT_EQ(find(results, "linearizability").detail, "4 operations, linearizable");
  EXPECT_EQ(find(results, "liveness").detail, "leader n1 elected 1.2s after heal");
}

TEST(RunChecksTest, ChecksLeftOutOfTheScenarioAreSkipped) {
  Fixture f;
  f.scenario.checks.watch = false;
  f.scenario.checks.liveness = false;
  CheckInput in = f.input();
  in.liveness.ok = false;
  auto results = runChecks(in);
  EXPECT_TRUE(find(results, "watch").skipped);
  EXPECT_TRUE(find(results, "liveness").skipped);
  EXPECT_TRUE(find(results, "liveness").passed);
  EXPECT_TRUE(allPassed(results));
}

TEST(RunChecksTest, RejectsAStaleRead) {
  Fixture f;
  CheckInput in = f.input();
  // The get after the put's completion returns nothing.
  std::string h = in.history;
  std::string good = R"("kvs":[{"key":"k1","value":"a","create_revision":2,"mod_revision":2,"version":1,"lease":0}],"count":1)";
  h.replace(h.find(good), good.size(), R"("kvs":[],"count":0)");
  in.history = h;
  auto results = runChecks(in);
  const CheckResult& lin = find(results, "linearizability");
  EXPECT_FALSE(lin.passed);
  EXPECT_NE(lin.detail.find("NOT linearizable"), std::string::npos);
  EXPECT_FALSE(lin.explanation.empty());
  EXPECT_EQ(failedChecks(results), "linearizability");

  // The violation by history line, for reports: the stale get (line 5) is the culprit.
  ASSERT_TRUE(lin.violation.has_value());
  const ViolationOps& v = *lin.violation;
  ASSERT_TRUE(v.culprit.has_value());
  EXPECT_EQ(v.culprit->line, 5);
  EXPECT_EQ(v.culprit->client, 2);
  EXPECT_EQ(v.culprit->invokeTime, 30);
  ASSERT_FALSE(v.window.empty());
  EXPECT_EQ(v.window.back().line, 5);
  for (const HistoryOpRef& op : v.prefix) EXPECT_LE(op.line, 5);  // invoked before the get ended
  const auto doc = nlohmann::json::parse(checksJson(results, {"a note"}));
  EXPECT_FALSE(doc.at("passed").get<bool>());
  EXPECT_EQ(doc.at("notes"), nlohmann::json::array({"a note"}));
  const auto& checks = doc.at("checks");
  ASSERT_EQ(checks.size(), results.size());
  EXPECT_EQ(checks[0].at("name"), "linearizability");
  EXPECT_EQ(checks[0].at("status"), "FAILED");
  EXPECT_EQ(checks[0].at("violation").at("culprit").at("line"), 5);
  EXPECT_EQ(checks[0].at("violation").at("window").size(), v.window.size());
  EXPECT_EQ(checks[1].at("status"), "ok");
  EXPECT_FALSE(checks[1].contains("violation"));
}

TEST(RunChecksTest, AnUndecidedSearchPassesWithANote) {
  Fixture f;
  CheckInput in = f.input();
  // Five puts of unknown outcome, then a read that saw one of them: the search must explore.
  for (int c = 10; c < 15; ++c) {
    in.history += "{\"type\":\"invoke\",\"client\":" + std::to_string(c) +
                  ",\"time\":100,\"op\":\"put\",\"key\":\"k3\",\"value\":\"v" +
                  std::to_string(c) + "\"}\n";
  }
  in.history += R"({"type":"invoke","client":20,"time":200,"op":"get","key":"k3"}
{"type":"ok","client":20,"time":300,"header":{"revision":6},"kvs":[{"key":"k3","value":"v12","create_revision":5,"mod_revision":6,"version":2,"lease":0}],"count":1,"more":false}
)";
  ASSERT_TRUE(find(runChecks(in), "linearizability").passed);
  in.linearizabilityMaxSteps = 1;
  auto results = runChecks(in);
  const CheckResult& lin = find(results, "linearizability");
  EXPECT_TRUE(lin.passed);
  EXPECT_NE(lin.detail.find("not decided"), std::string::npos) << lin.detail;
}

TEST(RunChecksTest, RejectsALostWatchEvent) {
  Fixture f;
  CheckInput in = f.input();
  std::string h = in.history;
  auto start = h.find(R"({"type":"watch_response","client":9,"time":61)");
  h.erase(start, h.find('\n', start) + 1 - start);
  in.history = h;
  auto results = runChecks(in);
  const CheckResult& w = find(results, "watch");
  EXPECT_FALSE(w.passed);
  EXPECT_NE(w.detail.find("reliable"), std::string::npos) << w.detail;
  EXPECT_EQ(failedChecks(results), "watch");
}

TEST(RunChecksTest, AHistoryThatDoesNotParseFailsTheHistoryChecks) {
  Fixture f;
  CheckInput in = f.input();
  in.history = "{\"type\":\"ok\",\"client\":1}\n";
  auto results = runChecks(in);
  EXPECT_EQ(failedChecks(results), "linearizability, watch, durability, leases");
  EXPECT_NE(find(results, "watch").detail.find("does not parse"), std::string::npos);
}

TEST(RunChecksTest, RejectsAMemberMissingAnAcknowledgedWrite) {
  Fixture f;
  f.s2 = storeWith(2);  // lost the txn's put at revision 4
  auto results = runChecks(f.input());
  const CheckResult& d = find(results, "durability");
  EXPECT_FALSE(d.passed);
  EXPECT_NE(d.detail.find("n2 lacks the acknowledged txn"), std::string::npos) << d.detail;
  EXPECT_NE(d.detail.find("above the store's revision 3"), std::string::npos) << d.detail;
}

TEST(RunChecksTest, RejectsAWriteReplacedByAnotherAtItsRevision) {
  Fixture f;
  f.s3 = std::make_unique<mvcc::KvStore>();  // revision 2 holds another value
  for (const char* v : {"x", "y", "b"}) {
    pb::PutRequest put;
    put.set_key(v == std::string("b") ? "k2" : "k1");
    put.set_value(v);
    pb::PutResponse r;
    ASSERT_TRUE(f.s3->put(put, &r).ok());
  }
  CheckResult d = checkDurability(checkers::parseHistory(kGoodHistory, checkers::Format::kDetcd),
                                  f.input().members);
  EXPECT_FALSE(d.passed);
  EXPECT_NE(d.explanation.find("n3 lacks the acknowledged put k1=a"), std::string::npos)
      << d.explanation;
  EXPECT_NE(d.explanation.find("n3 lacks the acknowledged delete k1"), std::string::npos)
      << d.explanation;
}

TEST(RunChecksTest, DurabilityIgnoresDeadMembersAndCompactedRevisions) {
  Fixture f;
  CheckInput in = f.input();
  auto lost = storeWith(1);
  in.members.push_back(member(4, lost.get(), 2));
  in.members.back().live = false;
  pb::CompactionRequest compact;
  compact.set_revision(3);
  pb::CompactionResponse r;
  ASSERT_TRUE(f.s1->compact(compact, &r).ok());
  EXPECT_TRUE(checkDurability(checkers::parseHistory(in.history, checkers::Format::kDetcd),
                              in.members)
                  .passed);
}

TEST(RunChecksTest, RejectsDivergedStoresAtOneAppliedIndex) {
  Fixture f;
  f.s3 = storeWith(2);
  pb::PutRequest put;
  put.set_key("k2");
  put.set_value("other");
  pb::PutResponse r;
  ASSERT_TRUE(f.s3->put(put, &r).ok());
  CheckResult c = checkConvergence(f.input().members);
  EXPECT_FALSE(c.passed);
  EXPECT_NE(c.detail.find("at applied index 9"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("n3"), std::string::npos);
  // Behind by one entry, it is not compared with the others.
  auto members = f.input().members;
  members[2].status.appliedIndex = 8;
  EXPECT_TRUE(checkConvergence(members).passed);
}

TEST(RunChecksTest, ConvergenceUsesTheStatusWithoutAStore) {
  std::vector<MemberFinal> members = {member(1, nullptr, 5), member(2, nullptr, 5)};
  members[0].status.hashKv = 1;
  members[1].status.hashKv = 1;
  EXPECT_TRUE(checkConvergence(members).passed);
  members[1].status.hashKv = 2;
  EXPECT_FALSE(checkConvergence(members).passed);
  members[1].live = false;
  EXPECT_TRUE(checkConvergence(members).passed);
}

TEST(RunChecksTest, RaftSafetyReportsTheMonitorsFindings) {
  Fixture f;
  for (env::NodeId n : {1, 2}) {
    f.raft.observe(Nanos(1'500'000'000), n, "raft-state",
                   {{"term", uint64_t{3}}, {"role", "leader"}, {"commit", uint64_t{0}}});
  }
  auto results = runChecks(f.input());
  const CheckResult& r = find(results, "raft-safety");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.detail.find("1 violations, first: 1.500s election-safety"), std::string::npos)
      << r.detail;
  CheckInput in = f.input();
  in.raftSafety = nullptr;
  EXPECT_FALSE(find(runChecks(in), "raft-safety").passed);
}

TEST(RunChecksTest, LeasesReportsEarlyExpiries) {
  Fixture f;
  CheckInput in = f.input();
  in.history += R"({"type":"invoke","client":4,"time":100,"op":"lease_grant","ttl":5}
{"type":"ok","client":4,"time":200,"header":{"revision":4},"id":7,"ttl":5}
)";
  f.leases.observe(Nanos(2'000'000'000), 1, "lease-expire", {{"lease", int64_t{7}}});
  auto results = runChecks(in);
  const CheckResult& l = find(results, "leases");
  EXPECT_FALSE(l.passed);
  EXPECT_NE(l.detail.find("lease 7 expired on n1"), std::string::npos) << l.detail;
}

TEST(RunChecksTest, LivenessIsTheRunnersVerdict) {
  Fixture f;
  CheckInput in = f.input();
  in.liveness = {false, "no leader within 15s after heal"};
  auto results = runChecks(in);
  EXPECT_FALSE(find(results, "liveness").passed);
  EXPECT_EQ(find(results, "liveness").detail, "no leader within 15s after heal");
  EXPECT_EQ(failedChecks(results), "liveness");
}

}  // namespace
}  // namespace detcd::scenarios

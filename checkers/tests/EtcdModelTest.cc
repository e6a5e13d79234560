// The etcd model, rule by rule: a history that follows the rule is accepted,
// the same history with the rule broken is rejected.

#include "checkers/EtcdModel.h"

#include <gtest/gtest.h>

#include "checkers/Linearizability.h"

namespace detcd::checkers {
namespace {

// Sequential single-client history: pairs of (request JSON fields, response
// JSON fields) become an invoke line and an ok line (or fail / info when the
// response has "type").
History seq(std::initializer_list<std::pair<const char*, const char*>> ops) {
  std::string text;
  for (const auto& [req, resp] : ops) {
    text += std::string("{\"type\":\"invoke\",\"client\":0,") + req + "}\n";
    std::string r = resp;
    bool typed = r.find("\"type\"") != std::string::npos;
    text += "{" + (typed ? std::string() : std::string("\"type\":\"ok\",")) + "\"client\":0" +
            (r.empty() ? "" : "," + r) + "}\n";
  }
  return parseHistory(text, Format::kDetcd);
}

Verdict verdictOf(const History& h) {
  return checkLinearizability(h, EtcdModel()).verdict;
}

#define EXPECT_ACCEPTS(h) EXPECT_EQ(verdictOf(h), Verdict::kLinearizable)
#define EXPECT_REJECTS(h) EXPECT_EQ(verdictOf(h), Verdict::kNotLinearizable)

const char* kPutA1 = R"("op":"put","key":"a","value":"1")";
const char* kGetA = R"("op":"get","key":"a")";

TEST(EtcdModelTest, EachWriteRaisesTheRevisionByOneAndReadsReportIt) {
  EXPECT_ACCEPTS(seq({{kGetA, R"("header":{"revision":1},"kvs":[])"},
                      {kPutA1, R"("header":{"revision":2})"},
                      {kGetA, R"("header":{"revision":2})"}}));
  EXPECT_REJECTS(seq({{kPutA1, R"("header":{"revision":3})"}}));
  EXPECT_REJECTS(seq({{kPutA1, R"("header":{"revision":2})"},
                      {kGetA, R"("header":{"revision":1})"}}));
}

TEST(EtcdModelTest, CreateModRevisionAndVersionFollowPuts) {
  const char* getA1 =
      R"("kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}])";
  const char* getA2 =
      R"("kvs":[{"key":"a","value":"2","create_revision":2,"mod_revision":3,"version":2}])";
  const char* putA2 = R"("op":"put","key":"a","value":"2","prev_kv":true)";
  const char* prevA1 =
      R"("prev_kv":{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1})";
  EXPECT_ACCEPTS(seq({{kPutA1, ""}, {kGetA, getA1}, {putA2, prevA1}, {kGetA, getA2}}));
  const char* wrongVersion =
      R"("kvs":[{"key":"a","value":"2","create_revision":2,"mod_revision":3,"version":1}])";
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putA2, ""}, {kGetA, wrongVersion}}));
  const char* wrongCreate =
      R"("kvs":[{"key":"a","value":"2","create_revision":3,"mod_revision":3,"version":2}])";
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putA2, ""}, {kGetA, wrongCreate}}));
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putA2, R"("prev_kv":null)"}}));
}

TEST(EtcdModelTest, DeleteRemovesTheKeyAndTheNextPutStartsANewGeneration) {
  const char* del = R"("op":"delete","key":"a","prev_kv":true)";
  const char* delResp =
      R"("header":{"revision":3},"deleted":1,"prev_kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}])";
  const char* regen =
      R"("kvs":[{"key":"a","value":"1","create_revision":4,"mod_revision":4,"version":1}])";
  EXPECT_ACCEPTS(seq({{kPutA1, ""}, {del, delResp}, {kGetA, R"("kvs":[])"}, {kPutA1, ""},
                      {kGetA, regen}}));
  EXPECT_REJECTS(seq({{kPutA1, ""}, {del, delResp}, {kGetA, R"("kvs":[])"}, {kPutA1, ""},
                      {kGetA,
                       R"("kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":4,"version":2}])"}}));
  // Deleting a missing key changes nothing: no new revision.
  EXPECT_ACCEPTS(seq({{del, R"("header":{"revision":1},"deleted":0)"}}));
  EXPECT_REJECTS(seq({{del, R"("header":{"revision":2},"deleted":0)"}}));
}

TEST(EtcdModelTest, RangesHonourRangeEndPrefixLimitAndCount) {
  const char* putB = R"("op":"put","key":"b","value":"2")";
  const char* putC = R"("op":"put","key":"c","value":"3")";
  const char* rangeAC = R"("op":"range","key":"a","range_end":"c")";
  const char* fromB = "\"op\":\"range\",\"key\":\"b\",\"range_end\":\"\\u0000\",\"keys_only\":true";
  const char* limit1 = R"("op":"range","key":"a","range_end":"z","limit":1)";
  EXPECT_ACCEPTS(seq(
      {{kPutA1, ""},
       {putB, ""},
       {putC, ""},
       {rangeAC,
        R"("kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1},{"key":"b","value":"2","create_revision":3,"mod_revision":3,"version":1}],"count":2)"},
       {fromB,
        R"("kvs":[{"key":"b","value":"","create_revision":3,"mod_revision":3,"version":1},{"key":"c","value":"","create_revision":4,"mod_revision":4,"version":1}])"},
       {limit1,
        R"("kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}],"count":3,"more":true)"}}));
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putB, ""}, {putC, ""}, {rangeAC, R"("count":3)"}}));
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putB, ""}, {putC, ""}, {limit1, R"("more":false)"}}));
}

TEST(EtcdModelTest, ReadsAtAPastRevisionSeeThatRevision) {
  const char* putA2 = R"("op":"put","key":"a","value":"2")";
  const char* at2 = R"("op":"get","key":"a","revision":2)";
  const char* sees1 =
      R"("header":{"revision":3},"kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}])";
  EXPECT_ACCEPTS(seq({{kPutA1, ""}, {putA2, ""}, {at2, sees1}}));
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putA2, ""},
                      {at2, R"("kvs":[{"key":"a","value":"2","create_revision":2,"mod_revision":3,"version":2}])"}}));
  const char* at1 = R"("op":"get","key":"a","revision":1)";
  EXPECT_ACCEPTS(seq({{kPutA1, ""}, {at1, R"("kvs":[])"}}));
}

TEST(EtcdModelTest, CompactionAndFutureRevisionErrors) {
  const char* putA2 = R"("op":"put","key":"a","value":"2")";
  const char* compact3 = R"("op":"compact","revision":3)";
  const char* at2 = R"("op":"get","key":"a","revision":2)";
  const char* at9 = R"("op":"get","key":"a","revision":9)";
  const char* compacted =
      R"("type":"fail","error":"etcdserver: mvcc: required revision has been compacted")";
  const char* future =
      R"("type":"fail","error":"etcdserver: mvcc: required revision is a future revision")";
  EXPECT_ACCEPTS(seq({{kPutA1, ""}, {putA2, ""}, {compact3, R"("header":{"revision":3})"},
                      {at2, compacted}, {at9, future}, {compact3, compacted}}));
  // Reading revision 2 before any compaction cannot fail with "compacted".
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putA2, ""}, {at2, compacted}}));
  // ...and after compacting at 3 it cannot succeed.
  EXPECT_REJECTS(seq({{kPutA1, ""}, {putA2, ""}, {compact3, ""}, {at2, R"("kvs":[])"}}));
  EXPECT_REJECTS(seq({{kPutA1, ""}, {at9, R"("kvs":[])"}}));
  EXPECT_REJECTS(seq({{R"("op":"compact","revision":5)", ""}}));
}

TEST(EtcdModelTest, TxnComparesChooseTheBranch) {
  const char* txn =
      R"("op":"txn","compare":[{"key":"a","target":"version","result":"=","value":0}],"success":[{"op":"put","key":"a","value":"new"}],"failure":[{"op":"get","key":"a"}])";
  // First run: a missing key has version 0, so the put runs.
  const char* created = R"("header":{"revision":2},"succeeded":true,"responses":[{}])";
  const char* existed =
      R"("header":{"revision":2},"succeeded":false,"responses":[{"kvs":[{"key":"a","value":"new","create_revision":2,"mod_revision":2,"version":1}]}])";
  EXPECT_ACCEPTS(seq({{txn, created}, {txn, existed}}));
  EXPECT_REJECTS(seq({{txn, created}, {txn, created}}));
  EXPECT_REJECTS(seq({{txn, R"("succeeded":false)"}}));
  for (const char* cmp :
       {R"({"key":"a","target":"value","result":"=","value":"1"})",
        R"({"key":"a","target":"mod","result":"=","value":2})",
        R"({"key":"a","target":"create","result":"<","value":3})",
        R"({"key":"a","target":"version","result":">","value":0})",
        R"({"key":"a","target":"lease","result":"=","value":0})",
        R"({"key":"a","target":"value","result":"!=","value":"2"})"}) {
    std::string t = std::string(R"("op":"txn","compare":[)") + cmp + "]";
    EXPECT_ACCEPTS(seq({{kPutA1, ""}, {t.c_str(), R"("succeeded":true)"}})) << cmp;
    EXPECT_REJECTS(seq({{kPutA1, ""}, {t.c_str(), R"("succeeded":false)"}})) << cmp;
  }
}

TEST(EtcdModelTest, TxnWritesShareOneRevisionAndLaterOpsSeeEarlierOnes) {
  const char* txn =
      R"("op":"txn","success":[{"op":"put","key":"a","value":"1"},{"op":"put","key":"b","value":"2"},{"op":"get","key":"a"}])";
  const char* resp =
      R"("header":{"revision":2},"succeeded":true,"responses":[{},{},{"kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}]}])";
  EXPECT_ACCEPTS(seq({{txn, resp}}));
  EXPECT_REJECTS(seq({{txn, R"("header":{"revision":3})"}}));
  EXPECT_REJECTS(seq({{txn, R"("succeeded":true,"responses":[{},{},{"kvs":[]}])"}}));
}

TEST(EtcdModelTest, LeasesAttachKeysAndRevokeDeletesThem) {
  const char* grant = R"("op":"lease_grant","ttl":60)";
  const char* putL = R"("op":"put","key":"a","value":"1","lease":7)";
  const char* revoke = R"("op":"lease_revoke","id":7)";
  const char* keep = R"("op":"lease_keepalive","id":7)";
  const char* notFound = R"("type":"fail","error":"etcdserver: requested lease not found")";
  EXPECT_ACCEPTS(seq({{grant, R"("id":7,"header":{"revision":1})"},
                      {putL, R"("header":{"revision":2})"},
                      {keep, ""},
                      {kGetA, R"("kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1,"lease":7}])"},
                      {revoke, R"("header":{"revision":3})"},
                      {kGetA, R"("header":{"revision":3},"kvs":[])"},
                      {keep, notFound},
                      {putL, notFound}}));
  EXPECT_REJECTS(seq({{putL, R"("header":{"revision":2})"}})) << "lease 7 was never granted";
  EXPECT_REJECTS(seq({{grant, R"("id":7)"}, {putL, ""}, {revoke, ""}, {kGetA, R"("kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1,"lease":7}])"}}));
  EXPECT_REJECTS(seq({{grant, R"("id":7)"}, {keep, notFound}}));
  EXPECT_REJECTS(seq({{grant, R"("id":7)"}, {grant, R"("id":7)"}})) << "a lease ID is granted once";
}

TEST(EtcdModelTest, LeasesMayExpireOnlyAfterTheirTtl) {
  // Lease 7 (TTL 1 s) granted at 20 ns; a key attached at 40 ns. A read at
  // t seconds finds the key gone at revision 3 (the expiry deleted it).
  auto history = [](int64_t readAt, const char* keepAlive) {
    std::string text = R"({"type":"invoke","client":1,"time":10,"op":"lease_grant","ttl":1,"id":7}
{"type":"ok","client":1,"time":20,"header":{"revision":1},"id":7}
{"type":"invoke","client":1,"time":30,"op":"put","key":"a","value":"1","lease":7}
{"type":"ok","client":1,"time":40,"header":{"revision":2}}
)";
    std::string t = std::to_string(readAt);
    std::string t2 = std::to_string(readAt + 10);
    text += R"({"type":"invoke","client":2,"time":)" + t + R"(,"op":"get","key":"a"})" "\n";
    text += R"({"type":"ok","client":2,"time":)" + t2 + R"(,"header":{"revision":3},"kvs":[]})" "\n";
    if (keepAlive) {
      text += R"({"type":"invoke","client":2,"time":)" + std::to_string(readAt + 20) +
              R"(,"op":"lease_keepalive","id":7})" "\n";
      text += R"({"type":"fail","client":2,"time":)" + std::to_string(readAt + 30) +
              R"(,"error":")" + keepAlive + "\"}\n";
    }
    return parseHistory(text, Format::kDetcd);
  };
  EXPECT_ACCEPTS(history(2'000'000'000, nullptr));
  EXPECT_ACCEPTS(history(2'000'000'000, "etcdserver: requested lease not found"));
  EXPECT_REJECTS(history(500'000'000, nullptr)) << "expired before its TTL elapsed";
  CheckResult r = checkLinearizability(history(500'000'000, nullptr), EtcdModel());
  ASSERT_TRUE(r.violation);
  std::string text = describeViolation(*r.violation, history(500'000'000, nullptr), EtcdModel());
  EXPECT_NE(text.find("range(\"a\") -> ok rev 3"), std::string::npos) << text;
  // Clock faults shorten leases by at most the slack the model is given.
  EXPECT_EQ(checkLinearizability(history(500'000'000, nullptr), EtcdModel(600'000'000)).verdict,
            Verdict::kLinearizable);
  EXPECT_EQ(checkLinearizability(history(300'000'000, nullptr), EtcdModel(600'000'000)).verdict,
            Verdict::kNotLinearizable)
      << "expired before TTL minus the slack";
}

TEST(EtcdModelTest, OtherErrorsMeanTheRequestDidNotHappen) {
  EXPECT_ACCEPTS(seq({{kPutA1, R"("type":"fail","error":"etcdserver: too many requests")"},
                      {kGetA, R"("header":{"revision":1},"kvs":[])"}}));
  EXPECT_REJECTS(seq({{kPutA1, R"("type":"fail","error":"etcdserver: too many requests")"},
                      {kGetA, R"("header":{"revision":2})"}}));
}

TEST(EtcdModelTest, UnknownWritesMayOrMayNotHaveHappened) {
  const char* info = R"("type":"info","error":"context deadline exceeded")";
  EXPECT_ACCEPTS(seq({{kPutA1, info}, {kGetA, R"("header":{"revision":1},"kvs":[])"}}));
  EXPECT_ACCEPTS(seq({{kPutA1, info}, {kGetA, R"("header":{"revision":2})"}}));
  EXPECT_REJECTS(seq({{kPutA1, info}, {kGetA, R"("header":{"revision":3})"}}));
}

// Ten writes of unknown outcome that never happened, then 300 acknowledged puts: each unknown
// write could be placed anywhere, in any order with the others, but the revision never goes
// down, so a placement that passes the revision some pending op observed is abandoned at once
// (doom pruning of writes). Without it the search runs out of this budget.
TEST(EtcdModelTest, UnknownWritesThatNeverHappenedStayCheap) {
  std::string text;
  for (int c = 10; c < 20; ++c) {
    text += R"({"type":"invoke","client":)" + std::to_string(c) +
            R"(,"time":1,"op":"put","key":"u","value":")" + std::to_string(c) + "\"}\n";
  }
  for (int i = 0; i < 300; ++i) {
    int64_t t = 10 + 10 * i;
    text += R"({"type":"invoke","client":1,"time":)" + std::to_string(t) +
            R"(,"op":"put","key":"a","value":"v)" + std::to_string(i) + "\"}\n";
    text += R"({"type":"ok","client":1,"time":)" + std::to_string(t + 5) +
            R"(,"header":{"revision":)" + std::to_string(i + 2) + "}}\n";
  }
  CheckOptions options;
  options.maxSteps = 200'000;
  auto verdict = [&](const std::string& last) {
    return checkLinearizability(parseHistory(text + last, Format::kDetcd), EtcdModel(), options)
        .verdict;
  };
  const char* get = R"({"type":"invoke","client":1,"time":9000,"op":"get","key":"a"})" "\n";
  EXPECT_EQ(verdict(std::string(get) +
                    R"({"type":"ok","client":1,"time":9001,"header":{"revision":301},"kvs":[{"key":"a","value":"v299","create_revision":2,"mod_revision":301,"version":300}]})" "\n"),
            Verdict::kLinearizable);
  EXPECT_EQ(verdict(std::string(get) +
                    R"({"type":"ok","client":1,"time":9001,"header":{"revision":301},"kvs":[{"key":"a","value":"v298","create_revision":2,"mod_revision":301,"version":300}]})" "\n"),
            Verdict::kNotLinearizable);
}

TEST(EtcdModelTest, ConcurrentWritesAreOrderedByTheirResponseRevisions) {
  // Two concurrent puts; the read after both must match the one with the
  // higher response revision.
  std::string text = R"({"type":"invoke","client":1,"time":1,"op":"put","key":"a","value":"x"}
{"type":"invoke","client":2,"time":2,"op":"put","key":"a","value":"y"}
{"type":"ok","client":1,"time":3,"header":{"revision":3}}
{"type":"ok","client":2,"time":4,"header":{"revision":2}}
{"type":"invoke","client":1,"time":5,"op":"get","key":"a"}
)";
  History ok = parseHistory(
      text + R"({"type":"ok","client":1,"time":6,"header":{"revision":3},"kvs":[{"key":"a","value":"x","create_revision":2,"mod_revision":3,"version":2}]})" "\n",
      Format::kDetcd);
  History bad = parseHistory(
      text + R"({"type":"ok","client":1,"time":6,"header":{"revision":3},"kvs":[{"key":"a","value":"y","create_revision":2,"mod_revision":3,"version":2}]})" "\n",
      Format::kDetcd);
  EXPECT_ACCEPTS(ok);
  EXPECT_REJECTS(bad);
  CheckResult r = checkLinearizability(bad, EtcdModel());
  ASSERT_TRUE(r.violation);
  EXPECT_NE(describeViolation(*r.violation, bad, EtcdModel()).find("range(\"a\") -> ok rev 3"),
            std::string::npos);
}

}  // namespace
}  // namespace detcd::checkers

// The etcd model's search prunings (docs/checkers.md, "Progress and order
// pruning"): simulator histories that used to end "unknown" are decided within
// the scenario checks' step limit, each pruning decides a history that is
// hopeless without it in few steps, and histories whose violation hides behind
// the pruned choices are still rejected.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "checkers/EtcdModel.h"
#include "checkers/Linearizability.h"

namespace detcd::checkers {
namespace {

const std::string kTestdata = DETCD_CHECKERS_TESTDATA;

// The default of scenarios' linearizabilityMaxSteps (scenarios/RunChecks.cc).
constexpr uint64_t kScenarioMaxSteps = 5'000'000;

CheckOptions verdictWithin(uint64_t steps) {
  CheckOptions o;
  o.maxSteps = steps;
  o.explain = false;
  return o;
}

Verdict verdictOf(const std::string& text, uint64_t steps) {
  return checkLinearizability(parseHistory(text, Format::kDetcd), EtcdModel(), verdictWithin(steps))
      .verdict;
}

// One history line: `type` invoke / ok / info / fail, with the rest of the
// JSON fields in `fields` (may be empty).
std::string line(const char* type, int client, int64_t time, const std::string& fields) {
  return std::string("{\"type\":\"") + type + "\",\"client\":" + std::to_string(client) +
         ",\"time\":" + std::to_string(time) + (fields.empty() ? "" : "," + fields) + "}\n";
}

std::string rev(int64_t r) { return "\"header\":{\"revision\":" + std::to_string(r) + "}"; }

std::string kv(const std::string& key, const std::string& value, int create, int mod, int version,
               int64_t lease = 0) {
  return "{\"key\":\"" + key + "\",\"value\":\"" + value + "\",\"create_revision\":" +
         std::to_string(create) + ",\"mod_revision\":" + std::to_string(mod) +
         ",\"version\":" + std::to_string(version) + ",\"lease\":" + std::to_string(lease) + "}";
}

std::string put(const std::string& key, const std::string& value, int64_t lease = 0) {
  return "\"op\":\"put\",\"key\":\"" + key + "\",\"value\":\"" + value + "\"" +
         (lease ? ",\"lease\":" + std::to_string(lease) : "");
}

std::string get(const std::string& key) { return "\"op\":\"get\",\"key\":\"" + key + "\""; }

TEST(EtcdPruningTest, SimulatorHistoriesAreDecidedWithinTheScenarioStepLimit) {
  // detcd-sim run scenarios/<name>.yaml --seed 1; all ended "unknown" before
  // (memo or step limit) and are linearizable.
  for (const char* name : {"sim-leader-isolated-nolease.jsonl", "sim-clock-drift-leases.jsonl",
                           "sim-rolling-crash.jsonl"}) {
    History h = readHistoryFile(kTestdata + "/" + name, Format::kDetcd);
    CheckResult r = checkLinearizability(h, EtcdModel(), verdictWithin(kScenarioMaxSteps));
    EXPECT_EQ(r.verdict, Verdict::kLinearizable) << name << ": " << r.reason;
  }
}

TEST(EtcdPruningTest, ADeliberateStaleReadIsCaught) {
  // detcd-sim run scenarios/leader-isolated.yaml --seed 4 --bug stale-read: the deposed
  // leader answered a read from its own state. The search without the etcd
  // prunings ran out of its 5 M steps ("unknown", passed with a note); now
  // the violation is proven in about 0.3 M.
  History h = readHistoryFile(kTestdata + "/sim-leader-isolated-stale-read.jsonl", Format::kDetcd);
  CheckResult r = checkLinearizability(h, EtcdModel(), verdictWithin(kScenarioMaxSteps));
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable) << r.reason;
}

// Client 1 puts a=1 (revision 2); clients 10.. send puts of a that time out;
// client 1 then puts b (revision 4, so revision 3 was written by an unknown
// write) and 20 more keys (revisions 5..24), and reads a at revision 24.
std::string gapHistory(int unknownWrites, const std::string& unknownKey,
                       const std::string& readResult) {
  std::string h = line("invoke", 1, 10, put("a", "1")) + line("ok", 1, 20, rev(2));
  for (int i = 0; i < unknownWrites; ++i) {
    h += line("invoke", 10 + i, 30 + i, put(i == 0 ? unknownKey : "a", "u" + std::to_string(i)));
  }
  h += line("invoke", 1, 100, put("b", "1")) + line("ok", 1, 110, rev(4));
  for (int i = 0; i < 20; ++i) {
    h += line("invoke", 1, 200 + 10 * i, put("c" + std::to_string(i), "1")) +
         line("ok", 1, 205 + 10 * i, rev(5 + i));
  }
  h += line("invoke", 1, 1000, get("a")) +
       line("ok", 1, 1010, rev(24) + ",\"kvs\":[" + readResult + "]");
  for (int i = 0; i < unknownWrites; ++i) {
    h += line("info", 10 + i, 2000 + i, "\"error\":\"context deadline exceeded\"");
  }
  return h;
}

TEST(EtcdPruningTest, UnknownWritesTakeEffectOnlyInRevisionsNoOkWriteClaims) {
  // Twelve unknown writes of a; revision 3 is the only one free. Without the
  // revision bounds the search tries every ordered subset of them before the
  // ok puts; with them only revision 3 (or after the end) can take one.
  EXPECT_EQ(verdictOf(gapHistory(12, "a", kv("a", "u5", 2, 3, 2)), 20000),
            Verdict::kLinearizable);
  // A stale read hidden behind the gap: one of the unknown writes of a must
  // have made revision 3, so a cannot still read 1 at revision 24.
  EXPECT_EQ(verdictOf(gapHistory(12, "a", kv("a", "1", 2, 2, 1)), 20000),
            Verdict::kNotLinearizable);
  // An unknown write cannot fill a claimed revision: 4 is b's, so a at
  // mod revision 4 was never written.
  EXPECT_EQ(verdictOf(gapHistory(12, "a", kv("a", "u5", 2, 4, 2)), 20000),
            Verdict::kNotLinearizable);
  // The gap filled by the write of another key: a keeps its value; the read
  // then shows a's old value, and a's unknown writes must not fill the gap.
  EXPECT_EQ(verdictOf(gapHistory(12, "z", kv("a", "1", 2, 2, 1)), 20000),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(gapHistory(1, "z", kv("a", "1", 2, 2, 1)) +
                          line("invoke", 1, 3000, get("z")) +
                          line("ok", 1, 3010, rev(24) + ",\"kvs\":[]"),
                      20000),
            Verdict::kNotLinearizable)
      << "z's write made revision 3, so z exists";
}

TEST(EtcdPruningTest, ReadsHappenAtTheirResponseRevision) {
  // A read answered at revision 2 that saw b (written at revision 3) is
  // stale-free only if it ran after b's put: impossible at revision 2.
  std::string base = line("invoke", 1, 10, put("a", "1")) + line("ok", 1, 20, rev(2)) +
                     line("invoke", 2, 30, get("b")) + line("invoke", 1, 40, put("b", "1")) +
                     line("ok", 1, 50, rev(3));
  EXPECT_EQ(verdictOf(base + line("ok", 2, 60, rev(2) + ",\"kvs\":[]"), 1000),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(base + line("ok", 2, 60, rev(2) + ",\"kvs\":[" + kv("b", "1", 3, 3, 1) + "]"),
                      1000),
            Verdict::kNotLinearizable);
  EXPECT_EQ(verdictOf(base + line("ok", 2, 60, rev(3) + ",\"kvs\":[]"), 1000),
            Verdict::kNotLinearizable);
}

const std::string kNotFound = "\"error\":\"etcdserver: requested lease not found\"";

std::string grant(int client, int64_t at, int64_t id, int64_t revision) {
  return line("invoke", client, at, "\"op\":\"lease_grant\",\"ttl\":1") +
         line("ok", client, at + 10, rev(revision) + ",\"id\":" + std::to_string(id));
}

std::string keepAlive(int client, int64_t at, int64_t id, bool found, int64_t revision) {
  return line("invoke", client, at, "\"op\":\"lease_keepalive\",\"id\":" + std::to_string(id)) +
         (found ? line("ok", client, at + 10, rev(revision) + ",\"ttl\":1")
                : line("fail", client, at + 10, kNotFound));
}

constexpr int64_t kSecond = 1'000'000'000;

TEST(EtcdPruningTest, ALeaseExpiresOnlyAfterEveryRequestThatNeededIt) {
  // Twelve leases (TTL 1 s) granted at once, kept alive at 3 s while client 1
  // writes 30 keys, then found gone at 5 s. Without the order rule every
  // subset of the expiries is tried at every write before the keep-alives.
  auto history = [](int leases, bool lateKeepAliveFinds) {
    std::string h;
    for (int i = 0; i < leases; ++i) h += grant(10 + i, 10 + 20 * i, 100 + i, 1);
    for (int i = 0; i < 30; ++i) {
      h += line("invoke", 1, kSecond + 100 * i, put("k" + std::to_string(i), "1")) +
           line("ok", 1, kSecond + 100 * i + 50, rev(2 + i));
    }
    for (int i = 0; i < leases; ++i) {
      h += keepAlive(10 + i, 3 * kSecond + i * 100, 100 + i, true, 31);
    }
    for (int i = 0; i < leases; ++i) {
      h += keepAlive(10 + i, 5 * kSecond + i * 100, 100 + i, false, 0);
    }
    h += keepAlive(10, 6 * kSecond, 100, lateKeepAliveFinds, 31);
    return h;
  };
  // Without the rule: 1.3 M steps to the violation.
  EXPECT_EQ(verdictOf(history(12, false), 20000), Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(history(12, true), 100000), Verdict::kNotLinearizable)
      << "lease 100 was gone at 5 s and nothing granted it again";
}

TEST(EtcdPruningTest, ALeaseGrantedTwiceMayComeBackAfterARevoke) {
  // The order rule holds only for a lease one grant can create: with a
  // second grant of ID 7 (client-chosen), a keep-alive after the revoke is
  // fine.
  std::string h = line("invoke", 1, 10, "\"op\":\"lease_grant\",\"ttl\":60,\"id\":7") +
                  line("ok", 1, 20, rev(1) + ",\"id\":7") +
                  line("invoke", 1, 30, "\"op\":\"lease_revoke\",\"id\":7") +
                  line("ok", 1, 40, rev(1)) +
                  line("invoke", 1, 50, "\"op\":\"lease_grant\",\"ttl\":60,\"id\":7") +
                  line("ok", 1, 60, rev(1) + ",\"id\":7") + keepAlive(1, 70, 7, true, 1);
  EXPECT_EQ(verdictOf(h, 1000), Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(h + line("invoke", 1, 80, "\"op\":\"lease_revoke\",\"id\":7") +
                          line("ok", 1, 90, rev(1)) + keepAlive(1, 100, 7, true, 1),
                      1000),
            Verdict::kNotLinearizable)
      << "revoked again, and no third grant";
}

TEST(EtcdPruningTest, AnExpiryWithKeysTakesAFreeRevision) {
  // Lease 7 (TTL 1 s) holds a (revision 2); at 2 s b is put at revision 4:
  // revision 3 is free, and only the expiry of lease 7 can have made it.
  auto history = [](const std::string& readResult) {
    return grant(1, 10, 7, 1) + line("invoke", 1, 30, put("a", "1", 7)) +
           line("ok", 1, 40, rev(2)) + line("invoke", 1, 2 * kSecond, put("b", "1")) +
           line("ok", 1, 2 * kSecond + 10, rev(4)) + line("invoke", 1, 2 * kSecond + 20, get("a")) +
           line("ok", 1, 2 * kSecond + 30, rev(4) + ",\"kvs\":[" + readResult + "]");
  };
  EXPECT_EQ(verdictOf(history(""), 1000), Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(history(kv("a", "1", 2, 2, 1, 7)), 1000), Verdict::kNotLinearizable)
      << "a stale read: the expiry deleted a at revision 3";
}

TEST(EtcdPruningTest, AStaleReadInASimulatorHistoryIsExplained) {
  // The read of k9 at line 2619-2621 saw "c2-86" (mod revision 477); make it
  // the value before, "c2-84" (470). The search without pruning cannot
  // finish on this history, so the culprit comes from cut points.
  History h = readHistoryFile(kTestdata + "/sim-leader-isolated-nolease.jsonl", Format::kDetcd);
  size_t read = h.operations.size();
  for (size_t i = 0; i < h.operations.size(); ++i) {
    if (h.operations[i].invokeLine == 2619) read = i;
  }
  ASSERT_LT(read, h.operations.size());
  auto call = std::make_shared<EtcdCall>(*h.operations[read].etcd);
  ASSERT_EQ(call->response.responses.at(0).kvs->at(0).value, "c2-86");
  call->response.responses[0].kvs->at(0) = KeyValue{"k9", "c2-84", 219, 470, 20, 0};
  h.operations[read].etcd = call;
  CheckOptions o;
  o.maxSteps = kScenarioMaxSteps;
  CheckResult r = checkLinearizability(h, EtcdModel(), o);
  ASSERT_EQ(r.verdict, Verdict::kNotLinearizable) << r.reason;
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->culprit, read) << describeViolation(*r.violation, h, EtcdModel());
  EXPECT_LT(r.steps, kScenarioMaxSteps);
}

}  // namespace
}  // namespace detcd::checkers

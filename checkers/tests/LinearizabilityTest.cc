// The search and the register / kv models, rule by rule: each rule has a
// history that is accepted and a broken version that is rejected.

#include "checkers/Linearizability.h"

#include <gtest/gtest.h>

#include <sstream>

#include "checkers/KvModel.h"
#include "checkers/RegisterModel.h"

namespace detcd::checkers {
namespace {

// Register ops, one per line: "<process> <type> <f> <value>", e.g.
// "0 invoke cas [1 2]"; become Jepsen EDN maps.
History reg(std::initializer_list<const char*> lines) {
  std::string text;
  for (const char* l : lines) {
    std::istringstream in(l);
    std::string p, type, f, value;
    in >> p >> type >> f;
    std::getline(in, value);
    text += "{:process " + p + ", :type :" + type + ", :f :" + f + ", :value" +
            (value.empty() ? " nil" : value) + "}\n";
  }
  return parseHistory(text, Format::kEdn);
}

// Kv ops: "<process> <type> <f> <key> <value>"; value may be omitted (nil).
History kv(std::initializer_list<const char*> lines) {
  std::string text;
  for (const char* l : lines) {
    std::istringstream in(l);
    std::string p, type, f, key, value;
    in >> p >> type >> f >> key >> value;
    text += "{:process " + p + ", :type :" + type + ", :f :" + f + ", :key \"" + key +
            "\", :value " + (value.empty() ? "nil" : "\"" + value + "\"") + "}\n";
  }
  return parseHistory(text, Format::kEdn);
}

Verdict verdictOf(const History& h, const Model& m, CheckOptions o = {}) {
  return checkLinearizability(h, m, o).verdict;
}

const RegisterModel kRegister;

TEST(RegisterModelTest, ReadOfTheInitialValueIsNil) {
  EXPECT_EQ(verdictOf(reg({"0 invoke read", "0 ok read nil"}), kRegister), Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(reg({"0 invoke read", "0 ok read 1"}), kRegister),
            Verdict::kNotLinearizable);
  RegisterModel startsAt1(std::string("1"));
  EXPECT_EQ(verdictOf(reg({"0 invoke read", "0 ok read 1"}), startsAt1), Verdict::kLinearizable);
}

TEST(RegisterModelTest, ReadAfterACompletedWriteSeesIt) {
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read 1"}),
                      kRegister),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read nil"}),
                      kRegister),
            Verdict::kNotLinearizable)
      << "a stale read after the write completed";
}

TEST(RegisterModelTest, ConcurrentReadMaySeeEitherValue) {
  for (const char* seen : {"1 ok read nil", "1 ok read 1"}) {
    EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "1 invoke read", seen, "0 ok write 1"}),
                        kRegister),
              Verdict::kLinearizable)
        << seen;
  }
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "1 invoke read", "1 ok read 2", "0 ok write 1"}),
                      kRegister),
            Verdict::kNotLinearizable);
}

TEST(RegisterModelTest, NoValueComesBackAfterBeingOverwritten) {
  // Both reads overlap both writes, but once a read saw 2 after 1, a later
  // read cannot see 1 again.
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "1 invoke write 2", "0 ok write 1", "1 ok write 2",
                           "2 invoke read", "2 ok read 2", "3 invoke read", "3 ok read 1"}),
                      kRegister),
            Verdict::kNotLinearizable);
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "1 invoke write 2", "0 ok write 1", "1 ok write 2",
                           "2 invoke read", "2 ok read 2", "3 invoke read", "3 ok read 2"}),
                      kRegister),
            Verdict::kLinearizable);
}

TEST(RegisterModelTest, CasSucceedsOnlyOnTheExpectedValue) {
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 ok write 1", "0 invoke cas [1 2]",
                           "0 ok cas [1 2]", "0 invoke read", "0 ok read 2"}),
                      kRegister),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 ok write 1", "0 invoke cas [3 2]",
                           "0 ok cas [3 2]"}),
                      kRegister),
            Verdict::kNotLinearizable);
}

TEST(RegisterModelTest, FailedOperationsDidNotHappen) {
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 fail write 1", "1 invoke read", "1 ok read nil"}),
                      kRegister),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 fail write 1", "1 invoke read", "1 ok read 1"}),
                      kRegister),
            Verdict::kNotLinearizable);
}

TEST(RegisterModelTest, UnknownOutcomeMayHappenLaterOrNever) {
  // The write timed out; a read long after may or may not see it...
  for (const char* seen : {"1 ok read nil", "1 ok read 1"}) {
    EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 info write 1", "1 invoke read", seen}),
                        kRegister),
              Verdict::kLinearizable);
  }
  // ...and even after a later read missed it, it may still take effect.
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 info write 1", "1 invoke read", "1 ok read nil",
                           "1 invoke read", "1 ok read 1"}),
                      kRegister),
            Verdict::kLinearizable);
  // But it cannot take effect twice, nor before its invocation.
  EXPECT_EQ(verdictOf(reg({"0 invoke write 1", "0 info write 1", "1 invoke read", "1 ok read 1",
                           "1 invoke write 2", "1 ok write 2", "1 invoke read", "1 ok read 1"}),
                      kRegister),
            Verdict::kNotLinearizable);
  EXPECT_EQ(verdictOf(reg({"1 invoke read", "1 ok read 1", "0 invoke write 1", "0 info write 1"}),
                      kRegister),
            Verdict::kNotLinearizable);
}

TEST(KvModelTest, AppendConcatenatesAndMissingKeysReadEmpty) {
  KvModel m(true);
  EXPECT_EQ(verdictOf(kv({"0 invoke get a", "0 ok get a", "0 invoke append a x", "0 ok append a x",
                          "0 invoke append a y", "0 ok append a y", "0 invoke get a",
                          "0 ok get a xy"}),
                      m),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(kv({"0 invoke append a x", "0 ok append a x", "0 invoke append a y",
                          "0 ok append a y", "0 invoke get a", "0 ok get a yx"}),
                      m),
            Verdict::kNotLinearizable);
}

TEST(KvModelTest, PutReplacesTheValue) {
  KvModel m(true);
  EXPECT_EQ(verdictOf(kv({"0 invoke append a x", "0 ok append a x", "0 invoke put a z",
                          "0 ok put a z", "0 invoke get a", "0 ok get a z"}),
                      m),
            Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(kv({"0 invoke append a x", "0 ok append a x", "0 invoke put a z",
                          "0 ok put a z", "0 invoke get a", "0 ok get a xz"}),
                      m),
            Verdict::kNotLinearizable);
}

TEST(KvModelTest, KeysAreIndependentPerKeyAndWholeMapAgree) {
  History ok = kv({"0 invoke put a 1", "1 invoke put b 2", "0 ok put a 1", "1 ok put b 2",
                   "0 invoke get b", "1 invoke get a", "0 ok get b 2", "1 ok get a 1"});
  History bad = kv({"0 invoke put a 1", "0 ok put a 1", "1 invoke put b 2", "1 ok put b 2",
                    "0 invoke get b", "0 ok get b", "1 invoke get a", "1 ok get a 1"});
  for (bool perKey : {true, false}) {
    KvModel m(perKey);
    EXPECT_EQ(verdictOf(ok, m), Verdict::kLinearizable) << perKey;
    EXPECT_EQ(verdictOf(bad, m), Verdict::kNotLinearizable) << perKey;
  }
  // Both modes split by key (locality); the whole map keeps map states.
  for (bool perKey : {true, false}) {
    CheckResult r = checkLinearizability(bad, KvModel(perKey));
    EXPECT_EQ(r.groups, 2u);
    ASSERT_TRUE(r.violation);
    EXPECT_EQ(r.violation->group, "key \"b\"");
  }
}

TEST(LinearizabilityTest, ViolationNamesTheCulpritWindowAndPrefix) {
  // Line numbers: 1-2 write 1, 3-4 write 2, 5-6 read 2, 7-8 read 1 (the culprit).
  History h = reg({"0 invoke write 1", "0 ok write 1", "0 invoke write 2", "0 ok write 2",
                   "1 invoke read", "1 ok read 2", "1 invoke read", "1 ok read 1"});
  CheckResult r = checkLinearizability(h, kRegister);
  ASSERT_EQ(r.verdict, Verdict::kNotLinearizable);
  ASSERT_TRUE(r.violation);
  const Violation& v = *r.violation;
  ASSERT_TRUE(v.culprit);
  EXPECT_EQ(*v.culprit, 3u);
  EXPECT_EQ(v.prefix, (std::vector<size_t>{0, 1, 2, 3}))
      << "all four ops were invoked before the culprit's completion";
  EXPECT_EQ(v.linearization, (std::vector<size_t>{0, 1, 2}));
  // The two reads alone conflict: with the writes' effects optional, "read 2"
  // needs write 2 (lines 3-4), after which write 1 (lines 1-2) cannot come.
  // Relaxing "read 2" as well lets write 2 never happen: linearizable.
  EXPECT_EQ(v.window, (std::vector<size_t>{2, 3}));
  EXPECT_TRUE(v.windowMinimal);
  EXPECT_FALSE(v.partial);
  std::string text = describeViolation(v, h, kRegister);
  EXPECT_NE(text.find("line 7-8  client 1  read -> 1"), std::string::npos) << text;
  EXPECT_NE(r.reason.find("line 7-8"), std::string::npos) << r.reason;
}

TEST(LinearizabilityTest, LimitsYieldUnknownNeverAWrongVerdict) {
  // Many concurrent unknown writes and a read no ordering can explain: the
  // search must explore a lot before it can say no.
  History h;
  {
    std::string text;
    for (int i = 0; i < 8; ++i) {
      text += std::string("{:process ") + std::to_string(i) +
              ", :type :invoke, :f :write, :value " + std::to_string(i) + "}\n";
    }
    for (int i = 0; i < 8; ++i) {
      text += std::string("{:process ") + std::to_string(i) +
              ", :type :info, :f :write, :value " + std::to_string(i) + "}\n";
    }
    text += "{:process 9, :type :invoke, :f :read, :value nil}\n";
    text += "{:process 9, :type :ok, :f :read, :value 9}\n";
    h = parseHistory(text, Format::kEdn);
  }
  CheckOptions full;
  EXPECT_EQ(verdictOf(h, kRegister, full), Verdict::kNotLinearizable);
  CheckOptions fewSteps;
  fewSteps.maxSteps = 10;
  CheckResult r = checkLinearizability(h, kRegister, fewSteps);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.reason.find("step limit"), std::string::npos) << r.reason;
  CheckOptions tinyMemo;
  tinyMemo.memoCapBytes = 1024;
  r = checkLinearizability(h, kRegister, tinyMemo);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.reason.find("memo limit"), std::string::npos) << r.reason;
}

TEST(LinearizabilityTest, RejectsOperationsOfAnotherModel) {
  EXPECT_THROW(checkLinearizability(kv({"0 invoke get a", "0 ok get a"}), kRegister),
               std::invalid_argument);
  EXPECT_THROW(checkLinearizability(reg({"0 invoke read", "0 ok read nil"}), KvModel(true)),
               std::invalid_argument);
}

// Edn lines for `n` clients (ids from 1) that invoke `op` at once, then
// complete it with `type` in turn.
std::string concurrent(int n, const std::string& op, const std::string& type) {
  std::string text;
  for (const char* t : {"invoke", "then"}) {
    for (int c = 1; c <= n; ++c) {
      text += "{:process " + std::to_string(c) + ", :type :" +
              (std::string(t) == "invoke" ? "invoke" : type) + ", " + op + "}\n";
    }
  }
  return text;
}

CheckOptions verdictWithin(uint64_t steps) {
  CheckOptions o;
  o.explain = false;
  o.maxSteps = steps;
  return o;
}

TEST(LinearizabilityTest, TimedOutTwinsAndNoOpsAreDecidedInFewSteps) {
  // 12 timed-out writes of 1, 12 timed-out cas [1 2] and 8 timed-out cas
  // [5 6] (whose compare can never succeed: no-ops). Without the twin and
  // no-op rules the search visits every subset of them; with them a few
  // thousand steps decide.
  std::string pending = concurrent(12, ":f :write, :value 1", "info") +
                        concurrent(12, ":f :cas, :value [1 2]", "info") +
                        concurrent(8, ":f :cas, :value [5 6]", "info");
  auto with = [&](const char* reads) {
    return parseHistory(pending + reads, Format::kEdn);
  };
  // A pending write of 1 may take effect after the write of 2, a cas after it.
  History ok = with(
      "{:process 0, :type :invoke, :f :write, :value 2}\n{:process 0, :type :ok, :f :write, "
      ":value 2}\n{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, "
      ":f :read, :value 2}\n");
  History bad = with(
      "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, "
      ":value 3}\n");
  EXPECT_EQ(verdictOf(ok, kRegister, verdictWithin(5000)), Verdict::kLinearizable);
  EXPECT_EQ(verdictOf(bad, kRegister, verdictWithin(5000)), Verdict::kNotLinearizable);
}

TEST(KvModelTest, GetThatNoAppendOrderCanReachEndsTheBranchEarly) {
  // 12 concurrent appends and a get concurrent with all of them. The get's
  // value fixes one order; every other order is abandoned as soon as the
  // value stops being a prefix of it, instead of after up to 12! orders.
  std::string get = "{:process 0, :type :invoke, :f :get, :key \"k\", :value nil}\n";
  std::string appends;
  std::string all;
  for (int c = 1; c <= 12; ++c) {
    std::string v(1, static_cast<char>('a' + c - 1));
    appends += "{:process " + std::to_string(c) +
               ", :type :invoke, :f :append, :key \"k\", :value \"" + v + "\"}\n";
    all += v;
  }
  for (int c = 1; c <= 12; ++c) {
    std::string v(1, static_cast<char>('a' + c - 1));
    appends += "{:process " + std::to_string(c) +
               ", :type :ok, :f :append, :key \"k\", :value \"" + v + "\"}\n";
  }
  auto read = [&](const std::string& value) {
    return parseHistory(get + appends + "{:process 0, :type :ok, :f :get, :key \"k\", :value \"" +
                            value + "\"}\n",
                        Format::kEdn);
  };
  KvModel perKey(true);
  EXPECT_EQ(verdictOf(read("dcba" + all.substr(4)), perKey, verdictWithin(5000)),
            Verdict::kLinearizable);
  // Nobody appended "m"; every order reaches the prefix "abcdefghijk".
  EXPECT_EQ(verdictOf(read(all.substr(0, 11) + "m"), perKey, verdictWithin(5000)),
            Verdict::kNotLinearizable);
  // A put concurrent with the get may reset the value: then "xyz" + ... fits.
  std::string put = "{:process 20, :type :invoke, :f :put, :key \"k\", :value \"xyz\"}\n"
                    "{:process 20, :type :ok, :f :put, :key \"k\", :value \"xyz\"}\n";
  History reset = parseHistory(get + put + appends +
                                   "{:process 0, :type :ok, :f :get, :key \"k\", :value \"xyz" +
                                   all.substr(3) + "\"}\n",
                               Format::kEdn);
  EXPECT_EQ(verdictOf(reset, perKey, verdictWithin(20000)), Verdict::kLinearizable);
}

TEST(LinearizabilityTest, EmptyHistoryIsLinearizable) {
  EXPECT_EQ(verdictOf(History{}, kRegister), Verdict::kLinearizable);
}

}  // namespace
}  // namespace detcd::checkers

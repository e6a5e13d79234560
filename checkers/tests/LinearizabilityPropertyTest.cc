// RapidCheck properties of the linearizability checker. Histories are
// generated from a sequential execution of the register or kv model with
// random concurrency, timeouts and crashes, so they are linearizable by
// construction; corrupting one observed result must then be rejected, or,
// where the corruption is still linearizable, agree with a brute-force
// checker. A failure prints RapidCheck's seed; replay it with
// RC_PARAMS="reproduce=<string>" ./build/tests/checkers_tests --gtest_filter=<test>.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>

#include "checkers/KvModel.h"
#include "checkers/Linearizability.h"
#include "checkers/RegisterModel.h"
#include "checkers/Search.h"
#include "checkers/tests/BruteForce.h"

namespace detcd::checkers {
namespace {

// The sequential semantics, written again independently of the models under
// test: register (empty key) or kv map; a missing key / nil register reads
// as nullopt for the register and "" for kv.
struct Sequential {
  bool kv = false;
  std::map<std::string, Value> values;

  Value get(const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) return kv ? Value("") : std::nullopt;
    return it->second;
  }
  // Applies `op`; returns false if its observed result contradicts the state.
  bool check(const Operation& op) {
    bool observed = op.outcome == Outcome::kOk;
    switch (op.kind) {
      case OpKind::kRead:
      case OpKind::kGet:
        return !observed || (kv ? op.result.value_or("") == get(op.key) : op.result == get(op.key));
      case OpKind::kWrite:
      case OpKind::kPut:
        values[op.key] = op.argument;
        return true;
      case OpKind::kAppend:
        values[op.key] = *get(op.key) + op.argument.value_or("");
        return true;
      case OpKind::kCas:
        if (get(op.key) == op.argument) {
          values[op.key] = op.argument2;
          return true;
        }
        return !observed;
      case OpKind::kEtcd:
        return false;
    }
    return false;
  }
};

// Generates a linearizable history: each step picks one enabled action:
// invoke an op on an idle client, make a pending op take effect (recording
// what it saw), complete an op that took effect, time one out (the client
// then stops, as in Jepsen; the op may already have taken effect, may take
// effect later, or never), or let a timed-out op take effect late.
History generate(bool kv, int clients, int steps) {
  History h;
  Sequential seq{kv, {}};
  enum Action { kInvoke, kApply, kComplete, kTimeout, kLateApply };
  struct Pending {
    size_t op;
    bool applied;
  };
  std::map<int, Pending> pending;  // client -> its pending op
  std::vector<bool> retired(static_cast<size_t>(clients), false);
  std::vector<size_t> orphans;  // timed out, not yet applied
  auto applyOp = [&](Operation& op) {
    if (op.kind == OpKind::kRead || op.kind == OpKind::kGet) op.result = seq.get(op.key);
    if (op.kind == OpKind::kCas && seq.get(op.key) != op.argument) return false;
    seq.check(op);
    return true;
  };
  for (Timestamp now = 1; now <= steps; ++now) {
    std::vector<std::pair<Action, int>> enabled;
    for (int c = 0; c < clients; ++c) {
      auto it = pending.find(c);
      if (it == pending.end()) {
        if (!retired[static_cast<size_t>(c)]) {
          enabled.insert(enabled.end(), 3, {kInvoke, c});
        }
        continue;
      }
      enabled.insert(enabled.end(), 2, {it->second.applied ? kComplete : kApply, c});
      enabled.push_back({kTimeout, c});  // weight 1 of ~6: timeouts stay rare
    }
    if (!orphans.empty()) enabled.push_back({kLateApply, 0});
    if (enabled.empty()) break;
    auto [action, client] = *rc::gen::elementOf(enabled);
    if (action == kInvoke) {
      Operation op;
      op.client = client;
      op.invokeTime = now;
      op.invokeLine = now;
      int f = *rc::gen::inRange(0, 3);
      if (kv) {
        op.key = std::string(1, static_cast<char>('a' + *rc::gen::inRange(0, 2)));
        op.kind = f == 0 ? OpKind::kGet : f == 1 ? OpKind::kPut : OpKind::kAppend;
        if (op.kind != OpKind::kGet) op.argument = std::to_string(*rc::gen::inRange(0, 3));
      } else {
        op.kind = f == 0 ? OpKind::kRead : f == 1 ? OpKind::kWrite : OpKind::kCas;
        op.argument = std::to_string(*rc::gen::inRange(0, 3));
        if (op.kind == OpKind::kCas) op.argument2 = std::to_string(*rc::gen::inRange(0, 3));
      }
      op.outcome = Outcome::kInfo;  // until it completes
      pending[client] = {h.operations.size(), false};
      h.operations.push_back(std::move(op));
    } else if (action == kApply) {
      Pending& p = pending[client];
      Operation& op = h.operations[p.op];
      if (!applyOp(op)) op.outcome = Outcome::kFail;  // the compare failed: :fail, no effect
      p.applied = true;
    } else if (action == kComplete) {
      Operation& op = h.operations[pending[client].op];
      if (op.outcome != Outcome::kFail) op.outcome = Outcome::kOk;
      op.returnTime = now;
      op.returnLine = now;
      pending.erase(client);
    } else if (action == kTimeout) {
      Pending p = pending[client];
      Operation& op = h.operations[p.op];
      op.outcome = Outcome::kInfo;  // even a failed compare is unknown to the client
      op.returnLine = now;
      if (!p.applied) orphans.push_back(p.op);
      pending.erase(client);
      retired[static_cast<size_t>(client)] = true;
    } else {
      size_t i = *rc::gen::inRange<size_t>(0, orphans.size());
      applyOp(h.operations[orphans[i]]);
      orphans.erase(orphans.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  return h;  // ops still pending stay unknown (never completed)
}

bool bruteForce(const History& h, bool kv) {
  std::vector<Operation> ops;
  for (const Operation& op : h.operations) {
    if (op.outcome != Outcome::kFail) ops.push_back(op);
  }
  std::vector<bool> done(ops.size(), false);
  return bruteForceLinearizable(ops, done, Sequential{kv, {}});
}

std::unique_ptr<Model> modelFor(bool kv) {
  if (kv) return std::make_unique<KvModel>(*rc::gen::arbitrary<bool>());
  return std::make_unique<RegisterModel>();
}

RC_GTEST_PROP(LinearizabilityPropertyTest, GeneratedHistoriesAreLinearizable, ()) {
  bool kv = *rc::gen::arbitrary<bool>();
  History h = generate(kv, *rc::gen::inRange(1, 6), *rc::gen::inRange(0, 120));
  std::unique_ptr<Model> model = modelFor(kv);
  CheckResult r = checkLinearizability(h, *model);
  RC_ASSERT(r.verdict == Verdict::kLinearizable);
}

RC_GTEST_PROP(LinearizabilityPropertyTest, CorruptedReadIsRejectedOrAgreesWithBruteForce, ()) {
  bool kv = *rc::gen::arbitrary<bool>();
  History h = generate(kv, *rc::gen::inRange(1, 4), *rc::gen::inRange(4, 40));
  std::vector<size_t> reads;
  for (size_t i = 0; i < h.operations.size(); ++i) {
    const Operation& op = h.operations[i];
    if (op.outcome == Outcome::kOk && (op.kind == OpKind::kRead || op.kind == OpKind::kGet)) {
      reads.push_back(i);
    }
  }
  RC_PRE(!reads.empty());
  Operation& victim = h.operations[*rc::gen::elementOf(reads)];
  Value corrupt = std::to_string(*rc::gen::inRange(0, 4));
  RC_PRE(corrupt != victim.result && !(kv && victim.result == Value("") && corrupt == ""));
  victim.result = corrupt;
  std::unique_ptr<Model> model = modelFor(kv);
  CheckResult r = checkLinearizability(h, *model);
  RC_ASSERT(r.verdict != Verdict::kUnknown);
  size_t definite = 0;
  for (const Operation& op : h.operations) definite += op.outcome != Outcome::kFail;
  if (definite <= 9 || r.verdict == Verdict::kLinearizable) {
    RC_ASSERT((r.verdict == Verdict::kLinearizable) == bruteForce(h, kv));
  }
  RC_TAG(r.verdict == Verdict::kLinearizable ? "still linearizable" : "rejected");
}

RC_GTEST_PROP(LinearizabilityPropertyTest, SmallHistoriesAgreeWithBruteForce, ()) {
  // Arbitrary (mostly non-linearizable) small histories: generated ones with
  // every observed result replaced at random.
  bool kv = *rc::gen::arbitrary<bool>();
  History h = generate(kv, *rc::gen::inRange(1, 4), *rc::gen::inRange(4, 30));
  for (Operation& op : h.operations) {
    if (op.kind == OpKind::kRead || op.kind == OpKind::kGet) {
      int v = *rc::gen::inRange(-1, 3);
      op.result = v < 0 ? (kv ? Value("") : std::nullopt) : Value(std::to_string(v));
    }
  }
  std::unique_ptr<Model> model = modelFor(kv);
  CheckResult r = checkLinearizability(h, *model);
  RC_ASSERT((r.verdict == Verdict::kLinearizable) == bruteForce(h, kv));
  RC_TAG(r.verdict == Verdict::kLinearizable ? "linearizable" : "not linearizable");
  if (r.verdict == Verdict::kNotLinearizable) {
    // The explanation's window must itself be a proven violation: non-empty
    // and ending with the culprit.
    RC_ASSERT(r.violation.has_value());
    RC_ASSERT(r.violation->culprit.has_value());
    RC_ASSERT(!r.violation->window.empty());
    RC_ASSERT(r.violation->window.back() <= *r.violation->culprit ||
              std::find(r.violation->window.begin(), r.violation->window.end(),
                        *r.violation->culprit) != r.violation->window.end());
  }
}

// Doom pruning (Search.h) must never change a verdict: on kv histories too
// long for the brute-force oracle, with every get corrupted at random, each
// key's search agrees with and without it (whole-map or per-key states).
RC_GTEST_PROP(LinearizabilityPropertyTest, DoomPruningNeverChangesAVerdict, ()) {
  History h = generate(true, *rc::gen::inRange(1, 7), *rc::gen::inRange(10, 300));
  for (Operation& op : h.operations) {
    if (op.kind == OpKind::kGet && *rc::gen::inRange(0, 4) == 0) {
      op.result = std::to_string(*rc::gen::inRange(0, 4)) + op.result.value_or("");
    }
  }
  KvModel model(*rc::gen::arbitrary<bool>());
  for (const char* key : {"a", "b"}) {
    std::vector<Operation> ops;  // the key's, in invocation order, definite failures left out
    for (const Operation& op : h.operations) {
      if (op.key == key && op.outcome != Outcome::kFail) ops.push_back(op);
    }
    std::stable_sort(ops.begin(), ops.end(), [](const Operation& a, const Operation& b) {
      return a.invokeTime < b.invokeTime;
    });
    Budget pruned, full;
    pruned.memoCap = full.memoCap = size_t{1} << 30;
    Status withPruning = *Search(ops, model).run(pruned, 0);
    Status without = *Search(ops, model, {}, /*pruneDoomed=*/false).run(full, 0);
    RC_ASSERT(without != Status::kLimit);
    RC_ASSERT(withPruning == without);
    RC_ASSERT(pruned.steps <= full.steps);
    RC_TAG(withPruning == Status::kLinearizable ? "linearizable" : "not linearizable",
           pruned.steps < full.steps ? "pruned" : "same steps");
  }
}

}  // namespace
}  // namespace detcd::checkers

#include "checkers/Linearizability.h"

#include "checkers/Search.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <stdexcept>

namespace detcd::checkers {

namespace {

// Steps every window probe may take at least.
constexpr uint64_t kMinProbeSteps = 100000;

// Explains the violation `failed` found in `group` (whose ops are `locals`).
Violation explain(const std::vector<Operation>& all, const std::vector<size_t>& group,
                  const std::vector<Operation>& locals, const Search& failed,
                  const Model& model, Budget& budget) {
  Violation v;
  v.group = model.groupName(all, group);
  std::vector<Event> events = eventsOf(locals);
  size_t culpritPos = static_cast<size_t>(std::max<int64_t>(failed.frontier(), 0));
  std::vector<size_t> callPos(locals.size()), returnPos(locals.size(), events.size());
  for (size_t p = 0; p < events.size(); ++p) {
    (events[p].isReturn ? returnPos : callPos)[events[p].op] = p;
  }
  for (size_t i = 0; i < locals.size(); ++i) {
    if (callPos[i] < culpritPos) v.prefix.push_back(group[i]);
  }
  for (size_t j : failed.frontierOrder()) v.linearization.push_back(group[j]);
  if (culpritPos >= events.size()) return v;
  size_t culprit = events[culpritPos].op;
  v.culprit = group[culprit];

  // The failing prefix: ops invoked up to the culprit's return. Ops still
  // pending then may or may not have taken effect before it, and nothing
  // after it matters: they become optional, unobserved, ending there.
  Timestamp cut = events[culpritPos].time;
  std::vector<Operation> failing;
  std::vector<size_t> failingLocals;
  std::vector<char> pending;
  for (size_t i = 0; i < locals.size(); ++i) {
    if (callPos[i] > culpritPos) continue;
    Operation op = locals[i];
    pending.push_back(returnPos[i] > culpritPos);
    if (pending.back()) {
      op.outcome = Outcome::kInfo;
      op.returnTime = cut;
    }
    failing.push_back(std::move(op));
    failingLocals.push_back(i);
  }
  // Smallest window: the first s ops lose their observed results and become
  // optional (each may or may not have taken effect within its interval).
  // Relaxing more never breaks linearizability, so binary search the largest
  // s that still fails.
  auto check = [&](size_t s) {
    std::vector<Operation> h = failing;
    std::vector<char> optional = pending;
    for (size_t j = 0; j < s; ++j) {
      h[j].outcome = Outcome::kInfo;
      optional[j] = 1;
    }
    // A probe may not take much longer than the search that found the
    // violation; one that runs out counts as "passes", which can only make
    // the window larger, never wrong (`fails` moves only on proof).
    Budget probe = budget;
    uint64_t limit = probe.steps + std::max<uint64_t>(kMinProbeSteps, 4 * failed.steps());
    if (probe.maxSteps == 0 || probe.maxSteps > limit) probe.maxSteps = limit;
    Status status = search(h, model, probe, std::move(optional)).status;
    budget.steps = probe.steps;
    budget.peakMemo = probe.peakMemo;
    bool globalLimit = probe.exhausted == Budget::kTimeLimit ||
                       (budget.maxSteps != 0 && budget.steps >= budget.maxSteps);
    if (status == Status::kLimit && !globalLimit) {
      v.windowMinimal = false;
      return Status::kLinearizable;
    }
    budget.exhausted = probe.exhausted;
    return status;
  };
  size_t fails = 0, passes = failing.size();
  while (passes - fails > 1) {
    size_t mid = fails + (passes - fails) / 2;
    Status s = check(mid);
    if (s == Status::kLimit) {
      v.partial = true;
      break;
    }
    (s == Status::kViolation ? fails : passes) = mid;
  }
  for (size_t j = fails; j < failingLocals.size(); ++j) {
    v.window.push_back(group[failingLocals[j]]);
  }
  return v;
}

std::string where(const Operation& op) {
  std::string s = "line " + std::to_string(op.invokeLine);
  if (op.returnLine != 0 && op.returnLine != op.invokeLine) {
    s += "-" + std::to_string(op.returnLine);
  }
  return s;
}

}  // namespace

CheckResult checkLinearizability(const History& history, const Model& model,
                                 const CheckOptions& options) {
  for (const Operation& op : history.operations) model.validate(op);
  // Events no client issued (lease expiry) join the clients' operations.
  std::vector<Operation> internal = model.internalOperations(history.operations);
  std::vector<Operation> combined;
  if (!internal.empty()) {
    combined = history.operations;
    combined.insert(combined.end(), internal.begin(), internal.end());
  }
  const std::vector<Operation>& ops = internal.empty() ? history.operations : combined;
  std::vector<size_t> taking;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (model.takesPart(ops[i])) taking.push_back(i);
  }
  Budget budget;
  if (options.timeoutSeconds > 0) {
    budget.deadline = SearchClock::now() + std::chrono::duration_cast<SearchClock::duration>(
                                         std::chrono::duration<double>(options.timeoutSeconds));
  }
  budget.maxSteps = options.maxSteps;
  budget.memoCap = options.memoCapBytes;

  CheckResult result;
  std::vector<std::vector<size_t>> groups = model.partition(ops, taking);
  result.groups = groups.size();
  for (std::vector<size_t>& group : groups) {  // invocation order, internal ops included
    std::stable_sort(group.begin(), group.end(), [&](size_t a, size_t b) {
      return ops[a].invokeTime < ops[b].invokeTime;
    });
  }
  // Every group gets a slice of steps in turn, the slice doubling each round,
  // so a quick violation anywhere is found before a hard group is finished.
  std::vector<std::vector<Operation>> locals(groups.size());
  std::vector<std::unique_ptr<Search>> searches(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t i : groups[g]) locals[g].push_back(ops[i]);
    searches[g] = std::make_unique<Search>(locals[g], model);
  }
  std::string unknownReason;
  std::optional<size_t> failed;
  size_t open = groups.size();
  for (uint64_t slice = 4096; open > 0 && !failed; slice *= 2) {
    for (size_t g = 0; g < groups.size() && !failed; ++g) {
      if (!searches[g]) continue;
      if (!budget.timeOrStepsLeft()) {
        unknownReason = budget.exhausted;
        open = 0;
        break;
      }
      budget.exhausted.clear();
      std::optional<Status> status = searches[g]->run(budget, slice);
      if (!status) continue;
      --open;
      if (*status == Status::kViolation) {
        failed = g;  // keep its search: the explanation reads its frontier
        break;
      }
      budget.memoInUse -= searches[g]->bytes();
      searches[g].reset();  // decided: free its memo
      if (*status == Status::kLimit && unknownReason.empty()) {
        std::string name = model.groupName(ops, groups[g]);
        unknownReason = budget.exhausted + (name.empty() ? "" : " in " + name);
      }
    }
  }
  for (size_t g = 0; g < searches.size(); ++g) {
    if (searches[g] && g != failed) {
      budget.memoInUse -= searches[g]->bytes();
      searches[g].reset();
    }
  }
  if (failed) {
    const std::vector<size_t>& group = groups[*failed];
    std::string name = model.groupName(ops, group);
    result.verdict = Verdict::kNotLinearizable;
    result.reason = name.empty() ? "no linearization" : name + " has no linearization";
    if (options.explain) {
      // Doom pruning ends configurations before their furthest return, so
      // the frontier the explanation starts from comes from a search of the
      // failing group without it (as costly as before that pruning).
      budget.exhausted.clear();
      budget.memoInUse -= searches[*failed]->bytes();
      searches[*failed] = std::make_unique<Search>(locals[*failed], model, std::vector<char>{},
                                                   /*pruneDoomed=*/false);
      std::optional<Status> full = searches[*failed]->run(budget, 0);
      assert(*full != Status::kLinearizable);  // the pruned search proved a violation
      if (*full == Status::kLimit) {  // the verdict stands, unexplained
        result.violation = Violation{};
        result.violation->group = name;
        result.violation->partial = true;
      } else {
        result.violation = explain(ops, group, locals[*failed], *searches[*failed], model, budget);
      }
      result.violation->internal = std::move(internal);
      const Violation& v = *result.violation;
      if (v.culprit) {
        result.reason += ": " + where(ops[*v.culprit]) + " client " +
                         std::to_string(ops[*v.culprit].client) + " " +
                         model.describe(ops[*v.culprit]) + " cannot be linearized, window of " +
                         std::to_string(v.window.size()) + " ops";
      }
    }
    unknownReason.clear();
  }
  if (result.verdict != Verdict::kNotLinearizable && !unknownReason.empty()) {
    result.verdict = Verdict::kUnknown;
    result.reason = unknownReason;
  }
  result.steps = budget.steps;
  result.peakMemoBytes = budget.peakMemo;
  return result;
}

std::string describeViolation(const Violation& violation, const History& history,
                              const Model& model) {
  auto line = [&](size_t i) {
    size_t n = history.operations.size();
    const Operation& op = i < n ? history.operations[i] : violation.internal.at(i - n);
    std::string who = op.client < 0 ? "(internal)" : "client " + std::to_string(op.client);
    return "  " + where(op) + "  " + who + "  " + model.describe(op) + "\n";
  };
  std::string out = "NOT linearizable" +
                    (violation.group.empty() ? std::string() : " in " + violation.group) + "\n";
  if (violation.culprit) {
    out += "cannot be linearized:\n" + line(*violation.culprit);
  }
  out += "smallest non-linearizable window (" + std::to_string(violation.window.size()) +
         " ops; earlier results ignored" +
         (violation.windowMinimal ? "" : "; a smaller one may exist") + "):\n";
  for (size_t i : violation.window) out += line(i);
  out += "longest linearizable prefix: " + std::to_string(violation.prefix.size()) +
         " ops; one linearization of it (last 10):\n";
  size_t from = violation.linearization.size() > 10 ? violation.linearization.size() - 10 : 0;
  for (size_t k = from; k < violation.linearization.size(); ++k) {
    out += line(violation.linearization[k]);
  }
  if (violation.partial) out += "(explanation cut short by a limit)\n";
  return out;
}

}  // namespace detcd::checkers

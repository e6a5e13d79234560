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

// The history `locals` cut at event position `cut` (eventsOf order, a
// return): the ops invoked before it; those still pending then may or may not
// have taken effect before it, and nothing after it matters, so they become
// optional, unobserved, ending there.
struct Cut {
  std::vector<Operation> ops;
  std::vector<size_t> locals;  // cut op -> its index in locals
  std::vector<char> pending;   // cut op -> was pending at the cut (optional)
};

Cut cutAt(const std::vector<Operation>& locals, const std::vector<Event>& events,
          const std::vector<size_t>& callPos, const std::vector<size_t>& returnPos, size_t cut) {
  Cut c;
  for (size_t i = 0; i < locals.size(); ++i) {
    if (callPos[i] > cut) continue;
    Operation op = locals[i];
    c.pending.push_back(returnPos[i] > cut);
    if (c.pending.back()) {
      op.outcome = Outcome::kInfo;
      op.returnTime = events[cut].time;
    }
    c.ops.push_back(std::move(op));
    c.locals.push_back(i);
  }
  return c;
}

// Runs a search of `ops` on a copy of `budget` capped at `cap` more steps,
// then charges the steps to `budget`. kLimit with `capped` set when the cap
// (not a limit of the whole check) ended it.
SearchResult cappedSearch(const std::vector<Operation>& ops, std::vector<char> optional,
                          const Model& model, Budget& budget, uint64_t cap, bool& capped) {
  Budget probe = budget;
  uint64_t limit = probe.steps + cap;
  if (probe.maxSteps == 0 || probe.maxSteps > limit) probe.maxSteps = limit;
  SearchResult r = search(ops, model, probe, std::move(optional));
  budget.steps = probe.steps;
  budget.peakMemo = probe.peakMemo;
  bool globalLimit = probe.exhausted == Budget::kTimeLimit ||
                     (budget.maxSteps != 0 && budget.steps >= budget.maxSteps);
  capped = r.status == Status::kLimit && !globalLimit;
  if (r.status == Status::kLimit && globalLimit) budget.exhausted = probe.exhausted;
  return r;
}

// Where a violation starts, when the unpruned search (whose frontier says
// it) is hopeless: the first return event at which the history cut there
// (cutAt) has no linearization, found by binary search with pruned searches
// (a cut that is linearizable stays so when cut earlier; the whole history,
// and so its cut at the last return, is known to fail). Sets `frontier`, `order` (a
// linearization of the longest linearizable cut, indices into locals) and
// `exact` (false when a probe ran out of steps: the position given still
// fails, but an earlier one may).
void culpritByCuts(const std::vector<Operation>& locals, const Model& model, Budget& budget,
                   uint64_t cap, int64_t& frontier, std::vector<size_t>& order, bool& exact) {
  std::vector<Event> events = eventsOf(locals);
  std::vector<size_t> callPos(locals.size()), returnPos(locals.size(), events.size());
  std::vector<size_t> returns;
  for (size_t p = 0; p < events.size(); ++p) {
    (events[p].isReturn ? returnPos : callPos)[events[p].op] = p;
    if (events[p].isReturn) returns.push_back(p);
  }
  frontier = static_cast<int64_t>(events.size());
  exact = true;
  size_t lo = 0, hi = returns.size();  // cuts before returns[lo] pass; returns[hi - 1] fails
  while (lo + 1 < hi) {
    size_t mid = lo + (hi - lo - 1) / 2;
    Cut c = cutAt(locals, events, callPos, returnPos, returns[mid]);
    bool capped = false;
    SearchResult r = cappedSearch(c.ops, c.pending, model, budget, cap, capped);
    if (r.status == Status::kLinearizable) {
      lo = mid + 1;
      order.clear();
      for (size_t j : r.order) order.push_back(c.locals[j]);
    } else if (r.status == Status::kViolation) {
      hi = mid + 1;
    } else {
      exact = false;
      if (!capped) break;  // the whole check's limit: keep what is proven
      lo = mid + 1;  // unknown: only a proven failure moves `hi`
    }
  }
  if (!returns.empty()) frontier = static_cast<int64_t>(returns[hi - 1]);
}

// Explains a violation in `group` (whose ops are `locals`): `frontier` is the
// event position of the first return no configuration gets past, `frontierOrder`
// a linearization of what comes before it (indices into locals), `failedSteps`
// the steps of the search that proved it (probes get a multiple of them).
Violation explain(const std::vector<Operation>& all, const std::vector<size_t>& group,
                  const std::vector<Operation>& locals, int64_t frontier,
                  const std::vector<size_t>& frontierOrder, uint64_t failedSteps,
                  const Model& model, Budget& budget) {
  Violation v;
  v.group = model.groupName(all, group);
  std::vector<Event> events = eventsOf(locals);
  size_t culpritPos = static_cast<size_t>(std::max<int64_t>(frontier, 0));
  std::vector<size_t> callPos(locals.size()), returnPos(locals.size(), events.size());
  for (size_t p = 0; p < events.size(); ++p) {
    (events[p].isReturn ? returnPos : callPos)[events[p].op] = p;
  }
  for (size_t i = 0; i < locals.size(); ++i) {
    if (callPos[i] < culpritPos) v.prefix.push_back(group[i]);
  }
  for (size_t j : frontierOrder) v.linearization.push_back(group[j]);
  if (culpritPos >= events.size()) return v;
  size_t culprit = events[culpritPos].op;
  v.culprit = group[culprit];

  Cut cut = cutAt(locals, events, callPos, returnPos, culpritPos);
  const std::vector<Operation>& failing = cut.ops;
  const std::vector<size_t>& failingLocals = cut.locals;
  const std::vector<char>& pending = cut.pending;
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
    bool capped = false;
    Status status = cappedSearch(h, std::move(optional), model, budget,
                                 std::max<uint64_t>(kMinProbeSteps, 4 * failedSteps), capped)
                        .status;
    if (capped) {
      v.windowMinimal = false;
      return Status::kLinearizable;
    }
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
      // Doom, progress and order pruning end configurations before their
      // furthest return, so the frontier the explanation starts from comes
      // from a search of the failing group without them. When that one is
      // hopeless (etcd histories with unknown-outcome writes), it comes from
      // a binary search over cut points with pruned searches instead.
      budget.exhausted.clear();
      uint64_t prunedSteps = searches[*failed]->steps();
      uint64_t cap = std::max<uint64_t>(kMinProbeSteps, 4 * prunedSteps);
      budget.memoInUse -= searches[*failed]->bytes();
      searches[*failed] = std::make_unique<Search>(locals[*failed], model, std::vector<char>{},
                                                   /*pruneDoomed=*/false);
      std::optional<Status> full = searches[*failed]->run(budget, cap);
      assert(full != Status::kLinearizable);  // the pruned search proved a violation
      int64_t frontier = searches[*failed]->frontier();
      std::vector<size_t> order = searches[*failed]->frontierOrder();
      uint64_t failedSteps = searches[*failed]->steps();
      bool exact = true;
      if (!full) {
        budget.memoInUse -= searches[*failed]->bytes();
        searches[*failed].reset();
        culpritByCuts(locals[*failed], model, budget, cap, frontier, order, exact);
        failedSteps = prunedSteps;
      }
      if (full == Status::kLimit || !budget.timeOrStepsLeft()) {
        // the verdict stands, unexplained
        result.violation = Violation{};
        result.violation->group = name;
        result.violation->partial = true;
      } else {
        result.violation = explain(ops, group, locals[*failed], frontier, order, failedSteps,
                                   model, budget);
        result.violation->partial = result.violation->partial || !exact;
      }
      result.violation->internal = std::move(internal);
      const Violation& v = *result.violation;
      if (v.culprit) {
        result.reason += ": " + where(ops[*v.culprit]) + " client " +
                         std::to_string(ops[*v.culprit].client) + " " +
                         model.describe(ops[*v.culprit]) + " cannot be linearized, window of " +
                         std::to_string(v.window.size()) + " ops" +
                         (v.partial ? " (explanation cut short: an earlier completion may "
                                      "already fail)"
                                    : "");
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

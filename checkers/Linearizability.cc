#include "checkers/Linearizability.h"

#include "checkers/FlatMap.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace detcd::checkers {

namespace {

using Clock = std::chrono::steady_clock;

// The limits shared by every search of one check.
struct Budget {
  std::optional<Clock::time_point> deadline;
  uint64_t maxSteps = 0;
  size_t memoCap = 0;     // bytes for all live searches together
  size_t memoInUse = 0;   // bytes the live searches hold now
  uint64_t steps = 0;
  size_t peakMemo = 0;
  std::string exhausted;  // which limit was hit, "" while none

  bool tick() {
    ++steps;
    if (maxSteps != 0 && steps > maxSteps) exhausted = "step limit reached";
    if (deadline && (steps & 1023) == 0 && Clock::now() > *deadline) exhausted = "time limit reached";
    return exhausted.empty();
  }
  bool timeOrStepsLeft() const {
    return exhausted.empty() || exhausted == "memo limit reached";
  }
};

// The memo: the set of (linearized set, state) configurations already
// explored. Open addressing; a slot holds the configuration's 64-bit hash and
// state id (so most probes touch one cache line), and the index of its bitset
// in one arena (at index * words).
class Memo {
 public:
  explicit Memo(size_t words) : words_(words), slots_(1024) {}

  /// Returns 1 if the configuration is new (now recorded), 0 if seen before,
  /// -1 if recording it would exceed `cap` bytes.
  int insert(uint64_t hash, uint32_t state, const std::vector<uint64_t>& bits, size_t cap) {
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    for (; slots_[i].index != 0; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.hash == hash && s.state == state && sameBits(s.index - 1, bits)) return 0;
    }
    if (grownBytes() > cap) return -1;
    arena_.insert(arena_.end(), bits.begin(), bits.end());
    slots_[i] = {hash, state, static_cast<uint32_t>(++size_)};
    if (size_ * 2 > slots_.size()) rehash();
    return 1;
  }

  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t);
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t state = 0;
    uint32_t index = 0;  // entry index + 1, 0 = empty
  };

  bool sameBits(size_t entry, const std::vector<uint64_t>& bits) const {
    const uint64_t* stored = arena_.data() + entry * words_;
    for (size_t w = 0; w < words_; ++w) {
      if (stored[w] != bits[w]) return false;
    }
    return true;
  }

  // The peak footprint of the next insertion: a reallocation holds the old
  // and the new buffer at once.
  size_t grownBytes() const {
    size_t slots = (size_ + 1) * 2 > slots_.size() ? 3 * slots_.size() : slots_.size();
    size_t arena = arena_.size() + words_ > arena_.capacity()
                       ? arena_.capacity() + std::max(2 * arena_.capacity(), arena_.size() + words_)
                       : arena_.capacity();
    return slots * sizeof(Slot) + arena * sizeof(uint64_t);
  }

  void rehash() {
    std::vector<Slot> slots(slots_.size() * 2);
    size_t mask = slots.size() - 1;
    for (const Slot& s : slots_) {
      if (s.index == 0) continue;
      size_t i = s.hash & mask;
      while (slots[i].index != 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    slots_.swap(slots);
  }

  size_t words_;
  std::vector<Slot> slots_;
  std::vector<uint64_t> arena_;
  size_t size_ = 0;
};

enum class Status { kLinearizable, kViolation, kLimit };

struct SearchResult {
  Status status = Status::kLinearizable;
  std::vector<size_t> order;  // indices into the searched ops, in linearization order
};

// Call and return events in time order. At equal times calls come first: the
// two operations are then treated as concurrent, which never rejects a
// history that some tie-break would accept.
struct Event {
  Timestamp time;
  bool isReturn;
  uint32_t op;
};

std::vector<Event> eventsOf(const std::vector<Operation>& ops) {
  std::vector<Event> events;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    events.push_back({ops[i].invokeTime, false, i});
    if (ops[i].returnTime != kNever) events.push_back({ops[i].returnTime, true, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.isReturn != b.isReturn) return !a.isReturn;
    return a.op < b.op;
  });
  return events;
}

// Lowe's just-in-time linearization search over a doubly linked list of
// events (node 0 is the head). At a call, try to linearize the op now: step
// the model, and if the resulting (linearized set, state) is new, lift the op
// out of the list and restart from the head. At a return whose op is not yet
// linearized, undo the latest choice. An op without a return (outcome
// unknown) may be linearized at any point or never: the search succeeds once
// every op with a return is linearized. The search runs in slices so that
// independent groups can be interleaved: a violation in one group is found
// without first finishing a hard but linearizable other group.
class Search {
 public:
  /// `optional` (may be empty) marks ops that need not take effect at all;
  /// if they do, it is within their interval (used to explain violations).
  Search(const std::vector<Operation>& ops, const Model& model,
         std::vector<char> optional = {})
      : ops_(ops), instance_(model.instantiate()),
        words_(((optional.empty() ? 1 : 2) * ops.size() + 63) / 64), bits_(words_, 0),
        zobrist_(2 * ops.size()), memo_(words_), optional_(std::move(optional)),
        callOf_(ops.size()), readOnly_(ops.size()) {
    optional_.resize(ops.size(), 0);
    for (size_t i = 0; i < ops.size(); ++i) readOnly_[i] = model.readOnly(ops[i]);
    std::vector<Event> events = eventsOf(ops);
    nodes_.resize(events.size() + 1);
    std::vector<uint32_t> callNode(ops.size(), kEnd);
    for (uint32_t i = 0; i < events.size(); ++i) {
      Node& n = nodes_[i + 1];
      n.op = events[i].op;
      n.isCall = !events[i].isReturn;
      n.prev = i;
      n.next = i + 2 <= events.size() ? i + 2 : kEnd;
      if (n.isCall) callNode[n.op] = i + 1;
      else nodes_[callNode[n.op]].match = i + 1;
    }
    nodes_[0].next = events.empty() ? kEnd : 1;
    callOf_ = std::move(callNode);
    for (size_t i = 0; i < zobrist_.size(); ++i) zobrist_[i] = mix64(i * 0x2545f4914f6cdd1dULL + 1);
    for (size_t i = 0; i < ops.size(); ++i) {
      remaining_ += mustHappen(i);
    }
    instance_->prepare(ops_);
    state_ = instance_->initialState();
    cur_ = nodes_[0].next;
  }

  /// Runs at most `slice` steps (0 = until decided). Returns kLimit when the
  /// budget ran out, nullopt when the slice ended undecided.
  std::optional<Status> run(Budget& budget, uint64_t slice) {
    size_t others = budget.memoInUse - bytes_;
    size_t cap = budget.memoCap > others ? budget.memoCap - others : 0;
    std::optional<Status> status = loop(budget, slice, cap);
    size_t now = memo_.bytes() + instance_->bytes();
    budget.memoInUse = others + now;
    budget.peakMemo = std::max(budget.peakMemo, budget.memoInUse);
    bytes_ = now;
    return status;
  }

  /// Bytes held, as last reported to the budget (release them when dropping the search).
  size_t bytes() const { return bytes_; }

  /// Steps this search has taken.
  uint64_t steps() const { return steps_; }

  /// After kLinearizable: the ops (indices into `ops`) in linearization order.
  std::vector<size_t> order() const {
    std::vector<size_t> out;
    for (const Choice& c : stack_) {
      if (!c.dropped) out.push_back(nodes_[c.node].op);
    }
    return out;
  }

  /// The furthest point the search reached: the event position (in eventsOf
  /// order) of the latest return at which it had to backtrack, and the
  /// linearization it had then. Every event before that return is explained
  /// by that linearization; after kViolation no configuration gets past it,
  /// so the events before it are the longest linearizable prefix.
  int64_t frontier() const { return frontier_; }
  const std::vector<size_t>& frontierOrder() const { return frontierOrder_; }

 private:
  static constexpr uint32_t kEnd = UINT32_MAX;
  struct Node {
    uint32_t op = 0;
    bool isCall = false;
    uint32_t prev = 0, next = kEnd;
    uint32_t match = kEnd;  // call -> its return node
  };
  struct Choice {
    uint32_t node;  // the op's call node
    uint32_t stateBefore;
    bool dropped = false;  // an optional op passed its return without taking effect
    bool forced = false;   // no alternative to try on backtracking (dropped or read-only)
  };

  // What the memo may use of `cap` bytes next to the model's states and caches.
  size_t memoCap(size_t cap) const {
    size_t model = instance_->bytes();
    return cap > model ? cap - model : 0;
  }

  bool mustHappen(size_t op) const { return ops_[op].returnTime != kNever && !optional_[op]; }

  void unlink(uint32_t i) {
    nodes_[nodes_[i].prev].next = nodes_[i].next;
    if (nodes_[i].next != kEnd) nodes_[nodes_[i].next].prev = nodes_[i].prev;
  }
  void relink(uint32_t i) {
    nodes_[nodes_[i].prev].next = i;
    if (nodes_[i].next != kEnd) nodes_[nodes_[i].next].prev = i;
  }
  // Bit (and Zobrist key) recording that optional op `op` was dropped.
  uint32_t dropBit(uint32_t op) const { return static_cast<uint32_t>(ops_.size()) + op; }

  void toggle(uint32_t op) {
    bits_[op / 64] ^= uint64_t{1} << (op % 64);
    setHash_ ^= zobrist_[op];
  }

  std::optional<Status> loop(Budget& budget, uint64_t slice, size_t cap) {
    for (uint64_t n = 0; remaining_ > 0; ++n) {
      if (slice != 0 && n == slice) return std::nullopt;
      if (!budget.tick()) return Status::kLimit;
      ++steps_;
      if (cur_ != kEnd && nodes_[cur_].isCall) {
        uint32_t op = nodes_[cur_].op;
        uint32_t next = instance_->step(state_, op);
        if (next != kInvalidState) {
          toggle(op);
          int inserted = memo_.insert(setHash_ ^ mix64(next), next, bits_, memoCap(cap));
          if (inserted == 1) {
            // A read-only op that fits now is linearized now, with no
            // alternative tried: any linearization placing it later also
            // works with it here, since it leaves the state as it is.
            stack_.push_back({cur_, state_, false, readOnly_[op] != 0});
            state_ = next;
            unlink(cur_);
            if (nodes_[cur_].match != kEnd) unlink(nodes_[cur_].match);
            remaining_ -= mustHappen(op);
            cur_ = nodes_[0].next;
            continue;
          }
          toggle(op);
          if (inserted < 0) {
            budget.exhausted = "memo limit reached";
            return Status::kLimit;
          }
        }
        cur_ = nodes_[cur_].next;
        continue;
      }
      if (cur_ != kEnd && optional_[nodes_[cur_].op]) {
        // Past its return without taking effect: it never did. Dropping it is
        // forced, but recorded (and memoized, with its own bit) like a choice
        // so that backtracking restores it.
        uint32_t op = nodes_[cur_].op;
        uint32_t call = callOf_[op];
        toggle(dropBit(op));
        int inserted = memo_.insert(setHash_ ^ mix64(state_), state_, bits_, memoCap(cap));
        if (inserted == 1) {
          stack_.push_back({call, state_, true, true});
          unlink(call);
          unlink(cur_);
          cur_ = nodes_[0].next;
          continue;
        }
        toggle(dropBit(op));
        if (inserted < 0) {
          budget.exhausted = "memo limit reached";
          return Status::kLimit;
        }
      }
      // A return of an op not yet linearized (or, defensively, the end): backtrack.
      int64_t pos = cur_ == kEnd ? static_cast<int64_t>(nodes_.size()) - 1 : cur_ - 1;
      if (pos > frontier_) {
        frontier_ = pos;
        frontierOrder_ = order();
      }
      for (;;) {
        if (stack_.empty()) return Status::kViolation;
        Choice c = stack_.back();
        stack_.pop_back();
        uint32_t op = nodes_[c.node].op;
        toggle(c.dropped ? dropBit(op) : op);
        state_ = c.stateBefore;
        if (nodes_[c.node].match != kEnd) relink(nodes_[c.node].match);
        relink(c.node);
        if (!c.dropped) remaining_ += mustHappen(op);
        if (c.forced) continue;  // not a choice: undo the one before it
        cur_ = nodes_[c.node].next;
        break;
      }
    }
    return Status::kLinearizable;
  }

  const std::vector<Operation>& ops_;
  std::unique_ptr<ModelInstance> instance_;
  size_t words_;
  std::vector<uint64_t> bits_;
  std::vector<uint64_t> zobrist_;
  uint64_t setHash_ = 0;
  Memo memo_;
  std::vector<char> optional_;
  std::vector<uint32_t> callOf_;  // op -> its call node
  std::vector<char> readOnly_;
  std::vector<Node> nodes_;
  std::vector<Choice> stack_;
  size_t remaining_ = 0;  // ops with a return that are not linearized yet
  uint32_t state_ = 0;
  uint32_t cur_ = 0;
  size_t bytes_ = 0;
  int64_t frontier_ = -1;
  std::vector<size_t> frontierOrder_;
  uint64_t steps_ = 0;
};

SearchResult search(const std::vector<Operation>& ops, const Model& model, Budget& budget,
                    std::vector<char> optional = {}) {
  Search s(ops, model, std::move(optional));
  SearchResult result;
  result.status = *s.run(budget, 0);
  if (result.status == Status::kLinearizable) result.order = s.order();
  budget.memoInUse -= s.bytes();
  return result;
}

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
    bool globalLimit = probe.exhausted == "time limit reached" ||
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
  const std::vector<Operation>& ops = history.operations;
  std::vector<size_t> taking;
  for (size_t i = 0; i < ops.size(); ++i) {
    model.validate(ops[i]);
    if (model.takesPart(ops[i])) taking.push_back(i);
  }
  Budget budget;
  if (options.timeoutSeconds > 0) {
    budget.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(options.timeoutSeconds));
  }
  budget.maxSteps = options.maxSteps;
  budget.memoCap = options.memoCapBytes;

  CheckResult result;
  std::vector<std::vector<size_t>> groups = model.partition(ops, taking);
  result.groups = groups.size();
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
      budget.exhausted.clear();
      result.violation = explain(ops, group, locals[*failed], *searches[*failed], model, budget);
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
  const std::vector<Operation>& ops = history.operations;
  auto line = [&](size_t i) {
    return "  " + where(ops[i]) + "  client " + std::to_string(ops[i].client) + "  " +
           model.describe(ops[i]) + "\n";
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

#pragma once
// The linearizability search over one group of operations: Wing & Gong's
// algorithm with Lowe's just-in-time linearization and memoization (see
// docs/checkers.md). Internal to checkers/Linearizability.cc.

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/FlatMap.h"
#include "checkers/History.h"
#include "checkers/Memo.h"
#include "checkers/Model.h"

namespace detcd::checkers {

using SearchClock = std::chrono::steady_clock;

/// The limits shared by every search of one check: reaching one ends the
/// search with Status::kLimit and names the limit in `exhausted`.
struct Budget {
  std::optional<SearchClock::time_point> deadline;
  uint64_t maxSteps = 0;
  size_t memoCap = 0;     // bytes for all live searches together
  size_t memoInUse = 0;   // bytes the live searches hold now
  uint64_t steps = 0;
  size_t peakMemo = 0;
  std::string exhausted;  // which limit was hit (one of the k*Limit texts), "" while none

  // The texts of `exhausted`, compared by the check and shown in an unknown verdict.
  static constexpr const char* kTimeLimit = "time limit reached";
  static constexpr const char* kStepLimit = "step limit reached";
  static constexpr const char* kMemoLimit = "memo limit reached";

  /// Counts one step; false once a limit is reached (the clock is read
  /// every 1024 steps).
  bool tick();
  /// False once the time or step limit is reached (a memo limit ends only
  /// the search that hit it).
  bool timeOrStepsLeft() const;
};

/// How a search ended.
enum class Status { kLinearizable, kViolation, kLimit };

/// A whole search's outcome.
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

/// The events of `ops` in time order (ties: calls first, then by op index).
std::vector<Event> eventsOf(const std::vector<Operation>& ops);

/// Lowe's just-in-time linearization search over a doubly linked list of
/// events (node 0 is the head). At a call, try to linearize the op now: step
/// the model, and if the resulting (linearized set, state) is new, lift the op
/// out of the list and restart from the head. At a return whose op is not yet
/// linearized, undo the latest choice. An op without a return (outcome
/// unknown) may be linearized at any point or never: the search succeeds once
/// every op with a return is linearized. The search runs in slices so that
/// independent groups can be interleaved: a violation in one group is found
/// without first finishing a hard but linearizable other group.
class Search {
 public:
  /// `optional` (may be empty) marks ops that need not take effect at all;
  /// if they do, it is within their interval (used to explain violations).
  /// `pruneDoomed` (see doomed(), overdue(), ModelInstance::contradicted and
  /// blocked()) makes verdicts faster but the frontier no longer the furthest
  /// one: a search whose frontier explains a violation runs without it.
  Search(const std::vector<Operation>& ops, const Model& model,
         std::vector<char> optional = {}, bool pruneDoomed = true)
      : ops_(ops), instance_(model.instantiate()), pruneDoomed_(pruneDoomed),
        words_(((optional.empty() ? 1 : 2) * ops.size() + 63) / 64), bits_(words_, 0),
        zobrist_(2 * ops.size()), memo_(words_), optional_(std::move(optional)),
        callOf_(ops.size(), kEnd), readOnly_(ops.size()), twin_(ops.size(), kEnd) {
    optional_.resize(ops.size(), 0);
    for (size_t i = 0; i < ops.size(); ++i) readOnly_[i] = model.readOnly(ops[i]);
    std::vector<Event> events = eventsOf(ops);
    // Each op without a return gets as twin the latest such op called before
    // it with the same effect (calls in event order, so the twin is available
    // whenever the op is).
    std::vector<uint32_t> unreturned;
    for (const Event& e : events) {
      if (e.isReturn || !mayNeverHappen(e.op)) continue;
      for (size_t k = unreturned.size(); k-- > 0;) {
        if (model.sameEffect(ops[unreturned[k]], ops[e.op])) {
          twin_[e.op] = unreturned[k];
          break;
        }
      }
      unreturned.push_back(e.op);
    }
    nodes_.resize(events.size() + 1);
    for (uint32_t i = 0; i < events.size(); ++i) {
      Node& n = nodes_[i + 1];
      n.op = events[i].op;
      n.isCall = !events[i].isReturn;
      n.prev = i;
      n.next = i + 2 <= events.size() ? i + 2 : kEnd;
      if (n.isCall) callOf_[n.op] = i + 1;
      else nodes_[callOf_[n.op]].match = i + 1;
    }
    nodes_[0].next = events.empty() ? kEnd : 1;
    for (size_t i = 0; i < zobrist_.size(); ++i) zobrist_[i] = mix64(i * 0x2545f4914f6cdd1dULL + 1);
    for (size_t i = 0; i < ops.size(); ++i) {
      remaining_ += mustHappen(i);
    }
    instance_->prepare(ops_);
    pruneOverdue_ = pruneDoomed_;
    pruneDoomed_ = pruneDoomed_ && instance_->prunesReads();
    // Ops that must happen with a bounded progress, by bound (then index).
    boundPos_.assign(ops.size(), kEnd);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      if (mustHappen(i) && instance_->progressBound(i) != ModelInstance::kNoBound) {
        byBound_.push_back(i);
      }
    }
    std::stable_sort(byBound_.begin(), byBound_.end(), [&](uint32_t a, uint32_t b) {
      return instance_->progressBound(a) < instance_->progressBound(b);
    });
    for (uint32_t p = 0; p < byBound_.size(); ++p) boundPos_[byBound_[p]] = p;
    boundDone_.assign((byBound_.size() + 63) / 64, 0);
    pruneOverdue_ = pruneOverdue_ && !byBound_.empty();
    blockers_.assign(ops.size(), 0);
    successors_.resize(ops.size());
    for (uint32_t i = 0; i < ops.size(); ++i) {
      for (uint32_t p : instance_->predecessors(i)) {
        if (p == i || !mustHappen(p)) continue;
        successors_[p].push_back(i);
        ++blockers_[i];
        pruneOrder_ = pruneDoomed;
      }
    }
    unseen_.assign(ops.size(), -1);
    watched_.resize(ops.size());
    for (uint32_t i = 0; i < ops.size(); ++i) {
      if (!mayNeverHappen(i)) continue;
      std::optional<std::vector<uint32_t>> observers = instance_->observers(i);
      if (!observers) continue;
      unseen_[i] = 0;
      for (uint32_t o : *observers) {
        if (o == i || !mustHappen(o)) continue;
        watched_[o].push_back(i);
        ++unseen_[i];
      }
    }
    eventPos_.assign(2 * ops.size(), static_cast<uint32_t>(events.size()));
    for (uint32_t i = 0; i < events.size(); ++i) {
      eventPos_[2 * events[i].op + (events[i].isReturn ? 1 : 0)] = i;
    }
    resetters_.resize(ops.size());
    resettersReady_.resize(ops.size(), 0);
    // A read-only op without a return constrains nothing and changes
    // nothing: it is left out of the list (the no-op rule below would skip
    // it at every pass).
    for (uint32_t i = 0; i < ops.size(); ++i) {
      if (readOnly_[i] && mayNeverHappen(i)) unlink(callOf_[i]);
    }
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
  // An op with no return (outcome unknown): it may take effect at any point
  // after its call, or never.
  bool mayNeverHappen(size_t op) const { return ops_[op].returnTime == kNever; }
  // Symmetry reduction: of twins (ops without a return with the same effect)
  // only the earliest not yet linearized is tried. A linearization placing a
  // later twin first becomes one in call order by swapping the two, since the
  // earlier twin is available wherever the later one is and neither has a
  // deadline.
  bool pruned(uint32_t op) const {
    uint32_t t = twin_[op];
    return t != kEnd && (bits_[t / 64] >> (t % 64) & 1) == 0;
  }
  // Doom pruning: a read-only op that must still happen (`op`, called, so
  // every op returning before its call is linearized) is linearized after
  // ops that are unlinearized now and may precede it (resetters_ lists those
  // that reset). The state it sees is thus reached from the current one, or
  // from the state right after a reset (which does not depend on the state
  // before), by ops that do not reset. If canStillFit rules out both, no
  // linearization extends this configuration: backtrack at once instead of
  // at its return. Models whose canStillFit covers ops that change the state
  // (prunesWrites: etcd, whose revision never goes down) prune those too.
  bool doomed(uint32_t op) {
    if (!pruneDoomed_ || !mustHappen(op)) return false;
    if (!readOnly_[op] && !instance_->prunesWrites()) return false;
    if (instance_->canStillFit(state_, op)) return false;
    for (uint32_t r : resettersOf(op)) {
      if ((bits_[r / 64] >> (r % 64) & 1) != 0) continue;
      uint32_t after = instance_->step(state_, r);
      if (after != kInvalidState && instance_->canStillFit(after, op)) return false;
    }
    return true;
  }
  // Progress pruning (ModelInstance::progressBound): true if some op that
  // must happen, is not linearized and is not `except` (the op being
  // linearized) has a bound below the progress of `state`. Progress never
  // falls, so no later state fits that op: a configuration with `state`
  // has no linearization. Depends only on the configuration, so the memo
  // stays exact.
  bool overdue(uint32_t state, uint32_t except) const {
    int64_t progress = instance_->progress(state);
    for (size_t w = 0; w < boundDone_.size(); ++w) {
      for (uint64_t open = ~boundDone_[w]; open != 0; open &= open - 1) {
        size_t pos = w * 64 + static_cast<size_t>(std::countr_zero(open));
        if (pos >= byBound_.size()) return false;
        if (byBound_[pos] != except) return progress > instance_->progressBound(byBound_[pos]);
      }
    }
    return false;
  }
  // Order pruning (ModelInstance::predecessors): `op` waits while a
  // predecessor that must happen is not linearized.
  bool blocked(uint32_t op) const { return pruneOrder_ && blockers_[op] > 0; }
  // Records that `op` was linearized (+1) or undone (-1) for both prunings.
  void account(uint32_t op, int sign) {
    uint32_t p = boundPos_[op];
    if (p != kEnd) boundDone_[p / 64] ^= uint64_t{1} << (p % 64);
    for (uint32_t s : successors_[op]) blockers_[s] -= sign;
    for (uint32_t w : watched_[op]) unseen_[w] -= sign;
  }

  // The ops that reset the state and may be linearized before read-only op
  // `g` once it is called: called before its return, not returned before its
  // call. Computed on first use (only models that prune need them).
  const std::vector<uint32_t>& resettersOf(uint32_t g) {
    if (!resettersReady_[g]) {
      resettersReady_[g] = 1;
      for (uint32_t r = 0; r < ops_.size(); ++r) {
        if (r != g && eventPos_[2 * r] < eventPos_[2 * g + 1] &&
            eventPos_[2 * r + 1] > eventPos_[2 * g] && instance_->resets(r)) {
          resetters_[g].push_back(r);
        }
      }
    }
    return resetters_[g];
  }
  // The first call node, before the first return in the list, of a doomed
  // read-only op; kEnd if none.
  uint32_t doomedCall() {
    for (uint32_t i = nodes_[0].next; i != kEnd && nodes_[i].isCall; i = nodes_[i].next) {
      if (doomed(nodes_[i].op)) return i;
    }
    return kEnd;
  }

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
        uint32_t next = pruned(op) || blocked(op) ? kInvalidState : instance_->step(state_, op);
        // An op without a return that leaves the state as it is need not be
        // linearized now: dropping it from any linearization leaves a valid
        // one, so (set + op, state) succeeds only if (set, state) does.
        if (next == state_ && mayNeverHappen(op)) next = kInvalidState;
        // Likewise when no op that must happen and could tell is left
        // (ModelInstance::observers).
        if (next != kInvalidState && next != state_ &&
            unseen_[op] == 0 && instance_->progress(next) == instance_->progress(state_)) {
          next = kInvalidState;
        }
        if (next != kInvalidState && pruneOverdue_ && next != state_ &&
            (overdue(next, op) || instance_->contradicted(next))) {
          next = kInvalidState;
        }
        if (next != kInvalidState) {
          toggle(op);
          int inserted = memo_.insert(setHash_ ^ mix64(next), next, bits_, memoCap(cap));
          if (inserted == 1) {
            // A read-only op that fits now is linearized now, with no
            // alternative tried: any linearization placing it later also
            // works with it here, since it leaves the state as it is.
            stack_.push_back({cur_, state_, false, readOnly_[op] != 0});
            bool changed = next != state_;
            state_ = next;
            unlink(cur_);
            if (nodes_[cur_].match != kEnd) unlink(nodes_[cur_].match);
            remaining_ -= mustHappen(op);
            account(op, 1);
            cur_ = changed && pruneDoomed_ ? doomedCall() : kEnd;
            if (cur_ == kEnd) {
              cur_ = nodes_[0].next;
              continue;
            }
            // else a called read-only op can no longer fit: backtrack.
          } else {
            toggle(op);
            if (inserted < 0) {
              budget.exhausted = Budget::kMemoLimit;
              return Status::kLimit;
            }
            cur_ = nodes_[cur_].next;
            continue;
          }
        } else if (!doomed(op)) {
          cur_ = nodes_[cur_].next;
          continue;
        }
      } else if (cur_ != kEnd && optional_[nodes_[cur_].op]) {
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
          budget.exhausted = Budget::kMemoLimit;
          return Status::kLimit;
        }
      }
      // A return of an op not yet linearized (or, defensively, the end), or a
      // doomed read-only call: backtrack.
      int64_t pos = cur_ == kEnd ? static_cast<int64_t>(nodes_.size()) - 1 : cur_ - 1;
      if ((cur_ == kEnd || !nodes_[cur_].isCall) && pos > frontier_) {
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
        if (!c.dropped) {
          remaining_ += mustHappen(op);
          account(op, -1);
        }
        if (c.forced) continue;  // not a choice: undo the one before it
        cur_ = nodes_[c.node].next;
        break;
      }
    }
    return Status::kLinearizable;
  }

  const std::vector<Operation>& ops_;
  std::unique_ptr<ModelInstance> instance_;
  bool pruneDoomed_;
  bool pruneOverdue_ = false;  // progress pruning: overdue(), ModelInstance::contradicted
  bool pruneOrder_ = false;    // order pruning, see blocked()
  size_t words_;
  std::vector<uint64_t> bits_;
  std::vector<uint64_t> zobrist_;
  uint64_t setHash_ = 0;
  Memo memo_;
  std::vector<char> optional_;
  std::vector<uint32_t> callOf_;  // op -> its call node
  std::vector<char> readOnly_;
  std::vector<uint32_t> twin_;  // op -> its earlier twin, kEnd if none
  std::vector<uint32_t> eventPos_;  // 2 op: its call's event position, 2 op + 1: its return's
  std::vector<std::vector<uint32_t>> resetters_;  // read-only op -> see resettersOf()
  std::vector<char> resettersReady_;
  std::vector<uint32_t> byBound_;    // ops that must happen with a progress bound, by bound
  std::vector<uint32_t> boundPos_;   // op -> its position in byBound_, kEnd if none
  std::vector<uint64_t> boundDone_;  // bit per byBound_ position: linearized
  std::vector<int32_t> blockers_;    // op -> its unlinearized predecessors that must happen
  std::vector<std::vector<uint32_t>> successors_;  // op -> the ops it is a predecessor of
  // op without a return -> its unlinearized observers, -1 if anyone may observe it
  std::vector<int32_t> unseen_;
  std::vector<std::vector<uint32_t>> watched_;  // op -> the ops it observes
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

/// Runs a whole search of `ops` (optional: ops that need not take effect).
SearchResult search(const std::vector<Operation>& ops, const Model& model, Budget& budget,
                    std::vector<char> optional = {});

}  // namespace detcd::checkers

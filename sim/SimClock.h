#pragma once
// A simulated node's clock: virtual time seen through an offset, a drift rate and steps.

#include <map>

#include "env/Clock.h"
#include "sim/NodeLoop.h"
#include "sim/Scheduler.h"
#include "sim/Trace.h"

namespace detcd::sim {

/// env::Clock for one simulated node. Local time is a piecewise-linear function of global virtual
/// time g: local(g) = anchorLocal + (g - anchorGlobal) * (1 + driftPpm / 1e6). Offset, drift and
/// forward steps change it; every pending timer is re-aimed so that it still fires when *local*
/// time reaches its deadline (as a steady-clock timer does).
///
/// Timers fire through the node's NodeLoop (so they wait while the node is paused or busy) and are
/// all cancelled by cancelAll() when the node crashes. The clock itself (offset, drift) is the
/// machine's and survives crashes.
class SimClock final : public env::Clock {
 public:
  /// `offset`: local time when global time is 0 (may be negative). `driftPpm`: how much faster
  /// (positive) or slower (negative) than virtual time the clock runs, in parts per million,
  /// within (-1e6, 1e6).
  /// Each timer that fires is traced as "timer" of `node` (with trace == nullptr, not at all).
  SimClock(Scheduler& scheduler, NodeLoop& loop, Trace* trace = nullptr, env::NodeId node = 0,
           env::Nanos offset = env::Nanos{0}, double driftPpm = 0.0);
  ~SimClock() override;

  env::Nanos now() const override;
  env::TimerId after(env::Nanos delay, Callback callback) override;
  bool cancel(env::TimerId id) override;

  /// Changes the drift rate from now on. Local time stays continuous.
  void setDrift(double driftPpm);
  double drift() const { return driftPpm_; }

  /// Jumps local time forward by `delta` (>= 0; a monotonic clock never goes back). Timers whose
  /// deadline is passed fire at once.
  void step(env::Nanos delta);

  /// Cancels every pending timer (the process that set them is gone).
  void cancelAll();

  /// Timers set and neither fired nor cancelled.
  std::size_t pending() const { return timers_.size(); }

 private:
  struct Timer {
    env::Nanos deadline;  // local time
    Callback callback;
    EventId event;             // 0 while held by the node loop
    std::uint64_t incarnation;  // of the process that set it
  };
  /// Global time at which local time reaches `local` (rounded up: never fire early).
  env::Nanos globalAt(env::Nanos local) const;
  env::Nanos localAt(env::Nanos global) const;
  void arm(env::TimerId id, Timer& timer);
  void onDue(env::TimerId id);
  void reaimAll();

  Scheduler& scheduler_;
  NodeLoop& loop_;
  Trace* trace_;
  env::NodeId node_;
  env::Nanos anchorGlobal_{0};
  env::Nanos anchorLocal_;
  double driftPpm_;
  env::TimerId nextId_ = 1;
  std::map<env::TimerId, Timer> timers_;  // ordered: re-aiming is deterministic
};

}  // namespace detcd::sim

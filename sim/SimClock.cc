#include "sim/SimClock.h"

#include <cassert>
#include <cmath>

namespace detcd::sim {

SimClock::SimClock(Scheduler& scheduler, NodeLoop& loop, Trace* trace, env::NodeId node,
                   env::Nanos offset, double driftPpm)
    : scheduler_(scheduler),
      loop_(loop),
      trace_(trace),
      node_(node),
      anchorLocal_(offset),
      driftPpm_(driftPpm) {
  assert(driftPpm > -1e6 && driftPpm < 1e6);
}

SimClock::~SimClock() { cancelAll(); }

env::Nanos SimClock::localAt(env::Nanos global) const {
  const double elapsed = static_cast<double>((global - anchorGlobal_).count());
  const double scaled = elapsed * (1.0 + driftPpm_ / 1e6);
  return anchorLocal_ + env::Nanos(static_cast<std::int64_t>(std::floor(scaled)));
}

env::Nanos SimClock::globalAt(env::Nanos local) const {
  if (local <= anchorLocal_) return anchorGlobal_;
  const double elapsed = static_cast<double>((local - anchorLocal_).count());
  auto global = anchorGlobal_ +
                env::Nanos(static_cast<std::int64_t>(std::ceil(elapsed / (1.0 + driftPpm_ / 1e6))));
  // Floating-point rounding must never make a timer fire before its local deadline.
  while (localAt(global) < local) global += env::Nanos{1};
  return global;
}

env::Nanos SimClock::now() const { return localAt(loop_.now()); }

env::TimerId SimClock::after(env::Nanos delay, Callback callback) {
  assert(callback);
  const env::TimerId id = nextId_++;
  Timer& timer = timers_[id];
  timer.deadline = now() + std::max(delay, env::Nanos{0});
  timer.callback = std::move(callback);
  arm(id, timer);
  return id;
}

void SimClock::arm(env::TimerId id, Timer& timer) {
  // A timer set inside a handler is measured from the handler's own time (after its I/O), but
  // can be scheduled no earlier than the scheduler's present.
  const env::Nanos when = std::max(globalAt(timer.deadline), scheduler_.now());
  timer.incarnation = loop_.incarnation();
  timer.event = scheduler_.at(when, [this, id] { onDue(id); });
}

void SimClock::onDue(env::TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  const std::uint64_t incarnation = it->second.incarnation;
  it->second.event = 0;
  switch (loop_.admit(incarnation)) {
    case NodeLoop::Admission::kRun: {
      Callback callback = std::move(it->second.callback);
      timers_.erase(it);
      if (trace_ != nullptr) trace_->record(scheduler_.now(), node_, "timer", {{"id", id}});
      loop_.runHandler(callback);
      break;
    }
    case NodeLoop::Admission::kWait:
      loop_.defer([this, id] { onDue(id); });
      break;
    case NodeLoop::Admission::kDrop:
      timers_.erase(it);
      break;
  }
}

bool SimClock::cancel(env::TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  if (it->second.event != 0) scheduler_.cancel(it->second.event);
  timers_.erase(it);
  return true;
}

void SimClock::cancelAll() {
  for (auto& [id, timer] : timers_) {
    if (timer.event != 0) scheduler_.cancel(timer.event);
  }
  timers_.clear();
}

void SimClock::reaimAll() {
  for (auto& [id, timer] : timers_) {
    if (timer.event == 0) continue;  // held by a paused or busy node; it fires when released
    scheduler_.cancel(timer.event);
    arm(id, timer);
  }
}

void SimClock::setDrift(double driftPpm) {
  assert(driftPpm > -1e6 && driftPpm < 1e6);
  const env::Nanos g = scheduler_.now();
  anchorLocal_ = localAt(g);
  anchorGlobal_ = g;
  driftPpm_ = driftPpm;
  reaimAll();
}

void SimClock::step(env::Nanos delta) {
  assert(delta >= env::Nanos{0} && "a monotonic clock never steps back");
  const env::Nanos g = scheduler_.now();
  anchorLocal_ = localAt(g) + delta;
  anchorGlobal_ = g;
  reaimAll();
}

}  // namespace detcd::sim

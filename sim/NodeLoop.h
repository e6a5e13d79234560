#pragma once
// One simulated node's event loop: when an event that is due may run on the node.

#include <cstdint>
#include <deque>
#include <functional>

#include "env/Time.h"
#include "sim/Scheduler.h"

namespace detcd::sim {

/// The lifecycle state of a simulated node.
enum class NodeState {
  kDown,     ///< not running: crashed or never started; its events are dropped
  kRunning,  ///< handling events
  kPaused,   ///< alive but frozen (SIGSTOP, a long GC): events wait until resume
};

/// Serialises a node's events the way one real event loop would, on the shared Scheduler.
///
/// - A handler runs only while the node is running; each runs to completion before the next.
/// - Time passes inside a handler only through charge() (simulated I/O latency: a synchronous
///   fsync blocks the loop). now() seen by the node advances by each charge, and the node is busy
///   until the handler's end: an event due earlier waits, in order, until then.
/// - While paused, due events are held in order and re-scheduled at resume (messages to a paused
///   node arrive late; its timers fire late).
/// - crash() starts a new incarnation: every event of an earlier incarnation is dropped.
class NodeLoop {
 public:
  explicit NodeLoop(Scheduler& scheduler) : scheduler_(scheduler) {}

  NodeState state() const { return state_; }

  /// Global virtual time as this node experiences it: inside a handler, the handler's start plus
  /// the I/O charged so far; otherwise the scheduler's time.
  env::Nanos now() const { return inHandler_ ? cursor_ : scheduler_.now(); }

  /// Adds `cost` of blocking work (disk latency) to the running handler. Outside a handler the
  /// cost is ignored: no node is waiting for it.
  void charge(env::Nanos cost) {
    if (inHandler_) cursor_ += cost;
  }

  /// The incarnation events should be tagged with; it changes at every crash.
  std::uint64_t incarnation() const { return incarnation_; }

  /// What to do with an event of `incarnation` that is due now.
  enum class Admission {
    kRun,   ///< run it now, with runHandler()
    kWait,  ///< the node is busy or paused: hand a retry to defer()
    kDrop,  ///< the node is down or the event is from an earlier incarnation
  };
  Admission admit(std::uint64_t incarnation) const;

  /// Arranges for `retry` to be called when the node can run events again: at the end of its
  /// busy period (re-scheduled) or at resume (held, in order). Only after admit() said kWait.
  void defer(std::function<void()> retry);

  /// Runs `body` as one handler of the node, starting no earlier than its busy period ends.
  /// The node must be running and not inside another handler (handlers never nest).
  void runHandler(const std::function<void()>& body);

  /// Down -> running.
  void start();
  /// Any -> down; a new incarnation; held events are dropped.
  void crash();
  /// Running -> paused.
  void pause();
  /// Paused -> running; held events are re-scheduled now, in the order they were held.
  void resume();

 private:
  Scheduler& scheduler_;
  NodeState state_ = NodeState::kDown;
  std::uint64_t incarnation_ = 1;
  bool inHandler_ = false;
  env::Nanos cursor_{0};
  env::Nanos busyUntil_{0};
  std::deque<std::function<void()>> held_;
};

}  // namespace detcd::sim

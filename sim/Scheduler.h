#pragma once
// The simulator's single source of time: a queue of events on one virtual clock.

#include <cstdint>
#include <functional>
#include <vector>

#include "env/Time.h"

namespace detcd::sim {

/// Identifies a scheduled event; 0 is never valid.
using EventId = std::uint64_t;

/// Discrete-event scheduler over virtual time in nanoseconds, starting at 0.
///
/// Invariants:
/// - now() never decreases; an event fires exactly at its time (now() == its time while it runs).
/// - Events fire in (time, order of scheduling) order: equal times fire first-scheduled first,
///   so a run is a pure function of what was scheduled (no hash, pointer or clock decides order).
/// - A cancelled event never fires. Cancelling costs O(1); its queue entry is skipped when popped.
/// Single-threaded, like everything under the simulator.
class Scheduler {
 public:
  using Callback = std::function<void()>;

  env::Nanos now() const { return now_; }

  /// Schedules `callback` at absolute virtual time `when`, which must not be in the past.
  EventId at(env::Nanos when, Callback callback);

  /// Schedules `callback` `delay` (>= 0) from now.
  EventId after(env::Nanos delay, Callback callback) { return at(now_ + delay, std::move(callback)); }

  /// Cancels a pending event. Returns false when it already fired or was cancelled.
  bool cancel(EventId id);

  /// Fires the next event, advancing now() to its time. Returns false when none is pending.
  bool step();

  /// Fires every event due at or before `deadline`, then sets now() to `deadline` (if later).
  void runUntil(env::Nanos deadline);

  /// Fires events until `done()` is true (checked before each event) or the next event is after
  /// `deadline`. Returns whether `done()` became true. now() stays at the last fired event.
  bool runUntil(const std::function<bool()>& done, env::Nanos deadline);

  /// Events scheduled and neither fired nor cancelled.
  std::size_t pending() const { return pending_; }

  /// Events fired since construction.
  std::uint64_t fired() const { return fired_; }

  /// The time of the next pending event, or env::Nanos::max() when there is none.
  env::Nanos nextEventTime();

 private:
  struct Entry {
    env::Nanos time;
    std::uint64_t order;  // global scheduling order: the deterministic tie-break
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    Callback callback;
    std::uint32_t generation = 0;
    bool live = false;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time > b.time : a.order > b.order;
  }
  /// Drops cancelled entries from the top of the heap.
  void skipCancelled();

  env::Nanos now_{0};
  std::uint64_t nextOrder_ = 0;
  std::size_t pending_ = 0;
  std::uint64_t fired_ = 0;
  std::vector<Entry> heap_;  // binary min-heap by (time, order)
  std::vector<Slot> slots_;  // callbacks, reused through freeSlots_
  std::vector<std::uint32_t> freeSlots_;
};

}  // namespace detcd::sim

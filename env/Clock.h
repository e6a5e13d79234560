#pragma once
// The clock seam: monotonic time and one-shot timers for one node.

#include <cstdint>
#include <functional>

#include "env/Time.h"

namespace detcd::env {

/// Identifies a pending timer of one Clock. 0 is never a valid id.
using TimerId = std::uint64_t;

/// A node's monotonic clock and its timers.
///
/// Contract (both implementations):
/// - now() never decreases.
/// - A timer set with after(d, cb) fires no earlier than now() + d as this clock measures it, on the
///   node's single event loop, never inside the call to after() itself.
/// - Timers with equal deadlines fire in the order they were set.
/// - cancel() of a timer that already fired or was cancelled is a harmless no-op returning false.
/// - Callbacks run one at a time; they may set and cancel timers.
class Clock {
 public:
  using Callback = std::function<void()>;

  virtual ~Clock() = default;

  /// Nanoseconds since this clock's epoch (creation for the real clock, a configured offset for a
  /// simulated one).
  virtual Nanos now() const = 0;

  /// Calls `callback` once, `delay` (>= 0 ns) from now on this clock. Returns an id for cancel().
  virtual TimerId after(Nanos delay, Callback callback) = 0;

  /// Cancels a pending timer. Returns true when it was pending and will now never fire.
  virtual bool cancel(TimerId id) = 0;
};

}  // namespace detcd::env

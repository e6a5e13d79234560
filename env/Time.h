#pragma once
// Time as every detcd component sees it.

#include <chrono>
#include <cstdint>

namespace detcd::env {

/// A duration or a point on a monotonic clock, in nanoseconds. Under the simulator this is virtual
/// time; in the real binary it is std::chrono::steady_clock time since the clock was created.
/// Points on two different clocks are not comparable (each node has its own clock).
using Nanos = std::chrono::nanoseconds;

using std::chrono_literals::operator""ns;
using std::chrono_literals::operator""us;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

}  // namespace detcd::env

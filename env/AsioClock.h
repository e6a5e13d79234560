#pragma once
// The real Clock: std::chrono::steady_clock time and Boost.Asio steady timers (a zero or
// negative delay is a post into the loop).

#include <map>
#include <memory>

#include "env/Clock.h"

namespace boost::asio {
class io_context;
}

namespace detcd::env {

/// A Clock whose timers run as handlers of one Boost.Asio io_context (the node's event loop).
/// now() is steady_clock time since construction. Not thread-safe: use it from the io_context's
/// thread only, as the whole node is single-threaded (DESIGN.md, "One node = one event loop").
class AsioClock final : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io);
  ~AsioClock() override;
  AsioClock(const AsioClock&) = delete;
  AsioClock& operator=(const AsioClock&) = delete;

  Nanos now() const override;
  TimerId after(Nanos delay, Callback callback) override;
  bool cancel(TimerId id) override;

  /// Timers set and neither fired nor cancelled.
  std::size_t pending() const;

 private:
  struct Impl;
  /// Shared with the timers' handlers (as weak references): a handler that Asio had already
  /// queued when its timer was cancelled, or its clock destroyed, finds that out and does nothing.
  std::shared_ptr<Impl> impl_;
};

}  // namespace detcd::env

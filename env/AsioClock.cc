#include "env/AsioClock.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace detcd::env {

struct AsioClock::Impl {
  explicit Impl(boost::asio::io_context& ioContext) : io(ioContext) {}
  boost::asio::io_context& io;
  std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
  TimerId nextId = 1;
  // Ordered by id, which is the order timers were set: equal deadlines fire in that order because
  // Asio runs expired timers in the order their waits were started. A zero-delay timer has no
  // steady_timer (nullptr): it is posted.
  std::map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers;
};

AsioClock::AsioClock(boost::asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

AsioClock::~AsioClock() = default;

Nanos AsioClock::now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now() - impl_->epoch);
}

TimerId AsioClock::after(Nanos delay, Callback callback) {
  const TimerId id = impl_->nextId++;
  // The handler: a timer's absence from `timers` tells that it was cancelled. (An expired timer's
  // handler may already be queued when cancel() or the clock's destruction comes: Asio then runs
  // it with success.)
  auto fire = [weak = std::weak_ptr<Impl>(impl_), id, cb = std::move(callback)]() {
    const std::shared_ptr<Impl> impl = weak.lock();
    if (!impl || impl->timers.erase(id) == 0) return;
    cb();
  };
  if (delay <= Nanos::zero()) {
    // Due now: queued behind the handlers already due, without arming a kernel timer (a
    // timerfd_settime each way, the node's zero-delay Ready pump sets one every turn).
    impl_->timers.emplace(id, nullptr);
    boost::asio::post(impl_->io, std::move(fire));
    return id;
  }
  auto timer = std::make_unique<boost::asio::steady_timer>(impl_->io);
  timer->expires_after(delay);
  timer->async_wait([fire = std::move(fire)](const boost::system::error_code& ec) mutable {
    if (!ec) fire();  // else cancelled: the timer object may already be gone
  });
  impl_->timers.emplace(id, std::move(timer));
  return id;
}

bool AsioClock::cancel(TimerId id) {
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) return false;
  if (it->second) it->second->cancel();
  impl_->timers.erase(it);
  return true;
}

std::size_t AsioClock::pending() const { return impl_->timers.size(); }

}  // namespace detcd::env

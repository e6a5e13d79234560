// The real Clock: timers fire in deadline order on the io_context, cancel works, now() is monotonic.
#include "env/AsioClock.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

namespace detcd::env {
namespace {

TEST(AsioClockTest, TimersFireInDeadlineOrderAndCancelled) {
  boost::asio::io_context io;
  AsioClock clock(io);
  std::vector<int> fired;
  const Nanos start = clock.now();  // before arming: the 3 ms count from here at the latest
  clock.after(3ms, [&] { fired.push_back(3); });
  clock.after(1ms, [&] { fired.push_back(1); });
  const TimerId cancelled = clock.after(2ms, [&] { fired.push_back(2); });
  EXPECT_EQ(clock.pending(), 3u);
  EXPECT_TRUE(clock.cancel(cancelled));
  EXPECT_FALSE(clock.cancel(cancelled));
  io.run();
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_GE(clock.now() - start, 3ms);  // a lower bound only: never assert wall-clock speed
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(AsioClockTest, CallbackMaySetTimers) {
  boost::asio::io_context io;
  AsioClock clock(io);
  int count = 0;
  std::function<void()> again = [&] {
    if (++count < 3) clock.after(0ns, again);
  };
  clock.after(0ns, again);
  io.run();
  EXPECT_EQ(count, 3);
}

TEST(AsioClockTest, CancelWinsOverAnExpiryAlreadyQueued) {
  // Both timers expire before the loop runs, so Asio queues both completions at once; the
  // first cancels the second, whose callback must then never run (Clock's cancel contract).
  boost::asio::io_context io;
  AsioClock clock(io);
  bool secondFired = false;
  TimerId second = 0;
  bool cancelled = false;
  clock.after(1ms, [&] { cancelled = clock.cancel(second); });
  second = clock.after(1ms, [&] { secondFired = true; });
  std::this_thread::sleep_for(5ms);
  io.run();
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(secondFired);
}

TEST(AsioClockTest, ZeroDelayTimersRunInOrderAndCanBeCancelled) {
  boost::asio::io_context io;
  AsioClock clock(io);
  std::vector<int> fired;
  clock.after(0ns, [&] { fired.push_back(1); });
  const TimerId cancelled = clock.after(0ns, [&] { fired.push_back(2); });
  clock.after(-1ms, [&] { fired.push_back(3); });  // in the past: due now
  EXPECT_EQ(clock.pending(), 3u);
  EXPECT_TRUE(clock.cancel(cancelled));
  EXPECT_FALSE(clock.cancel(cancelled));
  io.run();
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(AsioClockTest, DestroyedClockCancelsItsZeroDelayTimers) {
  boost::asio::io_context io;
  bool fired = false;
  {
    AsioClock clock(io);
    clock.after(0ns, [&] { fired = true; });
  }
  io.run();
  EXPECT_FALSE(fired);
}

TEST(AsioClockTest, DestroyedClockCancelsItsTimers) {
  boost::asio::io_context io;
  bool fired = false;
  {
    AsioClock clock(io);
    clock.after(1ms, [&] { fired = true; });
  }
  io.run();
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace detcd::env

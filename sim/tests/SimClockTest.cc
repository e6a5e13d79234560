// Per-node clocks: offset, drift and steps, with timers aimed at local deadlines.
#include "sim/SimClock.h"

#include <gtest/gtest.h>

namespace detcd::sim {
namespace {

using namespace std::chrono_literals;
using env::Nanos;

class SimClockTest : public ::testing::Test {
 protected:
  SimClockTest() { loop_.start(); }
  Scheduler scheduler_;
  NodeLoop loop_{scheduler_};
};

TEST_F(SimClockTest, OffsetShiftsLocalTime) {
  SimClock clock(scheduler_, loop_, nullptr, 1, 5s);
  EXPECT_EQ(clock.now(), 5s);
  scheduler_.runUntil(1s);
  EXPECT_EQ(clock.now(), 6s);
}

TEST_F(SimClockTest, TimersFireAtLocalDeadlinesInSetOrder) {
  SimClock clock(scheduler_, loop_);
  std::vector<int> fired;
  clock.after(10ms, [&] { fired.push_back(1); });
  clock.after(10ms, [&] { fired.push_back(2); });
  clock.after(5ms, [&] { fired.push_back(0); });
  scheduler_.runUntil(9ms);
  EXPECT_EQ(fired, (std::vector<int>{0}));
  scheduler_.runUntil(10ms);
  EXPECT_EQ(fired, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(SimClockTest, FastClockFiresEarlierInVirtualTime) {
  SimClock fast(scheduler_, loop_, nullptr, 1, 0s, 100'000);  // +10%
  Nanos firedAt{-1};
  fast.after(1s, [&] { firedAt = scheduler_.now(); });
  scheduler_.runUntil(2s);
  EXPECT_GE(firedAt, 909'090'909ns);
  EXPECT_LE(firedAt, 909'090'910ns);
  EXPECT_GE(fast.now(), 2200ms - 1ns);
}

TEST_F(SimClockTest, SlowClockNeverFiresEarlyByItsOwnReading) {
  SimClock slow(scheduler_, loop_, nullptr, 1, 0s, -250'000);  // -25%
  Nanos localAtFire{-1};
  slow.after(3ms, [&] { localAtFire = slow.now(); });
  scheduler_.runUntil(1s);
  EXPECT_GE(localAtFire, 3ms);
  EXPECT_LE(localAtFire, 3ms + 1ns);
}

TEST_F(SimClockTest, DriftChangeReaimsPendingTimers) {
  SimClock clock(scheduler_, loop_);
  Nanos firedAt{-1};
  clock.after(2s, [&] { firedAt = scheduler_.now(); });
  scheduler_.runUntil(1s);
  clock.setDrift(1'000'000 - 1);  // now almost twice as fast: 1 local second left takes ~0.5s
  scheduler_.runUntil(3s);
  EXPECT_NEAR(static_cast<double>(firedAt.count()), 1.5e9, 1e3);
  EXPECT_EQ(clock.drift(), 999'999.0);
}

TEST_F(SimClockTest, ForwardStepFiresPassedTimersAtOnce) {
  SimClock clock(scheduler_, loop_);
  std::vector<int> fired;
  clock.after(10s, [&] { fired.push_back(10); });
  clock.after(20s, [&] { fired.push_back(20); });
  scheduler_.runUntil(1s);
  clock.step(12s);
  EXPECT_EQ(clock.now(), 13s);
  scheduler_.runUntil(1s);
  EXPECT_EQ(fired, (std::vector<int>{10}));
  scheduler_.runUntil(8s);
  EXPECT_EQ(fired, (std::vector<int>{10, 20}));
}

TEST_F(SimClockTest, CancelAndCancelAll) {
  SimClock clock(scheduler_, loop_);
  int fired = 0;
  const auto id = clock.after(1ms, [&] { ++fired; });
  clock.after(2ms, [&] { ++fired; });
  EXPECT_TRUE(clock.cancel(id));
  EXPECT_FALSE(clock.cancel(id));
  clock.cancelAll();
  EXPECT_EQ(clock.pending(), 0u);
  scheduler_.runUntil(1s);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(SimClockTest, NowIsMonotonicUnderDriftChanges) {
  SimClock clock(scheduler_, loop_);
  Nanos last = clock.now();
  for (int i = 0; i < 100; ++i) {
    scheduler_.runUntil(scheduler_.now() + 7ms);
    clock.setDrift((i % 7 - 3) * 100'000.0);
    EXPECT_GE(clock.now(), last);
    last = clock.now();
  }
}

}  // namespace
}  // namespace detcd::sim

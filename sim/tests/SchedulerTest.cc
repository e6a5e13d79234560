// The scheduler: time order, first-scheduled-first at equal times, cancel, run-until.
#include "sim/Scheduler.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace detcd::sim {
namespace {

using env::Nanos;

TEST(SchedulerTest, FiresInTimeOrderAndAdvancesTime) {
  Scheduler s;
  std::vector<std::pair<int, Nanos>> fired;
  s.at(Nanos{30}, [&] { fired.push_back({3, s.now()}); });
  s.at(Nanos{10}, [&] { fired.push_back({1, s.now()}); });
  s.after(Nanos{20}, [&] { fired.push_back({2, s.now()}); });
  EXPECT_EQ(s.pending(), 3u);
  while (s.step()) {
  }
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], std::make_pair(1, Nanos{10}));
  EXPECT_EQ(fired[1], std::make_pair(2, Nanos{20}));
  EXPECT_EQ(fired[2], std::make_pair(3, Nanos{30}));
  EXPECT_EQ(s.fired(), 3u);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(SchedulerTest, EqualTimesFireInSchedulingOrder) {
  Scheduler s;
  std::vector<int> fired;
  for (int i = 0; i < 100; ++i) s.at(Nanos{5}, [&, i] { fired.push_back(i); });
  s.runUntil(Nanos{5});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(fired[static_cast<std::size_t>(i)], i);
}

TEST(SchedulerTest, CancelledEventsNeverFire) {
  Scheduler s;
  int fired = 0;
  const EventId a = s.at(Nanos{1}, [&] { ++fired; });
  const EventId b = s.at(Nanos{2}, [&] { fired += 10; });
  EXPECT_TRUE(s.cancel(a));
  EXPECT_FALSE(s.cancel(a));
  EXPECT_EQ(s.pending(), 1u);
  s.runUntil(Nanos{100});
  EXPECT_EQ(fired, 10);
  EXPECT_FALSE(s.cancel(b));  // already fired
  EXPECT_EQ(s.now(), Nanos{100});
}

TEST(SchedulerTest, StaleIdDoesNotCancelAReusedSlot) {
  Scheduler s;
  const EventId old = s.at(Nanos{1}, [] {});
  s.step();
  int fired = 0;
  s.at(Nanos{2}, [&] { ++fired; });  // reuses the slot
  EXPECT_FALSE(s.cancel(old));
  s.step();
  EXPECT_EQ(fired, 1);
}

TEST(SchedulerTest, EventsMayScheduleAndCancelEvents) {
  Scheduler s;
  std::vector<int> fired;
  EventId victim = 0;
  s.at(Nanos{1}, [&] {
    fired.push_back(1);
    s.after(Nanos{0}, [&] { fired.push_back(2); });  // same time, later order
    s.cancel(victim);
  });
  victim = s.at(Nanos{3}, [&] { fired.push_back(3); });
  s.runUntil(Nanos{10});
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(SchedulerTest, RunUntilPredicate) {
  Scheduler s;
  int count = 0;
  for (int i = 1; i <= 10; ++i) s.at(Nanos{i}, [&] { ++count; });
  EXPECT_TRUE(s.runUntil([&] { return count == 4; }, Nanos{100}));
  EXPECT_EQ(s.now(), Nanos{4});
  EXPECT_FALSE(s.runUntil([&] { return count == 100; }, Nanos{7}));
  EXPECT_EQ(count, 7);
  EXPECT_EQ(s.nextEventTime(), Nanos{8});
}

RC_GTEST_PROP(SchedulerProperty, FiresEverythingNotCancelledInTimeThenOrder,
              (std::vector<std::uint8_t> times, std::vector<bool> cancels)) {
  Scheduler s;
  std::vector<std::pair<Nanos, std::size_t>> fired;
  std::vector<EventId> ids;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const Nanos t{times[i]};
    ids.push_back(s.at(t, [&, t, i] { fired.push_back({t, i}); }));
  }
  std::vector<std::pair<Nanos, std::size_t>> expected;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (i < cancels.size() && cancels[i]) {
      s.cancel(ids[i]);
    } else {
      expected.push_back({Nanos{times[i]}, i});
    }
  }
  std::sort(expected.begin(), expected.end());
  s.runUntil(Nanos{1000});
  RC_ASSERT(fired == expected);
}

}  // namespace
}  // namespace detcd::sim

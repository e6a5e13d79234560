// Waits: every registered request is answered exactly once — by trigger, by its timeout, or by
// triggerAll — and never after the Waits is gone.

#include "server/Waits.h"

#include <gtest/gtest.h>

#include "sim/NodeLoop.h"
#include "sim/Scheduler.h"
#include "sim/SimClock.h"

namespace detcd::server {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  sim::Scheduler scheduler;
  sim::NodeLoop loop{scheduler};
  sim::SimClock clock{scheduler, loop};
  Fixture() { loop.start(); }
};

TEST(WaitsTest, TriggerTimeoutAndTriggerAllAnswerOnce) {
  Fixture f;
  std::map<std::uint64_t, std::vector<std::string>> answers;
  auto record = [&](std::uint64_t id) {
    return [&answers, id](const mvcc::Status& st, const google::protobuf::Message*) {
      answers[id].push_back(st.ok() ? "ok" : st.message);
    };
  };
  {
    Waits w(f.clock);
    const mvcc::Status timeout{mvcc::StatusCode::kUnavailable, "timed out"};
    w.add(1, 1s, timeout, record(1));
    w.add(2, 1s, timeout, record(2));
    w.add(3, 5s, timeout, record(3));
    w.add(4, 5s, timeout, record(4));
    EXPECT_TRUE(w.trigger(1, {}));
    EXPECT_FALSE(w.trigger(1, {}));
    f.scheduler.runUntil(2s);
    EXPECT_FALSE(w.contains(2));
    w.triggerAll({mvcc::StatusCode::kUnavailable, "stopped"});
    EXPECT_EQ(w.size(), 0u);
    w.add(5, 1s, timeout, record(5));
  }
  f.scheduler.runUntil(10s);  // 5 was pending when the Waits went away: never answered
  EXPECT_EQ(answers[1], std::vector<std::string>{"ok"});
  EXPECT_EQ(answers[2], std::vector<std::string>{"timed out"});
  EXPECT_EQ(answers[3], std::vector<std::string>{"stopped"});
  EXPECT_EQ(answers[4], std::vector<std::string>{"stopped"});
  EXPECT_TRUE(answers[5].empty());
}

TEST(WaitsTest, EachRequestTimesOutAtItsOwnDeadlineWhateverTheOrderOfRegistration) {
  Fixture f;
  std::vector<std::pair<std::uint64_t, env::Nanos>> timedOut;  // (id, when)
  Waits w(f.clock);
  const mvcc::Status timeout{mvcc::StatusCode::kUnavailable, "timed out"};
  auto add = [&](std::uint64_t id, env::Nanos after) {
    w.add(id, after, timeout, [&, id](const mvcc::Status& st, const google::protobuf::Message*) {
      if (st.message == "timed out") timedOut.emplace_back(id, f.clock.now());
    });
  };
  add(1, 5s);
  add(2, 1s);  // earlier than the timer set for 1: it is set again
  add(3, 3s);
  add(4, 3s);
  EXPECT_TRUE(w.trigger(2, {}));  // the timer set for it fires for nothing, then for 3 and 4
  f.scheduler.runUntil(2900ms);
  EXPECT_TRUE(timedOut.empty());
  add(5, 100ms);  // due at 3 s too, after 3 and 4 by ID
  f.scheduler.runUntil(10s);
  const std::vector<std::pair<std::uint64_t, env::Nanos>> expected{
      {3, 3s}, {4, 3s}, {5, 3s}, {1, 5s}};
  EXPECT_EQ(timedOut, expected);
  EXPECT_EQ(w.size(), 0u);
}

TEST(WaitsTest, ATimeoutMayRegisterAnotherRequest) {
  Fixture f;
  Waits w(f.clock);
  const mvcc::Status timeout{mvcc::StatusCode::kUnavailable, "timed out"};
  std::vector<env::Nanos> fired;
  std::function<void(const mvcc::Status&, const google::protobuf::Message*)> again =
      [&](const mvcc::Status&, const google::protobuf::Message*) {
        fired.push_back(f.clock.now());
        if (fired.size() < 3) w.add(fired.size() + 1, 1s, timeout, again);
      };
  w.add(1, 1s, timeout, again);
  f.scheduler.runUntil(10s);
  EXPECT_EQ(fired, (std::vector<env::Nanos>{1s, 2s, 3s}));
}

}  // namespace
}  // namespace detcd::server

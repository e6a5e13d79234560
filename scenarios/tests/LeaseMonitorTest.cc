#include "scenarios/LeaseMonitor.h"

#include <gtest/gtest.h>

#include "scenarios/Scenario.h"

namespace detcd::scenarios {
namespace {

using env::Nanos;

constexpr int64_t kSecond = 1'000'000'000;

// Lease 7 (TTL 5 s) granted at 1 s, kept alive at 3 s (ok) and at 6 s (no answer).
checkers::History history() {
  return checkers::parseHistory(
      R"({"type":"invoke","client":1,"time":1000000000,"op":"lease_grant","ttl":5}
{"type":"ok","client":1,"time":1100000000,"header":{"revision":1},"id":7,"ttl":5}
{"type":"invoke","client":1,"time":3000000000,"op":"lease_keepalive","id":7}
{"type":"ok","client":1,"time":3100000000,"header":{"revision":1},"id":7,"ttl":5}
{"type":"invoke","client":1,"time":6000000000,"op":"lease_keepalive","id":7}
{"type":"info","client":1,"time":8000000000,"error":"etcdserver: request timed out"}
{"type":"invoke","client":2,"time":1000000000,"op":"lease_grant","ttl":5}
{"type":"ok","client":2,"time":1100000000,"header":{"revision":1},"id":8,"ttl":5}
{"type":"invoke","client":2,"time":2000000000,"op":"lease_keepalive","id":8}
{"type":"fail","client":2,"time":2100000000,"error":"etcdserver: requested lease not found"}
)",
      checkers::Format::kDetcd);
}

void expire(LeaseMonitor& m, int64_t t, env::NodeId node, int64_t lease) {
  m.observe(Nanos(t), node, "lease-expire", {{"lease", lease}});
}

TEST(LeaseMonitorTest, AcceptsExpiriesAfterTheLastRenewalPlusTtl) {
  LeaseMonitor m;
  expire(m, 8 * kSecond, 1, 7);       // 3 s + 5 s
  expire(m, 6 * kSecond + 1, 1, 8);   // grant at 1 s + 5 s
  expire(m, 1 * kSecond, 2, 99);      // a lease no client holds
  m.observe(Nanos(1), 1, "apply", {{"index", uint64_t{1}}});
  EXPECT_EQ(m.expiries().size(), 3u);
  EXPECT_TRUE(m.check(history()).empty());
}

TEST(LeaseMonitorTest, RejectsAnExpiryBeforeTheKeepAliveAllows) {
  LeaseMonitor m;
  expire(m, 7 * kSecond, 2, 7);  // after grant + TTL (6 s) but before keep-alive + TTL (8 s)
  auto found = m.check(history());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].lease, 7);
  EXPECT_EQ(found[0].node, 2u);
  EXPECT_EQ(found[0].earliest, Nanos(8 * kSecond));
  EXPECT_NE(found[0].message.find("keep-alive invoked at 3.000s"), std::string::npos)
      << found[0].message;
}

TEST(LeaseMonitorTest, RejectsAnExpiryBeforeTheGrantAllows) {
  LeaseMonitor m;
  expire(m, 2 * kSecond, 1, 8);
  auto found = m.check(history());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("grant"), std::string::npos);
}

TEST(LeaseMonitorTest, ADeposedLeadersExpiryCannotTakeEffectAndIsIgnored) {
  LeaseMonitor m;
  auto state = [&m](int64_t t, env::NodeId node, uint64_t term, const char* role) {
    m.observe(Nanos(t), node, "raft-state", {{"term", term}, {"role", role}});
  };
  state(0, 1, 2, "leader");
  state(0, 2, 2, "follower");
  state(4 * kSecond, 2, 3, "leader");  // n1 is cut off and still believes it leads term 2
  expire(m, 7 * kSecond, 1, 7);        // early, but n1 cannot commit its revoke
  EXPECT_EQ(m.staleExpiries(), 1u);
  EXPECT_TRUE(m.check(history()).empty());
  expire(m, 7 * kSecond, 2, 7);  // the current leader's early expiry still counts
  EXPECT_EQ(m.check(history()).size(), 1u);
}

TEST(LeaseMonitorTest, DriftToleranceWidensTheBound) {
  LeaseMonitorOptions options;
  options.driftTolerance = 0.1;  // 5 s may last 4.5 s
  LeaseMonitor m(options);
  expire(m, 7 * kSecond + 600'000'000, 1, 7);  // >= 3 s + 4.5 s
  expire(m, 7 * kSecond + 400'000'000, 1, 7);  // < 7.5 s
  auto found = m.check(history());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].expiredAt, Nanos(7 * kSecond + 400'000'000));
}

TEST(LeaseMonitorTest, AClockStepOnTheLeaderExemptsTheLease) {
  LeaseMonitorOptions options;
  options.clockSteps = {{Nanos(4 * kSecond), 2}, {Nanos(1 * kSecond), 1}};
  LeaseMonitor m(options);
  expire(m, 7 * kSecond, 2, 7);  // n2 stepped at 4 s, inside [3 s, 7 s]: exempt
  expire(m, 7 * kSecond, 1, 7);  // n1 stepped at 1 s, before the keep-alive: still early
  auto found = m.check(history());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].node, 1u);
}

TEST(LeaseMonitorTest, OptionsComeFromTheScenarioFaults) {
  Scenario s;
  Fault drift;
  drift.kind = FaultKind::kClockDrift;
  drift.node = "n2";
  drift.driftPpm = -300;
  Fault step;
  step.kind = FaultKind::kClockStep;
  step.at = Nanos(5 * kSecond);
  step.node = "leader";
  step.step = Nanos(kSecond);
  Fault step3 = step;
  step3.node = "n3";
  s.faults = {drift, step, step3};
  LeaseMonitorOptions o = leaseOptionsFor(s);
  EXPECT_DOUBLE_EQ(o.driftTolerance, 300e-6);
  ASSERT_EQ(o.clockSteps.size(), 2u);
  EXPECT_EQ(o.clockSteps[0].node, 0u);
  EXPECT_EQ(o.clockSteps[1].node, 3u);
  EXPECT_EQ(o.clockSteps[1].at, Nanos(5 * kSecond));
}

}  // namespace
}  // namespace detcd::scenarios

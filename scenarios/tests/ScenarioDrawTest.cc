// The swarm's draws: a pure function of the seed, inside the documented ranges, covering the whole
// fault model, and with schedules whose faults pair up and keep the damage to a minority.
#include "scenarios/ScenarioDraw.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "scenarios/ScenarioFile.h"

namespace detcd::scenarios {
namespace {

using namespace std::chrono_literals;

TEST(ScenarioDrawTest, SameSeedSameScenario) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xdeadbeefULL, ~0ULL}) {
    const Scenario a = drawScenario(seed, 30s);
    const Scenario b = drawScenario(seed, 30s);
    EXPECT_EQ(a, b) << "seed " << seed;
    EXPECT_EQ(writeScenario(a), writeScenario(b));
    EXPECT_EQ(a.name, "swarm-" + std::to_string(seed));
    EXPECT_EQ(a.duration, 30s);
  }
}

TEST(ScenarioDrawTest, PinnedDraw) {
  // A change of what a seed draws changes the meaning of every recorded failing seed: make it
  // visible. Update the expectation deliberately when the drawing rules change.
  const Scenario s = drawScenario(7, 30s);
  EXPECT_EQ(s.name, "swarm-7");
  EXPECT_EQ(s.cluster.members, 5);
  EXPECT_EQ(s.cluster.tick, 50ms);
  EXPECT_EQ(s.cluster.snapshotCount, 281u);
  EXPECT_EQ(s.workload.clients, 8);
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].kind, FaultKind::kAddMember);
  EXPECT_EQ(s.faults[0].node, "n6");
  EXPECT_EQ(s.faults[0].at, 4328ms);
  EXPECT_NE(s, drawScenario(8, 30s));
}

/// Replays a drawn schedule and fails on any fault that does not pair with the state it meets.
/// `why` says what went wrong.
bool scheduleIsConsistent(const Scenario& s, std::string& why) {
  struct State {
    bool crashed = false, paused = false, stopped = false;
  };
  std::map<std::string, State> members;
  for (int i = 1; i <= s.cluster.members; ++i) members[memberName(static_cast<std::uint64_t>(i))];
  bool cut = false;
  std::string diskFaulted;
  FaultKind diskKind = FaultKind::kSlowDisk;
  std::set<std::string> flipped;
  const auto damaged = [&] {
    std::size_t n = 0;
    for (const auto& [name, m] : members) {
      n += flipped.contains(name) || (name == diskFaulted && diskKind != FaultKind::kSlowDisk);
    }
    return n;
  };
  env::Nanos previous{0};
  for (const Fault& f : s.faults) {
    const std::string at =
        formatDuration(f.at) + " " + std::string(faultKindName(f.kind)) + " " + f.node + ": ";
    if (f.at < previous || f.at >= s.duration || f.at % env::Nanos{1ms} != env::Nanos{0}) {
      why = at + "time out of order, out of range or not whole milliseconds";
      return false;
    }
    previous = f.at;
    const bool concrete = members.contains(f.node);
    switch (f.kind) {
      case FaultKind::kPartition:
      case FaultKind::kIsolate:
      case FaultKind::kOneWay:
        if (cut) return why = at + "a second network fault before a heal", false;
        cut = true;
        break;
      case FaultKind::kHeal:
        if (!cut) return why = at + "heal without a cut", false;
        cut = false;
        break;
      case FaultKind::kCrash:
      case FaultKind::kTornWrite:
      case FaultKind::kPause: {
        if (!concrete) return why = at + "not a concrete member", false;
        State& m = members[f.node];
        if (m.crashed || m.paused || m.stopped) return why = at + "member already down", false;
        (f.kind == FaultKind::kPause ? m.paused : m.crashed) = true;
        break;
      }
      case FaultKind::kRestart:
        if (!concrete || !members[f.node].crashed)
          return why = at + "restart of a live member", false;
        members[f.node].crashed = false;
        break;
      case FaultKind::kResume:
        if (!concrete || !members[f.node].paused)
          return why = at + "resume of a running member", false;
        members[f.node].paused = false;
        break;
      case FaultKind::kFsyncError:
      case FaultKind::kDiskFull:
      case FaultKind::kSlowDisk:
        if (!diskFaulted.empty()) return why = at + "disk faults on two nodes at once", false;
        diskFaulted = f.node;
        diskKind = f.kind;
        if (f.kind != FaultKind::kSlowDisk) members[f.node].stopped = true;
        break;
      case FaultKind::kDiskHeal:
        if (f.node != diskFaulted) return why = at + "disk-heal of a healthy disk", false;
        diskFaulted.clear();
        break;
      case FaultKind::kBitFlip:
        flipped.insert(f.node);
        break;
      case FaultKind::kAddMember:
        if (concrete) return why = at + "added twice", false;
        members[f.node];
        break;
      case FaultKind::kRemoveMember:
        if (!concrete || members.size() < 2) return why = at + "removes the last member", false;
        members.erase(f.node);
        break;
      case FaultKind::kClockDrift:
      case FaultKind::kClockStep:
      case FaultKind::kTransferLeader:
        break;
    }
    if (2 * damaged() >= members.size() && damaged() > 0) {
      return why = at + "damage reaches a majority", false;
    }
    if (members.size() > 7) return why = at + "more than 7 members", false;
  }
  for (const auto& name : flipped) {
    if (std::find(s.expectRefusal.begin(), s.expectRefusal.end(), name) == s.expectRefusal.end()) {
      return why = name + " has a bit flip but is not in expect-refusal", false;
    }
  }
  return true;
}

RC_GTEST_PROP(ScenarioDrawTest, DrawsStayInTheirRanges, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto seconds = *rc::gen::inRange<std::int64_t>(1, 90);
  const Scenario s = drawScenario(seed, env::Nanos{seconds * 1'000'000'000});
  RC_LOG() << "replay: drawScenario(" << seed << ", " << seconds << "s)\n" << writeScenario(s);
  const ClusterSpec& c = s.cluster;
  RC_ASSERT(c.members == 1 || c.members == 3 || c.members == 5);
  RC_ASSERT(c.heartbeatTicks >= 1);
  RC_ASSERT(c.electionTicks >= 5 * c.heartbeatTicks);
  RC_ASSERT(c.checkQuorum);
  RC_ASSERT(c.latencyMin <= c.latencyMax);
  RC_ASSERT(c.tick >= 10ms);
  const WorkloadSpec& w = s.workload;
  RC_ASSERT(w.clients >= 1 && w.clients <= 10);
  RC_ASSERT(w.keys >= 1 && w.keys <= 20);
  RC_ASSERT(w.rate > 0);
  RC_ASSERT(w.mix.put > 0);
  RC_ASSERT(w.requestTimeout >= 3 * c.electionTicks * c.tick);
  RC_ASSERT(env::Nanos{std::chrono::seconds(w.leaseTtlSeconds)} >=
            3 * c.electionTicks * c.tick / 2);
  RC_ASSERT(s.checks == CheckSet{});
  std::string why;
  if (!scheduleIsConsistent(s, why)) RC_FAIL(why);
}

TEST(ScenarioDrawTest, ConsistencyCheckRejectsBadSchedules) {
  // The oracle above must see what it is there to see.
  Scenario s = parseScenario("cluster: {members: 3}\nfaults:\n  - {at: 1s, restart: n1}\n", "bad");
  std::string why;
  EXPECT_FALSE(scheduleIsConsistent(s, why));
  EXPECT_NE(why.find("restart of a live member"), std::string::npos) << why;
  s = parseScenario(
      "cluster: {members: 3}\nfaults:\n  - {at: 1s, bit-flip: n1}\n  - {at: 2s, bit-flip: n2}\n"
      "expect-refusal: [n1, n2]\n",
      "bad");
  EXPECT_FALSE(scheduleIsConsistent(s, why));
  EXPECT_NE(why.find("majority"), std::string::npos) << why;
  s = parseScenario(
      "faults:\n  - {at: 1s, isolate: n1}\n  - {at: 2s, partition: [[n1], [n2, n3]]}\n", "bad");
  EXPECT_FALSE(scheduleIsConsistent(s, why));
  s = parseScenario(
      "faults:\n  - {at: 1s, slow-disk: {node: n1, fsync: 1ms}}\n"
      "  - {at: 2s, slow-disk: {node: n2, fsync: 1ms}}\n",
      "bad");
  EXPECT_FALSE(scheduleIsConsistent(s, why));
  s = parseScenario("faults:\n  - {at: 1s, bit-flip: n1}\n", "bad");
  EXPECT_FALSE(scheduleIsConsistent(s, why));
  EXPECT_NE(why.find("expect-refusal"), std::string::npos) << why;
}

TEST(ScenarioDrawTest, SeedsCoverTheWholeFaultModel) {
  std::set<FaultKind> kinds;
  std::set<int> sizes;
  std::set<std::string> targets;
  bool smallSnapshots = false, noFaults = false, preVoteOff = false;
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    const Scenario s = drawScenario(seed, 30s);
    sizes.insert(s.cluster.members);
    smallSnapshots = smallSnapshots || s.cluster.snapshotCount <= 300;
    noFaults = noFaults || s.faults.empty();
    preVoteOff = preVoteOff || !s.cluster.preVote;
    for (const auto& f : s.faults) {
      kinds.insert(f.kind);
      if (f.node == "leader" || f.node == "follower") targets.insert(f.node);
    }
  }
  EXPECT_EQ(sizes, (std::set<int>{1, 3, 5}));
  for (int k = 0; k <= static_cast<int>(FaultKind::kTransferLeader); ++k) {
    EXPECT_TRUE(kinds.contains(static_cast<FaultKind>(k)))
        << "no seed in 1..500 draws " << faultKindName(static_cast<FaultKind>(k));
  }
  EXPECT_EQ(targets, (std::set<std::string>{"leader", "follower"}));
  EXPECT_TRUE(smallSnapshots);
  EXPECT_TRUE(noFaults);
  EXPECT_TRUE(preVoteOff);
}

TEST(ScenarioDrawTest, TheSwarmsFirstSeedsAreValid) {
  // Every seed CI's swarm runs (1..2000 at the default 30 s) draws a consistent schedule that
  // survives --save-scenario.
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    const Scenario s = drawScenario(seed, 30s);
    std::string why;
    EXPECT_TRUE(scheduleIsConsistent(s, why)) << "seed " << seed << ": " << why;
    const std::string yaml = writeScenario(s);
    try {
      Scenario back = parseScenario(yaml, s.name);
      for (auto& f : back.faults) f.line = 0;
      EXPECT_EQ(back, s) << "seed " << seed << "\n" << yaml;
    } catch (const ScenarioError& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\n" << yaml;
    }
  }
}

TEST(ScenarioDrawTest, ANonPositiveDurationIsRejected) {
  EXPECT_THROW(drawScenario(1, 0s), std::invalid_argument);
  EXPECT_THROW(drawScenario(1, -1s), std::invalid_argument);
}

TEST(ScenarioDrawTest, ShortDurationsStillDrawValidScenarios) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const Scenario s = drawScenario(seed, 1ms);
    for (const auto& f : s.faults) EXPECT_LT(f.at, 1ms);
    EXPECT_NO_THROW(parseScenario(writeScenario(s), s.name)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace detcd::scenarios

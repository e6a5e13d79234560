// Scenario files: every key read, every kind of bad input rejected with its line, durations,
// the shipped files, and write -> parse round trips.
#include "scenarios/ScenarioFile.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scenarios/ScenarioDraw.h"

namespace detcd::scenarios {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

/// The ScenarioError that parsing `text` throws (fails the test when it parses).
ScenarioError parseError(const std::string& text) {
  try {
    parseScenario(text, "t");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without error:\n" << text;
  return ScenarioError("", 0, "");
}

/// Expects parsing to fail at `line` with a problem containing `problem`.
void expectError(const std::string& text, int line, const std::string& problem) {
  const ScenarioError e = parseError(text);
  EXPECT_EQ(e.line(), line) << e.what() << "\n--- in:\n" << text;
  EXPECT_THAT(e.problem(), HasSubstr(problem)) << "--- in:\n" << text;
}

Scenario withoutLines(Scenario s) {
  for (auto& f : s.faults) f.line = 0;
  return s;
}

TEST(ScenarioFileTest, DurationsWithEveryUnit) {
  EXPECT_EQ(parseDuration("100ns"), env::Nanos{100});
  EXPECT_EQ(parseDuration("30us"), env::Nanos{30'000});
  EXPECT_EQ(parseDuration("500ms"), env::Nanos{500ms});
  EXPECT_EQ(parseDuration("2s"), env::Nanos{2s});
  EXPECT_EQ(parseDuration("1m"), env::Nanos{60s});
  EXPECT_EQ(parseDuration("1h"), env::Nanos{3600s});
  EXPECT_EQ(parseDuration("0s"), env::Nanos{0});
  EXPECT_EQ(parseDuration("1.5s"), env::Nanos{1500ms});
  EXPECT_EQ(parseDuration("0.25ms"), env::Nanos{250'000});
  EXPECT_EQ(parseDuration("1.000000001s"), env::Nanos{1'000'000'001});
}

TEST(ScenarioFileTest, MalformedDurationsAreRejected) {
  for (const char* text :
       {"", "5", "s", "-1s", "1.s", ".5s", "1.2.3s", "5 s", "5sec", "1e3ms", "1.5ns", "0.0001us",
        "99999999999999999999s", "10000000000000h", "+1s", "1,5s"}) {
    EXPECT_FALSE(parseDuration(text).has_value()) << text;
  }
}

TEST(ScenarioFileTest, FormatDurationUsesTheLargestExactUnit) {
  EXPECT_EQ(formatDuration(env::Nanos{0}), "0s");
  EXPECT_EQ(formatDuration(env::Nanos{1500ms}), "1500ms");
  EXPECT_EQ(formatDuration(env::Nanos{120s}), "2m");
  EXPECT_EQ(formatDuration(env::Nanos{7200s}), "2h");
  EXPECT_EQ(formatDuration(env::Nanos{30'000}), "30us");
  EXPECT_EQ(formatDuration(env::Nanos{1'000'000'001}), "1000000001ns");
}

RC_GTEST_PROP(ScenarioFileTest, FormattedDurationsParseBack, ()) {
  const auto n = *rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 62);
  const auto scale = *rc::gen::element<std::int64_t>(1, 1000, 1'000'000, 1'000'000'000);
  const env::Nanos d{n / scale * scale};
  RC_ASSERT(parseDuration(formatDuration(d)) == d);
}

TEST(ScenarioFileTest, EmptyMappingGivesTheDefaults) {
  const Scenario s = parseScenario("description: nothing else\n", "defaults");
  EXPECT_EQ(s.name, "defaults");
  EXPECT_EQ(s.description, "nothing else");
  EXPECT_EQ(s.cluster, ClusterSpec{});
  EXPECT_EQ(s.workload, WorkloadSpec{});
  EXPECT_EQ(s.duration, Scenario{}.duration);
  EXPECT_EQ(s.livenessBound, Scenario{}.livenessBound);
  EXPECT_TRUE(s.faults.empty());
  EXPECT_EQ(s.checks, CheckSet{});
}

TEST(ScenarioFileTest, EveryKeyIsRead) {
  const Scenario s = parseScenario(R"(name: custom
description: >
  Two lines
  folded.
cluster:
  members: 5
  election-ticks: 20
  heartbeat-ticks: 2
  tick: 50ms
  snapshot-count: 100
  snapshot-catch-up-entries: 20
  pre-vote: false
  check-quorum: false
  latency: [1ms, 3ms]
  client-latency: [0s, 1ms]
workload:
  clients: 7
  rate: 12.5
  keys: 3
  request-timeout: 4s
  watchers: 2
  lease-ttl: 8s
  mix: {put: 2, get: 1.5, compact: 1}
duration: 40s
liveness-bound: 20s
checks: [linearizability, durability]
faults:
  - {at: 1s, crash: n2}
expect-refusal: [n2]
)",
                                   "file-stem");
  EXPECT_EQ(s.name, "custom");
  EXPECT_EQ(s.description, "Two lines folded.");
  EXPECT_EQ(s.cluster.members, 5);
  EXPECT_EQ(s.cluster.electionTicks, 20);
  EXPECT_EQ(s.cluster.heartbeatTicks, 2);
  EXPECT_EQ(s.cluster.tick, 50ms);
  EXPECT_EQ(s.cluster.snapshotCount, 100u);
  EXPECT_EQ(s.cluster.snapshotCatchUpEntries, 20u);
  EXPECT_FALSE(s.cluster.preVote);
  EXPECT_FALSE(s.cluster.checkQuorum);
  EXPECT_EQ(s.cluster.latencyMin, 1ms);
  EXPECT_EQ(s.cluster.latencyMax, 3ms);
  EXPECT_EQ(s.cluster.clientLatencyMin, 0s);
  EXPECT_EQ(s.cluster.clientLatencyMax, 1ms);
  EXPECT_EQ(s.workload.clients, 7);
  EXPECT_EQ(s.workload.rate, 12.5);
  EXPECT_EQ(s.workload.keys, 3);
  EXPECT_EQ(s.workload.requestTimeout, 4s);
  EXPECT_EQ(s.workload.watchers, 2);
  EXPECT_EQ(s.workload.leaseTtlSeconds, 8);
  OpMix mix;  // operations the mix does not name are never issued
  mix.put = 2;
  mix.get = 1.5;
  mix.compact = 1;
  mix.serializableGet = mix.del = mix.txn = mix.range = 0;
  mix.leaseGrant = mix.leasePut = mix.leaseRevoke = mix.leaseKeepAlive = 0;
  EXPECT_EQ(s.workload.mix, mix);
  EXPECT_EQ(s.duration, 40s);
  EXPECT_EQ(s.livenessBound, 20s);
  CheckSet checks{false, false, false, false, false, false, false};
  checks.linearizability = checks.durability = true;
  EXPECT_EQ(s.checks, checks);
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].line, 28);
  EXPECT_EQ(s.expectRefusal, std::vector<std::string>{"n2"});
}

TEST(ScenarioFileTest, EveryFaultKindIsRead) {
  const Scenario s = parseScenario(R"(cluster: {members: 5}
duration: 60s
faults:
  - {at: 1s, partition: [[n1, n2], [n3, n4, n5]]}
  - {at: 2s, heal: true}
  - {at: 3s, isolate: leader}
  - {at: 4s, one-way: {from: [n1], to: [n2, n3]}}
  - {at: 5s, crash: n2}
  - {at: 6s, restart: n2}
  - {at: 7s, pause: follower}
  - {at: 8s, resume: n1}
  - {at: 9s, clock-drift: {node: n1, ppm: -50000}}
  - {at: 10s, clock-step: {node: leader, by: 2s}}
  - {at: 11s, torn-write: n3}
  - {at: 12s, bit-flip: {node: n2, file: wal}}
  - {at: 12s, bit-flip: n4}
  - {at: 13s, fsync-error: {node: n1, probability: 0.5}}
  - {at: 13s, fsync-error: n5}
  - {at: 14s, disk-full: {node: n1, capacity: 65536}}
  - {at: 15s, slow-disk: {node: n2, fsync: 50ms}}
  - {at: 16s, disk-heal: n2}
  - {at: 17s, add-member: n6}
  - {at: 18s, remove-member: n3}
  - {at: 19s, transfer-leader: n6}
)",
                                   "kinds");
  ASSERT_EQ(s.faults.size(), 21u);
  const auto& f = s.faults;
  EXPECT_EQ(f[0].kind, FaultKind::kPartition);
  EXPECT_EQ(f[0].groups, (std::vector<std::vector<std::string>>{{"n1", "n2"}, {"n3", "n4", "n5"}}));
  EXPECT_EQ(f[0].at, 1s);
  EXPECT_EQ(f[0].line, 4);
  EXPECT_EQ(f[1].kind, FaultKind::kHeal);
  EXPECT_EQ(f[2].kind, FaultKind::kIsolate);
  EXPECT_EQ(f[2].node, "leader");
  EXPECT_EQ(f[3].kind, FaultKind::kOneWay);
  EXPECT_EQ(f[3].from, std::vector<std::string>{"n1"});
  EXPECT_EQ(f[3].to, (std::vector<std::string>{"n2", "n3"}));
  EXPECT_EQ(f[4].kind, FaultKind::kCrash);
  EXPECT_EQ(f[4].node, "n2");
  EXPECT_EQ(f[5].kind, FaultKind::kRestart);
  EXPECT_EQ(f[6].kind, FaultKind::kPause);
  EXPECT_EQ(f[6].node, "follower");
  EXPECT_EQ(f[7].kind, FaultKind::kResume);
  EXPECT_EQ(f[8].kind, FaultKind::kClockDrift);
  EXPECT_EQ(f[8].driftPpm, -50000);
  EXPECT_EQ(f[9].kind, FaultKind::kClockStep);
  EXPECT_EQ(f[9].node, "leader");
  EXPECT_EQ(f[9].step, 2s);
  EXPECT_EQ(f[10].kind, FaultKind::kTornWrite);
  EXPECT_EQ(f[11].kind, FaultKind::kBitFlip);
  EXPECT_EQ(f[11].path, "wal");
  EXPECT_EQ(f[12].path, "");
  EXPECT_EQ(f[12].node, "n4");
  EXPECT_EQ(f[13].kind, FaultKind::kFsyncError);
  EXPECT_EQ(f[13].probability, 0.5);
  EXPECT_EQ(f[14].probability, 1.0);
  EXPECT_EQ(f[15].kind, FaultKind::kDiskFull);
  EXPECT_EQ(f[15].capacityBytes, 65536u);
  EXPECT_EQ(f[16].kind, FaultKind::kSlowDisk);
  EXPECT_EQ(f[16].latency, 50ms);
  EXPECT_EQ(f[17].kind, FaultKind::kDiskHeal);
  EXPECT_EQ(f[18].kind, FaultKind::kAddMember);
  EXPECT_EQ(f[18].node, "n6");
  EXPECT_EQ(f[19].kind, FaultKind::kRemoveMember);
  EXPECT_EQ(f[20].kind, FaultKind::kTransferLeader);
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f[i].line, static_cast<int>(i) + 4);
}

TEST(ScenarioFileTest, KeyOrderDoesNotMatter) {
  // `duration` bounds the faults and `members` names them, wherever they are written.
  const Scenario s = parseScenario(
      "faults:\n  - {at: 50s, crash: n5}\nduration: 60s\ncluster: {members: 5}\n", "t");
  EXPECT_EQ(s.faults.at(0).node, "n5");
}

TEST(ScenarioFileTest, EmptyListsAndTrimmedDescription) {
  const Scenario s =
      parseScenario("description: |\n  kept\n\n\nfaults:\nchecks: []\nexpect-refusal: []\n", "t");
  EXPECT_EQ(s.description, "kept");
  EXPECT_TRUE(s.faults.empty());
  EXPECT_EQ(s.checks, (CheckSet{false, false, false, false, false, false, false}));
  EXPECT_EQ(parseScenario("checks: [watch, all]\n", "t").checks, CheckSet{});
}

TEST(ScenarioFileTest, FaultTextIsTheFilesFlowMap) {
  const Scenario s = parseScenario(
      "faults:\n  - {at: 1500ms, partition: [[n1], [n2, n3]]}\n"
      "  - {at: 2s, clock-drift: {node: leader, ppm: -2.5}}\n  - {at: 3s, heal: true}\n",
      "t");
  EXPECT_EQ(faultText(s.faults[0]), "{at: 1500ms, partition: [[n1], [n2, n3]]}");
  EXPECT_EQ(faultText(s.faults[1]), "{at: 2s, clock-drift: {node: leader, ppm: -2.5}}");
  EXPECT_EQ(faultText(s.faults[2]), "{at: 3s, heal: true}");
}

TEST(ScenarioFileTest, BlockStyleFaultsAndComments) {
  const Scenario s = parseScenario(R"(# a comment
duration: 20s   # the safety phase
faults:
  # n2 loses power
  - at: 3s
    crash: n2

  - at: 4s
    restart: n2
)",
                                   "t");
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].line, 5);
  EXPECT_EQ(s.faults[1].line, 8);
  EXPECT_EQ(s.faults[1].kind, FaultKind::kRestart);
}

TEST(ScenarioFileTest, UnknownKeysAreRejectedWithTheAcceptedOnes) {
  expectError("description: x\nclustr: {}\n", 2,
              "unknown key 'clustr' in the scenario (accepted: name, description, cluster,");
  expectError("cluster:\n  members: 3\n  election: 10\n", 3,
              "unknown key 'election' in cluster (accepted: members, election-ticks,");
  expectError("workload:\n  mix: {put: 1, gett: 2}\n", 2, "unknown key 'gett' in workload.mix");
  expectError("faults:\n  - {at: 1s, crash: n1, when: now}\n", 2, "unknown fault kind 'when'");
  expectError("faults:\n  - {at: 1s, clock-drift: {node: n1, pm: 5}}\n", 2,
              "unknown key 'pm' in clock-drift (accepted: node, ppm)");
  expectError("duration: 5s\nduration: 6s\n", 2, "duplicate key 'duration' in the scenario");
}

TEST(ScenarioFileTest, WrongTypesAreRejected) {
  expectError("cluster:\n  members: three\n", 2, "cluster.members must be an integer, got 'three'");
  expectError("cluster:\n  pre-vote: maybe\n", 2, "cluster.pre-vote must be true or false");
  expectError("cluster: [1, 2]\n", 1, "cluster must be a map, got a list");
  expectError("workload:\n  rate: fast\n", 2, "workload.rate must be a number, got 'fast'");
  expectError("cluster:\n  latency: 1ms\n", 2, "cluster.latency must be a list [min, max]");
  expectError("faults: {at: 1s}\n", 1, "faults must be a list, got a map");
  expectError("faults:\n  - crash\n", 2, "each fault must be a map");
  expectError("checks: some\n", 1, "checks must be 'all' or a list of checks");
  expectError("description: [a]\n", 1, "description must be text, got a list");
  expectError("", 1, "the scenario is empty");
  expectError("- a\n- b\n", 1, "the scenario must be a map, got a list");
}

TEST(ScenarioFileTest, OutOfRangeValuesAreRejected) {
  expectError("cluster:\n  members: 8\n", 2, "cluster.members must be in 1..7, got 8");
  expectError("cluster:\n  members: 0\n", 2, "cluster.members must be in 1..7, got 0");
  expectError("cluster:\n  election-ticks: 3\n  heartbeat-ticks: 3\n", 2,
              "cluster.election-ticks (3) must be more than cluster.heartbeat-ticks (3)");
  expectError("cluster:\n  heartbeat-ticks: 0\n", 2, "cluster.heartbeat-ticks must be in 1..");
  expectError("cluster:\n  tick: 0s\n", 2, "cluster.tick must be more than 0");
  expectError("cluster:\n  snapshot-count: 0\n", 2, "cluster.snapshot-count must be at least 1");
  expectError("cluster:\n  latency: [3ms, 1ms]\n", 2,
              "cluster.latency: min 3ms is more than max 1ms");
  expectError("workload:\n  rate: 0\n", 2, "workload.rate must be more than 0");
  expectError("workload:\n  keys: 0\n", 2, "workload.keys must be in 1..");
  expectError("workload:\n  lease-ttl: 1500ms\n", 2, "whole number of seconds");
  expectError("workload:\n  mix: {put: -1}\n", 2, "workload.mix.put must be 0 or more");
  expectError("workload:\n  mix: {put: 0}\n", 2, "workload.mix: every weight is 0");
  expectError("duration: 0s\n", 1, "duration must be more than 0");
  expectError("faults:\n  - {at: 1s, fsync-error: {node: n1, probability: 1.5}}\n", 2,
              "fsync-error.probability must be in (0, 1]");
  expectError("faults:\n  - {at: 1s, clock-drift: {node: n1, ppm: -1000000}}\n", 2,
              "clock-drift.ppm must be within (-1000000, 1000000)");
  expectError("faults:\n  - {at: 1s, clock-step: {node: n1, by: 0s}}\n", 2,
              "clock-step.by must be more than 0");
  expectError("faults:\n  - {at: 1s, disk-full: {node: n1, capacity: -5}}\n", 2,
              "disk-full.capacity must be at least 0");
  expectError("faults:\n  - {at: 1s, bit-flip: {node: n1, file: log}}\n", 2,
              "bit-flip.file must be wal, snap or any");
  expectError("faults:\n  - {at: 1s, heal: false}\n", 2, "heal must be true");
}

TEST(ScenarioFileTest, MalformedDurationsNameTheKey) {
  expectError("cluster:\n  tick: 100\n", 2, "cluster.tick: malformed duration '100'");
  expectError("duration: 2 minutes\n", 1, "duration: malformed duration '2 minutes'");
  expectError("faults:\n  - {at: soon, crash: n1}\n", 2, "fault.at: malformed duration 'soon'");
}

TEST(ScenarioFileTest, FaultActionsAreChecked) {
  expectError("faults:\n  - {at: 1s, explode: n1}\n", 2,
              "unknown fault kind 'explode' (accepted: partition, isolate, one-way, heal, crash,");
  expectError("faults:\n  - {at: 1s}\n", 2, "fault has no action (one of: partition, isolate,");
  expectError("faults:\n  - {crash: n1}\n", 2, "fault has no 'at'");
  expectError("faults:\n  - {at: 1s, crash: n1, pause: n2}\n", 2,
              "fault has more than one action (crash, pause)");
  expectError("faults:\n  - {at: 1s, one-way: {from: [n1]}}\n", 2,
              "one-way needs both 'from' and 'to'");
  expectError("faults:\n  - {at: 1s, slow-disk: n1}\n", 2, "slow-disk must be a map");
  expectError("faults:\n  - {at: 1s, slow-disk: {node: n1}}\n", 2,
              "slow-disk needs 'node' and 'fsync'");
}

TEST(ScenarioFileTest, FaultTimesAreChecked) {
  expectError("duration: 10s\nfaults:\n  - {at: 1s, crash: n1}\n  - {at: 12s, restart: n1}\n", 4,
              "fault at 12s is beyond the duration (10s)");
  expectError("duration: 10s\nfaults:\n  - {at: 10s, crash: n1}\n", 3,
              "fault at 10s is beyond the duration (10s)");
  expectError("faults:\n  - {at: 5s, crash: n1}\n  - {at: 3s, restart: n1}\n", 3,
              "faults out of time order: 3s comes after 5s (line 2)");
}

TEST(ScenarioFileTest, MemberNamesAreCheckedAtTheFaultsTime) {
  expectError("faults:\n  - {at: 1s, crash: n4}\n", 2,
              "crash: unknown member n4 (members at this time: n1, n2, n3)");
  expectError("faults:\n  - {at: 1s, crash: node1}\n", 2, "crash: 'node1' is not a member name");
  expectError("faults:\n  - {at: 1s, crash: n0}\n", 2, "'n0' is not a member name");
  expectError("faults:\n  - {at: 1s, remove-member: n3}\n  - {at: 2s, crash: n3}\n", 3,
              "crash: n3 was removed at line 2");
  expectError("faults:\n  - {at: 1s, remove-member: n3}\n  - {at: 2s, add-member: n3}\n", 3,
              "add-member: n3 was removed at line 2");
  expectError("faults:\n  - {at: 1s, add-member: n2}\n", 2, "add-member: n2 is already a member");
  expectError("faults:\n  - {at: 1s, add-member: extra}\n", 2, "'extra' is not a member name");
  expectError("cluster: {members: 7}\nfaults:\n  - {at: 1s, add-member: n8}\n", 3,
              "would make 8 members (at most 7)");
  expectError("cluster: {members: 1}\nfaults:\n  - {at: 1s, remove-member: n1}\n", 3,
              "removing n1 leaves no member");
  expectError("expect-refusal: [n9]\n", 1, "expect-refusal: n9 is never a member");
  // An added member may be named after its addition, not before.
  expectError("faults:\n  - {at: 1s, crash: n4}\n  - {at: 2s, add-member: n4}\n", 2,
              "unknown member n4");
  const Scenario s = parseScenario(
      "faults:\n  - {at: 1s, add-member: n4}\n  - {at: 2s, crash: n4}\n"
      "expect-refusal: [n4]\n",
      "t");
  EXPECT_EQ(s.faults[1].node, "n4");
}

TEST(ScenarioFileTest, LeaderAndFollowerOnlyWhereTheyMakeSense) {
  for (const char* fault : {"restart: leader", "resume: follower", "disk-heal: leader",
                            "bit-flip: leader", "transfer-leader: leader",
                            "partition: [[leader], [n2]]", "one-way: {from: [leader], to: [n2]}"}) {
    expectError(fmt::format("faults:\n  - {{at: 1s, {}}}\n", fault), 2, "is not allowed here");
  }
  for (const char* fault :
       {"crash: leader", "isolate: follower", "pause: leader", "transfer-leader: follower",
        "torn-write: leader", "clock-drift: {node: leader, ppm: 10}", "fsync-error: leader",
        "remove-member: leader"}) {
    EXPECT_NO_THROW(parseScenario(fmt::format("faults:\n  - {{at: 1s, {}}}\n", fault), "t"))
        << fault;
  }
}

TEST(ScenarioFileTest, PartitionShapesAreChecked) {
  expectError("faults:\n  - {at: 1s, partition: [[n1, n2], [n2, n3]]}\n", 2,
              "partition: n2 is in two groups");
  expectError("faults:\n  - {at: 1s, partition: [[n1, n2, n3]]}\n", 2,
              "partition must list at least two groups");
  expectError("faults:\n  - {at: 1s, partition: [[n1], []]}\n", 2,
              "partition group must name a member");
  expectError("faults:\n  - {at: 1s, partition: [[n1, n1], [n2]]}\n", 2, "n1 is named twice");
  expectError("faults:\n  - {at: 1s, one-way: {from: [n1, n2], to: [n2]}}\n", 2,
              "one-way: n2 is in both 'from' and 'to'");
}

TEST(ScenarioFileTest, YamlSyntaxErrorsNameTheLine) {
  expectError("description: x\ncluster: {members: 3\nduration: 5s\n", 3, "");
  const ScenarioError e = parseError("description: x\nfaults:\n  - [at: 1s\n");
  EXPECT_GT(e.line(), 0);
  EXPECT_THAT(e.what(), HasSubstr("line "));
}

TEST(ScenarioFileTest, FileErrorsNameTheFile) {
  // One directory per process: another build's tests may run at the same time.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("detcd-scenario-file-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "broken.yaml").string();
  std::ofstream(path) << "description: x\ncluster:\n  members: 9\n";
  try {
    readScenarioFile(path);
    ADD_FAILURE() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(std::string(e.what()), path + ": line 3: cluster.members must be in 1..7, got 9");
  }
  const Scenario drawn = drawScenario(3, 20s);
  const auto saved = (dir / "saved.yaml").string();
  writeScenarioFile(drawn, saved);
  EXPECT_EQ(withoutLines(readScenarioFile(saved)), drawn);  // the file's `name` wins over its stem
  EXPECT_THROW(writeScenarioFile(drawn, (dir / "no-such-dir" / "x.yaml").string()), ScenarioError);
  const auto good = (dir / "good-one.yaml").string();
  std::ofstream(good) << "description: fine\n";
  EXPECT_EQ(readScenarioFile(good).name, "good-one");
  try {
    readScenarioFile((dir / "missing.yaml").string());
    ADD_FAILURE() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing.yaml: cannot read"));
    EXPECT_EQ(e.line(), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(ScenarioFileTest, WrittenFormat) {
  const Scenario s = parseScenario(
      "description: one crash\nfaults:\n  - {at: 2s, crash: n2}\nchecks: [durability]\n", "small");
  EXPECT_EQ(writeScenario(s), R"(name: "small"
description: "one crash"
cluster:
  members: 3
  election-ticks: 10
  heartbeat-ticks: 1
  tick: 100ms
  snapshot-count: 10000
  snapshot-catch-up-entries: 5000
  pre-vote: true
  check-quorum: true
  max-size-per-msg: 1048576
  max-inflight-msgs: 512
  latency: [500us, 2ms]
  client-latency: [100us, 500us]
workload:
  clients: 5
  rate: 50
  keys: 10
  request-timeout: 2s
  watchers: 1
  lease-ttl: 5s
  mix:
    put: 30
    get: 20
    serializable-get: 5
    delete: 5
    txn: 10
    range: 5
    lease-grant: 2
    lease-put: 3
    lease-revoke: 1
    lease-keepalive: 3
    compact: 0
duration: 30s
liveness-bound: 15s
faults:
  - {at: 2s, crash: n2}
checks: [durability]
expect-refusal: []
)");
}

TEST(ScenarioFileTest, WrittenScenarioReadsBackEqual) {
  const Scenario s = parseScenario(R"(description: "quotes \" and: colons, # hashes\nand lines"
cluster: {members: 5, tick: 1500us, latency: [0s, 1ms]}
workload: {rate: 0.1, mix: {put: 1, txn: 0.3333333333333333}}
duration: 61s
faults:
  - {at: 1s, partition: [[n1, n2], [n3], [n4, n5]]}
  - {at: 2s, one-way: {from: [n1], to: [n2, n3]}}
  - {at: 2s, heal: true}
  - {at: 3s, clock-drift: {node: leader, ppm: 0.5}}
  - {at: 4s, bit-flip: {node: n2, file: snap}}
  - {at: 4s, bit-flip: n3}
  - {at: 5s, fsync-error: {node: n1, probability: 0.1}}
  - {at: 6s, disk-full: {node: n4, capacity: 0}}
  - {at: 7s, slow-disk: {node: n5, fsync: 1ms}}
  - {at: 8s, add-member: n7}
  - {at: 9s, remove-member: follower}
checks: [watch, leases]
expect-refusal: [n2, n3]
)",
                                   "written");
  const std::string yaml = writeScenario(s);
  EXPECT_EQ(withoutLines(parseScenario(yaml, "other")), withoutLines(s)) << yaml;
}

RC_GTEST_PROP(ScenarioFileTest, DrawnScenariosRoundTrip, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto seconds = *rc::gen::inRange<std::int64_t>(1, 120);
  const Scenario drawn = drawScenario(seed, env::Nanos{seconds * 1'000'000'000});
  const std::string yaml = writeScenario(drawn);
  Scenario back;
  try {
    back = parseScenario(yaml, "ignored");
  } catch (const ScenarioError& e) {
    RC_FAIL(fmt::format("seed {}: {}\n{}", seed, e.what(), yaml));
  }
  RC_ASSERT(withoutLines(back) == drawn);
  RC_ASSERT(writeScenario(back) == yaml);
}

RC_GTEST_PROP(ScenarioFileTest, DamagedFilesGiveScenarioErrorsOnly, ()) {
  // Whatever the text, parsing returns a scenario or throws ScenarioError with a line: no other
  // exception (a yaml-cpp conversion error, say) escapes.
  std::string text = writeScenario(drawScenario(*rc::gen::arbitrary<std::uint64_t>(), 30s));
  const auto edits = *rc::gen::inRange(1, 6);
  for (int i = 0; i < edits; ++i) {
    const auto at = *rc::gen::inRange<std::size_t>(0, text.size());
    const char ch = *rc::gen::element(' ', '-', ':', '[', ']', '{', '}', ',', '\n', 'x', '0', '#',
                                      '"', '\'', '&', '*', '!', '|', '>', '\t');
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        text.erase(at, 1);
        break;
      case 1:
        text.insert(at, 1, ch);
        break;
      default:
        text[at] = ch;
        break;
    }
  }
  try {
    parseScenario(text, "damaged");
  } catch (const ScenarioError& e) {
    RC_ASSERT(!e.problem().empty());
    RC_ASSERT(e.line() > 0);
  } catch (const std::exception& e) {
    RC_FAIL(std::string("not a ScenarioError: ") + e.what() + "\n" + text);
  }
}

TEST(ScenarioFileTest, EveryShippedScenarioParses) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(DETCD_SCENARIO_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    ++count;
    Scenario s;
    ASSERT_NO_THROW(s = readScenarioFile(entry.path().string()));
    EXPECT_EQ(s.name, entry.path().stem().string());
    EXPECT_GE(s.description.size(), 40u) << "say what the scenario shows";
    EXPECT_GE(s.duration, 20s);
    EXPECT_LE(s.duration, 60s);
    EXPECT_EQ(withoutLines(parseScenario(writeScenario(s), s.name)), withoutLines(s));
  }
  EXPECT_GE(count, 11);
}

TEST(ScenarioFileTest, TheDocumentsExamplesParse) {
  std::ifstream in(DETCD_SCENARIO_DOC);
  ASSERT_TRUE(in) << DETCD_SCENARIO_DOC;
  std::string line, block;
  int blocks = 0, lineNo = 0, start = 0;
  bool inside = false;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!inside && line == "```yaml") {
      inside = true;
      block.clear();
      start = lineNo;
    } else if (inside && line == "```") {
      inside = false;
      ++blocks;
      EXPECT_NO_THROW(parseScenario(block, "doc")) << "docs/scenarios.md, block at line " << start;
    } else if (inside) {
      block += line + "\n";
    }
  }
  EXPECT_GE(blocks, 2);
}

TEST(ScenarioFileTest, TheIssuesScenariosAreShipped) {
  for (const char* name :
       {"leader-isolated", "minority-partition", "rolling-crash", "crash-during-snapshot",
        "torn-wal-tail", "fsync-failure", "clock-drift-leases", "membership-change-under-partition",
        "slow-follower-snapshot-catch-up", "figure-8", "demo"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(DETCD_SCENARIO_DIR) /
                                        (std::string(name) + ".yaml")))
        << name;
  }
}

}  // namespace
}  // namespace detcd::scenarios

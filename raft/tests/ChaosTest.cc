// Randomized safety + liveness runs of the in-process chaos cluster, driven by RapidCheck,
// and the mutation checks: each deliberately broken rule must be caught by the invariants.
//
// A failure prints the seed and the command that replays it. Environment:
//   RC_PARAMS                 RapidCheck parameters (default here: max_success=500)
//   DETCD_RAFT_CHAOS_SEED     replay one seed (ChaosTest.ReplaySeed), with
//   DETCD_RAFT_CHAOS_NODES / DETCD_RAFT_CHAOS_TICKS / DETCD_RAFT_MUTATION
//   DETCD_RAFT_CHAOS_COUNT    run COUNT seeds from DETCD_RAFT_CHAOS_FIRST (default 1) and
//                             print seeds/second (ChaosTest.SeedRange)
//   DETCD_RAFT_SIM_SEED       replay one seed of the simulator harness (SimChaosTest.ReplaySeed),
//                             with DETCD_RAFT_SIM_NODES / DETCD_RAFT_SIM_SECONDS /
//                             DETCD_RAFT_MUTATION; DETCD_RAFT_SIM_TRACE=FILE writes its trace
//   DETCD_RAFT_SIM_COUNT      run COUNT simulator seeds from DETCD_RAFT_SIM_FIRST with
//                             DETCD_RAFT_SIM_NODES nodes and DETCD_RAFT_SIM_SECONDS of faults
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "raft/tests/ChaosCluster.h"
#include "raft/tests/MutationNames.h"
#include "raft/tests/SimRaftCluster.h"

namespace detcd::raft::testing {
namespace {

// 500 seeds per CI run unless the caller chose otherwise. Runs before RapidCheck reads
// its configuration (on first use, inside the first property).
const bool kDefaultParams = [] { return setenv("RC_PARAMS", "max_success=500", 0) == 0; }();

std::string envOr(const char* name, const std::string& dflt) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : dflt;
}

// Runs one seed; returns an empty string on success, else the failure and replay command.
std::string runOne(const ChaosOptions& o) {
  ChaosCluster c(o);
  try {
    c.run();
    return "";
  } catch (const std::exception& e) {
    return fmt::format("{}\nfaults: {}\nreplay: {}", e.what(), c.describeFaults(),
                       replayCommand(o));
  }
}

RC_GTEST_PROP(ChaosTest, SafetyUnderFaultsThenLivenessAfterHeal, ()) {
  ChaosOptions o;
  o.seed = *rc::gen::arbitrary<std::uint64_t>();
  o.nodes = *rc::gen::element<std::size_t>(3, 5, 7);
  o.faultTicks = 600;
  std::string failure = runOne(o);
  if (!failure.empty()) RC_FAIL(failure);
}

// Determinism: one seed is one run, so a failure replays exactly.
TEST(ChaosTest, SameSeedSameRun) {
  ChaosOptions o;
  o.seed = 42;
  o.faultTicks = 1000;
  ChaosStats a = ChaosCluster(o).run();
  ChaosStats b = ChaosCluster(o).run();
  EXPECT_EQ(a.ticks, b.ticks);
  EXPECT_EQ(a.delivered, b.delivered);
  EXPECT_EQ(a.committedEntries, b.committedEntries);
  EXPECT_EQ(a.reads, b.reads);
  EXPECT_EQ(a.crashes, b.crashes);
  EXPECT_EQ(a.maxTerm, b.maxTerm);
  EXPECT_GT(a.delivered, 0u);
  o.seed = 43;
  EXPECT_NE(ChaosCluster(o).run().delivered, a.delivered) << "another seed, another run";
}

TEST(ChaosTest, ReplaySeed) {
  std::string seed = envOr("DETCD_RAFT_CHAOS_SEED", "");
  if (seed.empty()) GTEST_SKIP() << "set DETCD_RAFT_CHAOS_SEED to replay a seed";
  ChaosOptions o;
  o.seed = std::stoull(seed);
  o.nodes = std::stoul(envOr("DETCD_RAFT_CHAOS_NODES", "5"));
  o.faultTicks = std::stoi(envOr("DETCD_RAFT_CHAOS_TICKS", "600"));
  o.mutations = mutationFromName(envOr("DETCD_RAFT_MUTATION", ""));
  ChaosCluster c(o);
  std::cout << "faults: " << c.describeFaults() << "\n";
  EXPECT_EQ(runOne(o), "");
}

// Throughput figure for docs: COUNT seeds from FIRST, NODES nodes, TICKS ticks of faults each.
TEST(ChaosTest, SeedRange) {
  std::string count = envOr("DETCD_RAFT_CHAOS_COUNT", "");
  if (count.empty()) GTEST_SKIP() << "set DETCD_RAFT_CHAOS_COUNT to run a seed range";
  int n = std::stoi(count);
  ChaosOptions o;
  o.nodes = std::stoul(envOr("DETCD_RAFT_CHAOS_NODES", "5"));
  o.faultTicks = std::stoi(envOr("DETCD_RAFT_CHAOS_TICKS", "10000"));
  auto start = std::chrono::steady_clock::now();
  ChaosStats total;
  const std::uint64_t first = std::stoull(envOr("DETCD_RAFT_CHAOS_FIRST", "1"));
  for (int s = 0; s < n; ++s) {
    o.seed = first + static_cast<std::uint64_t>(s);
    ChaosCluster c(o);
    ChaosStats st;
    ASSERT_NO_THROW(st = c.run()) << replayCommand(o);
    total.delivered += st.delivered;
    total.committedEntries += st.committedEntries;
    total.crashes += st.crashes;
    total.confChanges += st.confChanges;
    total.maxTerm = std::max(total.maxTerm, st.maxTerm);
    total.reads += st.reads;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "{} seeds x {} nodes x {} ticks in {:.2f}s: {:.2f} seeds/s; {} messages delivered, {} "
      "entries committed, {} ReadIndex answers checked, {} crashes, {} conf changes proposed, "
      "highest term {}\n",
      n, o.nodes, o.faultTicks, secs, n / secs, total.delivered, total.committedEntries,
      total.reads, total.crashes, total.confChanges, total.maxTerm);
}

// Each mutation breaks one safety rule; the harness must notice within the CI seed budget.
struct MutationCase {
  const char* name;
  Mutations mutations;
};

// GoogleTest shows the parameter beside each test's name (and so in its ctest name); without
// this it dumps the struct's bytes, pointer included, and the name changes with every build.
void PrintTo(const MutationCase& c, std::ostream* os) { *os << c.name; }

class MutationTest : public ::testing::TestWithParam<MutationCase> {};

TEST_P(MutationTest, HarnessCatchesBrokenRule) {
  ChaosOptions o;
  o.mutations = GetParam().mutations;
  // Longer runs than the property: a Figure 8 situation needs several quick elections.
  o.faultTicks = 3000;
  const std::uint64_t budget = 500;
  for (std::uint64_t seed = 1; seed <= budget; ++seed) {
    o.seed = seed;
    o.nodes = 3 + 2 * (seed % 3);
    try {
      ChaosCluster(o).run();
    } catch (const InvariantViolation& e) {
      std::cout << GetParam().name << " caught at seed " << seed << ": " << e.what() << "\n";
      return;
    } catch (const std::exception&) {
      // A broken cluster may also stall or trip an internal assertion (e.g. a follower
      // asked to overwrite a committed entry); keep looking for the invariant violation.
    }
  }
  FAIL() << "mutation " << GetParam().name << " survived " << budget << " seeds";
}

Mutations make(bool a, bool b, bool c) {
  Mutations m;
  m.commitPreviousTermReplicas = a;
  m.grantTwoVotesPerTerm = b;
  m.skipUpToDateCheck = c;
  return m;
}

INSTANTIATE_TEST_SUITE_P(
    Mutations, MutationTest,
    ::testing::Values(MutationCase{"commit_previous_term", make(true, false, false)},
                      MutationCase{"double_vote", make(false, true, false)},
                      MutationCase{"skip_up_to_date", make(false, false, true)}),
    [](const auto& p) { return std::string(p.param.name); });

// --- The same properties on the deterministic simulator (sim/) --------------------------

std::string runOneSim(const SimChaosOptions& o) {
  SimRaftCluster cluster(o);
  try {
    cluster.run();
    return "";
  } catch (const std::exception& e) {
    return fmt::format("{}\nfaults: {}\nreplay: {}", e.what(), cluster.describeFaults(),
                       simReplayCommand(o));
  }
}

RC_GTEST_PROP(SimChaosTest, SafetyUnderSimulatedFaultsThenLivenessAfterHeal, ()) {
  SimChaosOptions o;
  o.seed = *rc::gen::arbitrary<std::uint64_t>();
  o.nodes = *rc::gen::element<std::size_t>(3, 5, 7);
  o.faultPhase = std::chrono::seconds(6);  // 600 ticks
  const std::string failure = runOneSim(o);
  if (!failure.empty()) RC_FAIL(failure);
}

TEST(SimChaosTest, SameSeedSameTraceHash) {
  SimChaosOptions o;
  o.seed = 7;
  o.faultPhase = std::chrono::seconds(5);
  const SimChaosStats a = SimRaftCluster(o).run();
  const SimChaosStats b = SimRaftCluster(o).run();
  EXPECT_EQ(a.traceHash, b.traceHash) << simReplayCommand(o);
  EXPECT_EQ(a.events, b.events);
  EXPECT_GT(a.committed, 0u);
  o.seed = 8;
  EXPECT_NE(SimRaftCluster(o).run().traceHash, a.traceHash) << "another seed, another run";
}

TEST(SimChaosTest, ReplaySeed) {
  const std::string seed = envOr("DETCD_RAFT_SIM_SEED", "");
  if (seed.empty()) GTEST_SKIP() << "set DETCD_RAFT_SIM_SEED to replay a seed";
  SimChaosOptions o;
  o.seed = std::stoull(seed);
  o.nodes = std::stoul(envOr("DETCD_RAFT_SIM_NODES", "5"));
  o.faultPhase = std::chrono::seconds(std::stoi(envOr("DETCD_RAFT_SIM_SECONDS", "6")));
  o.mutations = mutationFromName(envOr("DETCD_RAFT_MUTATION", ""));
  std::cout << "faults: " << SimRaftCluster(o).describeFaults() << "\n";
  const std::string tracePath = envOr("DETCD_RAFT_SIM_TRACE", "");
  if (!tracePath.empty()) {
    // The whole run as JSON lines, for reading a failure event by event.
    std::ofstream trace(tracePath);
    SimRaftCluster cluster(o);
    cluster.writeTraceTo(&trace);
    try {
      cluster.run();
    } catch (const std::exception& e) {
      std::cout << e.what() << "\n";
    }
    cluster.writeTraceTo(nullptr);
    std::cout << "trace written to " << tracePath << "\n";
  }
  EXPECT_EQ(runOneSim(o), "");
}

// Throughput figure for docs/performance-raft.md.
TEST(SimChaosTest, SeedRange) {
  const std::string count = envOr("DETCD_RAFT_SIM_COUNT", "");
  if (count.empty()) GTEST_SKIP() << "set DETCD_RAFT_SIM_COUNT to run a seed range";
  const int n = std::stoi(count);
  SimChaosOptions o;
  o.nodes = std::stoul(envOr("DETCD_RAFT_SIM_NODES", "5"));
  o.faultPhase = std::chrono::seconds(std::stoi(envOr("DETCD_RAFT_SIM_SECONDS", "100")));
  const std::uint64_t first = std::stoull(envOr("DETCD_RAFT_SIM_FIRST", "1"));
  const auto start = std::chrono::steady_clock::now();
  SimChaosStats total;
  for (int s = 0; s < n; ++s) {
    o.seed = first + static_cast<std::uint64_t>(s);
    SimChaosStats st;
    ASSERT_NO_THROW(st = SimRaftCluster(o).run()) << simReplayCommand(o);
    total.events += st.events;
    total.committed += st.committed;
    total.crashes += st.crashes;
    total.partitions += st.partitions;
    total.pauses += st.pauses;
    total.reads += st.reads;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "{} seeds x {} nodes x {} s of faults in {:.2f}s: {:.2f} seeds/s; {} events, {} entries "
      "committed, {} reads checked, {} crashes, {} partitions, {} pauses\n",
      n, o.nodes, o.faultPhase.count() / 1'000'000'000, secs, n / secs, total.events,
      total.committed, total.reads, total.crashes, total.partitions, total.pauses);
}

class SimMutationTest : public ::testing::TestWithParam<MutationCase> {};

TEST_P(SimMutationTest, SimulatorHarnessCatchesBrokenRule) {
  SimChaosOptions o;
  o.mutations = GetParam().mutations;
  o.faultPhase = std::chrono::seconds(20);
  const std::uint64_t budget = 200;
  for (std::uint64_t seed = 1; seed <= budget; ++seed) {
    o.seed = seed;
    o.nodes = 3 + 2 * (seed % 3);
    try {
      SimRaftCluster(o).run();
    } catch (const InvariantViolation& e) {
      std::cout << GetParam().name << " caught at seed " << seed << ": " << e.what() << "\n";
      return;
    } catch (const std::exception&) {
      // A broken cluster may also stall; keep looking for the invariant violation.
    }
  }
  FAIL() << "mutation " << GetParam().name << " survived " << budget << " simulator seeds";
}

INSTANTIATE_TEST_SUITE_P(
    Mutations, SimMutationTest,
    ::testing::Values(MutationCase{"commit_previous_term", make(true, false, false)},
                      MutationCase{"double_vote", make(false, true, false)},
                      MutationCase{"skip_up_to_date", make(false, false, true)}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace detcd::raft::testing

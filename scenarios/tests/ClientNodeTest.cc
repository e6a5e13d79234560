// The simulated clients against real server::Node members (scenarios::Cluster), judged by every
// check: a healthy run and runs with a leader crash and an isolated leader pass with the
// linearizability search decided, and deliberate defects of the node are caught. (double-vote
// shows up too rarely in these short runs to be asserted here; RaftSafetyMonitorTest covers the
// two leaders it makes, and the swarm has the seeds.)

#include <gtest/gtest.h>

#include <string>

#include "scenarios/Cluster.h"
#include "scenarios/LeaseMonitor.h"
#include "scenarios/RaftSafetyMonitor.h"
#include "scenarios/RunChecks.h"
#include "scenarios/Workload.h"
#include "scenarios/WorkloadNodeChannel.h"
#include "sim/Simulation.h"

namespace detcd::scenarios {
namespace {

using env::Nanos;
constexpr Nanos kSecond{1'000'000'000};

struct NodeRun {
  std::vector<CheckResult> checks;
  ClientStats totals;
};

std::string describe(const std::vector<CheckResult>& checks) {
  std::string out;
  for (const auto& c : checks) out += c.name + ": " + c.detail + "\n" + c.explanation;
  return out;
}

/// The workload of `sc` on real members for its duration with its faults; then every cut heals,
/// every member is power-cycled and the cluster given 20 s to converge; then every check.
NodeRun runOnNodes(const Scenario& sc, std::uint64_t seed, const server::Bugs& bugs = {}) {
  sim::Simulation sim(seed);
  RaftSafetyMonitor raft;
  LeaseMonitor leases(leaseOptionsFor(sc));
  sim.trace().setObserver([&](Nanos t, env::NodeId n, std::string_view kind,
                              std::initializer_list<env::TraceField> fields) {
    raft.observe(t, n, kind, fields);
    leases.observe(t, n, kind, fields);
  });
  NodeRun out;
  {
    Cluster cluster(sim, sc, bugs);
    cluster.startAll();
    for (const Fault& f : sc.faults) sim.at(f.at, "fault", [&cluster, f] { cluster.apply(f); });
    HistoryRecorder recorder;
    NodeChannel channel(cluster);
    Workload workload(sc.workload, sim.seeds(), cluster, channel, recorder);
    workload.start();
    sim.runUntil(sc.duration);
    workload.stop();
    cluster.healAll();
    sim.runUntil(sc.duration + 2 * sc.workload.requestTimeout + kSecond);
    cluster.crashAndRestartAll();
    bool converged = sim.runUntil([&] { return cluster.converged(0) && cluster.leader(); },
                                  sim.now() + 20 * kSecond);
    CheckInput in;
    in.scenario = &sc;
    in.history = recorder.text();
    for (const auto& [id, record] : cluster.records()) {
      MemberFinal m;
      m.id = id;
      const server::Node* node = cluster.node(id);
      m.live = node != nullptr && !node->stopped();
      if (m.live) {
        m.status = node->status();
        m.store = &node->store();
      }
      in.members.push_back(m);
    }
    in.raftSafety = &raft;
    in.leases = &leases;
    in.liveness = {converged, converged ? "converged after the restart of every member"
                                        : "no convergence within 20 s of the restart"};
    out.checks = runChecks(in);
    out.totals = workload.totals();
  }
  sim.trace().setObserver({});
  return out;
}

Scenario threeMembers() {
  Scenario sc;
  sc.cluster.members = 3;
  sc.cluster.snapshotCount = 200;  // snapshots and WAL release happen during the run
  sc.cluster.snapshotCatchUpEntries = 50;
  sc.workload.clients = 5;
  sc.workload.rate = 100;
  sc.workload.mix.compact = 1;
  sc.duration = 20 * kSecond;
  return sc;
}

/// The leader crashes at 5 s (every member restarts at 8 s), the new leader is isolated from
/// 11 s to 15 s.
Scenario leaderCrashAndIsolation() {
  Scenario sc = threeMembers();
  Fault crash;
  crash.at = 5 * kSecond;
  crash.kind = FaultKind::kCrash;
  crash.node = "leader";
  sc.faults.push_back(crash);
  for (const char* name : {"n1", "n2", "n3"}) {
    Fault restart;
    restart.at = 8 * kSecond;
    restart.kind = FaultKind::kRestart;
    restart.node = name;
    sc.faults.push_back(restart);
  }
  Fault isolate;
  isolate.at = 11 * kSecond;
  isolate.kind = FaultKind::kIsolate;
  isolate.node = "leader";
  Fault heal;
  heal.at = 15 * kSecond;
  heal.kind = FaultKind::kHeal;
  sc.faults.push_back(isolate);
  sc.faults.push_back(heal);
  return sc;
}

void expectDecidedPass(const NodeRun& run, std::uint64_t seed) {
  EXPECT_TRUE(allPassed(run.checks)) << "seed " << seed << "\n" << describe(run.checks);
  EXPECT_EQ(run.checks.at(0).detail.find("not decided"), std::string::npos)
      << "seed " << seed << ": " << run.checks.at(0).detail;
  EXPECT_GT(run.totals.ok, 1000u) << "seed " << seed;
}

TEST(ClientNodeTest, AHealthyClusterPassesEveryCheck) {
  expectDecidedPass(runOnNodes(threeMembers(), 1), 1);
}

TEST(ClientNodeTest, ALeaderCrashAndAnIsolatedLeaderPassEveryCheck) {
  for (std::uint64_t seed : {1, 2, 3}) {
    NodeRun run = runOnNodes(leaderCrashAndIsolation(), seed);
    expectDecidedPass(run, seed);
    EXPECT_GT(run.totals.unknown, 0u) << "seed " << seed << ": the faults left outcomes unknown";
  }
}

/// The first of seeds 1..6 whose run fails a check, with the failed checks; "" if none.
std::string caught(const std::string& bug, Scenario sc) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    NodeRun run = runOnNodes(sc, seed, *server::parseBug(bug));
    if (!allPassed(run.checks)) return failedChecks(run.checks);
  }
  return "";
}

TEST(ClientNodeTest, TheChecksCatchDeliberateDefects) {
  EXPECT_EQ(caught("lost-watch-event", leaderCrashAndIsolation()), "watch");
  EXPECT_NE(caught("lease-early-expiry", leaderCrashAndIsolation()).find("leases"),
            std::string::npos);
  // Without CheckQuorum the isolated leader keeps believing it leads, and serves stale reads.
  Scenario noCheckQuorum = leaderCrashAndIsolation();
  noCheckQuorum.cluster.checkQuorum = false;
  EXPECT_EQ(caught("stale-read", noCheckQuorum), "linearizability");
}

}  // namespace
}  // namespace detcd::scenarios

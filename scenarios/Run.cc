#include "scenarios/Run.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "scenarios/Cluster.h"
#include "scenarios/HistoryRecorder.h"
#include "scenarios/LeaseMonitor.h"
#include "scenarios/RaftSafetyMonitor.h"
#include "scenarios/Workload.h"
#include "scenarios/WorkloadNodeChannel.h"
#include "sim/Simulation.h"

namespace detcd::scenarios {

using env::Nanos;

namespace {

/// How often phase conditions are polled (a predicate per scheduler event would dominate).
constexpr Nanos kPoll{100'000'000};
/// Requests that must complete after the heal for the cluster to count as live.
constexpr std::uint64_t kLivenessRequests = 3;
/// Virtual time the durability phase may take to converge after the restart of every member.
constexpr Nanos kConvergenceBound{30'000'000'000};

/// Runs `sim` until `done()` (checked every kPoll of virtual time) or `deadline`.
bool pollUntil(sim::Simulation& sim, const std::function<bool()>& done, Nanos deadline) {
  while (sim.now() < deadline) {
    if (done()) return true;
    sim.runUntil(std::min(deadline, sim.now() + kPoll));
  }
  return done();
}

std::ofstream openOut(const std::string& dir, const char* file) {
  const std::string path = (std::filesystem::path(dir) / file).string();
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  return out;
}

/// One "member-final" event per member ever created, at the end of the durability phase, for
/// reports (docs/reports.md): whether it runs and, when it does, its NodeStatus (HashKV, revision,
/// indexes), which the trace has no other event for.
void traceFinalStates(sim::Simulation& sim, const Cluster& cluster) {
  for (const auto& [id, record] : cluster.records()) {
    const server::Node* node = cluster.node(id);
    if (node == nullptr || node->stopped() || record.removed) {
      sim.trace().record(sim.now(), id, "member-final", {{"live", false}});
      continue;
    }
    const server::NodeStatus s = node->status();
    sim.trace().record(sim.now(), id, "member-final",
                       {{"live", true},
                        {"role", std::string_view(s.role)},
                        {"term", s.term},
                        {"leader", s.leader},
                        {"commit", s.commitIndex},
                        {"applied", s.appliedIndex},
                        {"snapshot", s.snapshotIndex},
                        {"first", s.firstIndex},
                        {"last", s.lastIndex},
                        {"revision", s.revision},
                        {"compact-revision", s.compactRevision},
                        {"hashkv", std::uint64_t{s.hashKv}}});
  }
}

/// The phases of a run on `sim` and the checks; see runScenario().
RunResult runPhases(sim::Simulation& sim, const Scenario& scenario, const RunOptions& options,
                    const RaftSafetyMonitor& raftMonitor, const LeaseMonitor& leaseMonitor,
                    std::ostream* historyOut) {
  Cluster cluster(sim, scenario, options.bugs, options.traceHeartbeats);
  HistoryRecorder history(historyOut);
  cluster.startAll();

  NodeChannel channel(cluster);
  Workload workload(scenario.workload, sim.seeds(), cluster, channel, history);
  workload.start();

  RunStats stats;
  for (const Fault& fault : scenario.faults) {
    // Cluster::apply traces the fault with its details.
    sim.scheduler().at(fault.at, [&cluster, &fault, &stats] {
      ++stats.faults;
      cluster.apply(fault);
    });
  }

  // Safety phase.
  sim.runUntil(scenario.duration);

  // Liveness phase: everything heals; within the bound a leader must serve new requests.
  cluster.healAll();
  const Nanos healedAt = sim.now();
  const bool live = pollUntil(
      sim,
      [&] { return cluster.leader() && history.okInvokedSince(healedAt) >= kLivenessRequests; },
      healedAt + scenario.livenessBound);
  LivenessResult liveness;
  liveness.ok = live;
  liveness.detail =
      live ? fmt::format("a leader served {} new requests within {:.1f} s of the heal",
                         history.okInvokedSince(healedAt),
                         static_cast<double>((sim.now() - healedAt).count()) / 1e9)
           : fmt::format("no leader completed {} new requests within {:.1f} s of the heal",
                         kLivenessRequests,
                         static_cast<double>(scenario.livenessBound.count()) / 1e9);

  // Let the requests in flight finish or time out, then stop the workload.
  workload.stop();
  sim.runUntil(sim.now() + scenario.workload.requestTimeout + Nanos{1'000'000'000});

  // Durability phase: every member loses power and restarts; the survivors must converge. They
  // restart at their durable commit index, which may trail what they had applied (etcd syncs a
  // commit-only HardState lazily), so they must first get back to the highest applied index:
  // only a new leader's first commit tells them the rest is committed.
  std::uint64_t appliedBefore = 0;
  for (const auto& [id, record] : cluster.records()) {
    const server::Node* node = cluster.node(id);
    if (node != nullptr && !node->stopped()) {
      appliedBefore = std::max(appliedBefore, node->status().appliedIndex);
    }
  }
  cluster.crashAndRestartAll();
  pollUntil(sim, [&] { return cluster.leader() && cluster.converged(appliedBefore); },
            sim.now() + kConvergenceBound);

  // A member that refused to start although nothing corrupted its disk lost acknowledged state
  // or misread a torn tail as damage: the cluster did not recover as it must.
  RunResult result;
  for (const auto& [id, record] : cluster.records()) {
    const std::string name = memberName(id);
    const bool expected = std::find(scenario.expectRefusal.begin(), scenario.expectRefusal.end(),
                                    name) != scenario.expectRefusal.end();
    if (record.refused && !record.corrupted) {
      liveness.ok = false;
      liveness.detail = fmt::format("{} refused to start without injected corruption: {}", name,
                                    record.refusal);
    } else if (record.refused) {
      result.notes.push_back(fmt::format("{} refused to start: {}{}", name, record.refusal,
                                         expected ? " (expected by the scenario)" : ""));
    } else if (expected) {
      result.notes.push_back(fmt::format(
          "{} did not refuse to start: the injected corruption was not found (it hit data "
          "that was released, rewritten or never read back)", name));
    }
  }

  traceFinalStates(sim, cluster);

  CheckInput input;
  input.scenario = &scenario;
  input.history = history.text();
  input.raftSafety = &raftMonitor;
  input.leases = &leaseMonitor;
  input.liveness = liveness;
  for (const auto& [id, record] : cluster.records()) {
    MemberFinal member;
    member.id = id;
    const server::Node* node = cluster.node(id);
    member.live = node != nullptr && !node->stopped() && !record.removed;
    if (member.live) {
      member.status = node->status();
      member.store = &node->store();
    }
    input.members.push_back(std::move(member));
  }
  result.checks = runChecks(input);
  result.stats = stats;
  result.stats.operations = history.counts().invoked;
  result.stats.ok = history.counts().ok;
  result.stats.failed = history.counts().failed;
  result.stats.unknown = history.counts().unknown;
  return result;
}

}  // namespace

std::string RunResult::failedChecks() const { return scenarios::failedChecks(checks); }

std::string RunResult::verdictLine() const {
  return passed ? "verdict: PASS" : fmt::format("verdict: FAIL ({})", failedChecks());
}

RunResult runScenario(const Scenario& scenario, const RunOptions& options) {
  std::ofstream traceOut, historyOut;
  if (!options.outDir.empty()) {
    std::filesystem::create_directories(options.outDir);
    traceOut = openOut(options.outDir, "trace.jsonl");
    historyOut = openOut(options.outDir, "history.jsonl");
  }

  // The monitors watch the trace until the simulation is gone (its destruction crashes every
  // host, which is traced), so they are declared before it.
  RaftSafetyMonitor raftMonitor;
  LeaseMonitor leaseMonitor(leaseOptionsFor(scenario));
  sim::Simulation sim(options.seed);
  if (traceOut.is_open()) sim.trace().writeTo(&traceOut);
  sim.trace().setObserver([&](Nanos time, env::NodeId node, std::string_view kind,
                              std::initializer_list<env::TraceField> fields) {
    raftMonitor.observe(time, node, kind, fields);
    leaseMonitor.observe(time, node, kind, fields);
  });

  RunResult result;
  try {
    result = runPhases(sim, scenario, options, raftMonitor, leaseMonitor,
                       historyOut.is_open() ? &historyOut : nullptr);
  } catch (const std::exception& e) {
    // A member panicked (Raft, the WAL or the store found its state impossible, as etcd's raft
    // panics on "tocommit out of range"): its process would have died with this message.
    result = {};
    result.checks.push_back({"panic", false, false,
                             fmt::format("a member panicked at {:.3f} s: {}",
                                         static_cast<double>(sim.now().count()) / 1e9, e.what()),
                             ""});
  }
  result.passed = allPassed(result.checks);
  if (!options.outDir.empty()) {
    openOut(options.outDir, "checks.json") << checksJson(result.checks, result.notes);
  }
  result.traceHash = sim.trace().hash();
  result.stats.events = sim.trace().events();
  result.stats.virtualTime = sim.now();
  return result;
}

}  // namespace detcd::scenarios

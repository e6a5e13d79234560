#include "scenarios/Run.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "scenarios/Client.h"
#include "scenarios/Cluster.h"
#include "scenarios/HistoryRecorder.h"
#include "scenarios/LeaseMonitor.h"
#include "scenarios/RaftSafetyMonitor.h"
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

}  // namespace

std::string RunResult::failedChecks() const {
  std::string out;
  for (const CheckResult& c : checks) {
    if (c.passed || c.skipped) continue;
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

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

  sim::Simulation sim(options.seed);
  if (traceOut.is_open()) sim.trace().writeTo(&traceOut);
  RaftSafetyMonitor raftMonitor;
  LeaseMonitor leaseMonitor;
  sim.trace().setObserver([&](Nanos time, env::NodeId node, std::string_view kind,
                              std::initializer_list<env::TraceField> fields) {
    raftMonitor.onEvent(time, node, kind, fields);
    leaseMonitor.onEvent(time, node, kind, fields);
  });

  Cluster cluster(sim, scenario, options.bugs);
  HistoryRecorder history(historyOut.is_open() ? &historyOut : nullptr);
  cluster.startAll();

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 1; i <= scenario.workload.clients; ++i) {
    const auto id = static_cast<std::int64_t>(i);
    clients.push_back(std::make_unique<Client>(
        id, sim.seeds().stream(fmt::format("workload/client/{}", id)), scenario.workload,
        cluster, history));
  }
  for (auto& c : clients) c->start();

  RunResult result;
  for (const Fault& fault : scenario.faults) {
    sim.at(fault.at, "fault", [&cluster, &fault, &result] {
      ++result.stats.faults;
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
  for (auto& c : clients) c->stop();
  sim.runUntil(sim.now() + scenario.workload.requestTimeout + Nanos{1'000'000'000});

  // Durability phase: every member loses power and restarts; the survivors must converge.
  cluster.crashAndRestartAll();
  pollUntil(sim, [&] { return cluster.leader() && cluster.converged(0); },
            sim.now() + kConvergenceBound);

  CheckInput input{scenario, history, {}, raftMonitor, leaseMonitor, liveness,
                   cluster.maxDriftPpm(), cluster.clockSteps()};
  for (const auto& [id, record] : cluster.records()) {
    MemberFinal final;
    final.id = id;
    const server::Node* node = cluster.node(id);
    final.live = node != nullptr && !node->stopped() && !record.removed;
    if (node != nullptr) {
      final.status = node->status();
      final.store = &node->store();
    }
    final.refused = record.refused;
    final.corrupted = record.corrupted;
    input.members.push_back(std::move(final));
  }
  result.checks = runChecks(input);
  result.passed = std::none_of(result.checks.begin(), result.checks.end(),
                               [](const CheckResult& c) { return !c.passed && !c.skipped; });
  result.traceHash = sim.trace().hash();
  result.stats.events = sim.trace().events();
  result.stats.virtualTime = sim.now();
  result.stats.operations = history.operations();
  result.stats.ok = history.okCount();
  result.stats.failed = history.failCount();
  result.stats.unknown = history.infoCount();
  sim.trace().setObserver({});
  return result;
}

}  // namespace detcd::scenarios

#pragma once
// One checked run of a scenario on the simulator: the safety phase (workload + faults), the
// liveness phase (faults stop, everything heals, new requests must complete), the durability
// phase (every member loses power and restarts), then every check. What `detcd-sim run` and each
// swarm seed do.

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/RunChecks.h"
#include "scenarios/Scenario.h"
#include "server/Bugs.h"

namespace detcd::scenarios {

struct RunOptions {
  std::uint64_t seed = 1;
  server::Bugs bugs;
  /// When not empty: trace.jsonl, history.jsonl and checks.json (checksJson) are written there
  /// (created if missing).
  std::string outDir;
  /// Trace heartbeats too (server::NodeConfig::traceHeartbeats), for reports that show them.
  /// Changes the trace and its hash, not what the cluster does.
  bool traceHeartbeats = false;
};

/// Counts of one run, for the summary and the benchmarks.
struct RunStats {
  std::uint64_t events = 0;      ///< trace events
  env::Nanos virtualTime{0};     ///< virtual time simulated, all phases
  std::uint64_t operations = 0;  ///< client operations invoked
  std::uint64_t ok = 0, failed = 0, unknown = 0;
  std::uint64_t faults = 0;      ///< scheduled faults applied
};

struct RunResult {
  bool passed = false;
  std::vector<CheckResult> checks;
  std::uint64_t traceHash = 0;
  RunStats stats;
  /// What the run recorded beyond the checks, one line each: members that refused to start on
  /// a corrupted disk (and whether the scenario's expect-refusal named them).
  std::vector<std::string> notes;
  /// The names of the failed checks, comma-separated ("" when passed).
  std::string failedChecks() const;
  /// "verdict: PASS" or "verdict: FAIL (<failed checks>)".
  std::string verdictLine() const;
};

/// Runs `scenario` with `options`. Deterministic: the same scenario, seed, bugs and binary give
/// the same trace hash and result. Throws std::invalid_argument for a scenario the cluster
/// cannot run (e.g. a fault naming a member that never exists).
RunResult runScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace detcd::scenarios

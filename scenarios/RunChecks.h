#pragma once
// The checks made at the end of every simulated run (issue 7 "Checks on every run";
// docs/checks.md): linearizability, watch guarantees, Raft safety, durability, convergence,
// liveness and lease safety.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkers/History.h"
#include "server/Node.h"

namespace detcd::mvcc {
class KvStore;
}

namespace detcd::scenarios {

struct Scenario;
class RaftSafetyMonitor;
class LeaseMonitor;

/// One member at the end of the run, after the runner restarted every member (so that
/// durability is judged on what each member recovered from its disk).
struct MemberFinal {
  std::uint64_t id = 0;
  bool live = false;          ///< running (not down, not stopped, not removed)
  server::NodeStatus status;  ///< meaningful when live
  const mvcc::KvStore* store = nullptr;  ///< the member's state machine when live, else null
};

/// The runner's liveness verdict (after the faults stopped and the network healed, a leader
/// was elected and new requests completed within the scenario's bound).
struct LivenessResult {
  bool ok = true;
  std::string detail;  ///< one line: what happened, or what did not
};

/// Everything the checks read. Pointers must stay valid during runChecks().
struct CheckInput {
  const Scenario* scenario = nullptr;  ///< its CheckSet decides which checks run
  std::string history;                 ///< the history as recorded (HistoryRecorder::text())
  std::vector<MemberFinal> members;
  const RaftSafetyMonitor* raftSafety = nullptr;  ///< null: raft-safety fails (no data)
  const LeaseMonitor* leases = nullptr;           ///< null: leases fails (no data)
  LivenessResult liveness;
  /// Bound of the linearizability search (checkers::CheckOptions::maxSteps, deterministic);
  /// reaching it gives an "unknown" verdict, reported as passed with a note. About a million
  /// steps a second here (docs/checks.md); ordinary runs need far fewer.
  std::uint64_t linearizabilityMaxSteps = 5'000'000;
};

/// A client operation named by where it is in the recorded history: the 1-based line of its
/// invocation (history.jsonl), its client and its invocation time (virtual ns).
struct HistoryOpRef {
  std::int64_t line = 0;
  std::int64_t client = 0;
  std::int64_t invokeTime = 0;
};

/// The operations of a linearizability violation (checkers::Violation, docs/checkers.md) by
/// history line, for reports. Operations no client issued (a lease expiry) are left out.
struct ViolationOps {
  std::string group;  ///< the failing group, e.g. `key "3"`; "" for the whole history
  std::vector<HistoryOpRef> prefix;  ///< the longest linearizable prefix, invocation order
  std::vector<HistoryOpRef> window;  ///< the smallest non-linearizable window
  std::optional<HistoryOpRef> culprit;  ///< the op whose completion cannot be linearized
  bool windowMinimal = true;  ///< false: a smaller window may exist (a probe ran out of steps)
  bool partial = false;       ///< a limit cut the explanation short
};

/// The verdict of one check.
struct CheckResult {
  /// "linearizability", "watch", "raft-safety", "durability", "convergence", "liveness",
  /// "leases".
  std::string name;
  bool passed = true;
  bool skipped = false;  ///< not in the scenario's CheckSet (then passed too)
  std::string detail;       ///< one line
  std::string explanation;  ///< optional, several lines (a violation's window, a list)
  /// linearizability, when it failed and the checker explained why.
  std::optional<ViolationOps> violation = std::nullopt;
};

/// Runs every check of the scenario's CheckSet, in the order of CheckResult::name's list.
/// Never throws for a bad history: a history that does not parse fails linearizability and
/// watch with the parse error (it is the recorder's bug, not the cluster's).
std::vector<CheckResult> runChecks(const CheckInput& input);

/// The checks and the run's notes as one JSON document, what a run writes to checks.json
/// (docs/reports.md): {"passed": bool, "checks": [{"name", "status" ("ok", "FAILED",
/// "skipped"), "detail", "explanation", and for a linearizability violation "violation":
/// {"group", "prefix", "window", "culprit" (null when none), "windowMinimal", "partial"}, each
/// operation as {"line", "client", "invoke"}}], "notes": [strings]}.
std::string checksJson(const std::vector<CheckResult>& results,
                       const std::vector<std::string>& notes);

/// True when no check failed.
bool allPassed(const std::vector<CheckResult>& results);
/// The names of the failed checks, comma-separated ("linearizability, durability"), for
/// `verdict: FAIL (<which checks>)`.
std::string failedChecks(const std::vector<CheckResult>& results);

// The individual checks, for tests and for tools that have only part of the input.

/// Durability: on every live member with a store, every acknowledged write is there: for each
/// ok put / delete (deleted > 0) / txn with writes / lease revoke at response revision R, R is
/// not above the member's current revision, and unless R is compacted away the records at R
/// hold that write (the put's key and value, a tombstone for each deleted key, only tombstones
/// for a revoke).
CheckResult checkDurability(const checkers::History& history,
                            const std::vector<MemberFinal>& members);
/// Convergence: live members with equal applied index have equal revision and HashKV (computed
/// from the store when given, else NodeStatus::hashKv).
CheckResult checkConvergence(const std::vector<MemberFinal>& members);

}  // namespace detcd::scenarios

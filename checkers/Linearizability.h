#pragma once
// The linearizability checker: Wing & Gong's search with Lowe's just-in-time
// linearization and memoization of (linearized set, model state), as in
// Lowe, "Testing for linearizability" (2017) and porcupine. See
// docs/checkers.md for the algorithm and how to read a violation.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkers/History.h"
#include "checkers/Model.h"

namespace detcd::checkers {

/// Limits of one check. Reaching any of them yields Verdict::kUnknown, never
/// a wrong verdict.
struct CheckOptions {
  /// Wall-clock limit for the whole check (all groups and the explanation),
  /// in seconds; 0 = none. Not deterministic by nature: use maxSteps where a
  /// reproducible bound is needed.
  double timeoutSeconds = 0;
  /// Search steps (memo probes) over the whole check; 0 = none. Deterministic.
  uint64_t maxSteps = 0;
  /// Bytes the memo of one search may use (entries, slots, bitsets).
  size_t memoCapBytes = size_t{1} << 30;
  /// Compute a Violation (longest linearizable prefix, smallest window).
  bool explain = true;
};

enum class Verdict { kLinearizable, kNotLinearizable, kUnknown };

/// Why a history is not linearizable, for people and for reports. Operation
/// indices refer to History::operations, or past its end to `internal`.
struct Violation {
  std::string group;  ///< the failing group, e.g. `key "3"`; "" for the whole history
  /// Ops of the longest linearizable prefix of the group (ops invoked before
  /// the first completion that cannot be explained), in invocation order.
  std::vector<size_t> prefix;
  /// One linearization of that prefix: ops that took effect, in order.
  std::vector<size_t> linearization;
  /// The operation whose completion cannot be linearized after the prefix.
  std::optional<size_t> culprit;
  /// The smallest window of consecutive ops (by invocation, ending with the
  /// culprit's completion) whose observed results cannot be linearized even
  /// when every earlier op's result is ignored and its effect made optional.
  std::vector<size_t> window;
  /// False when a probe ran out of steps, so a smaller window may exist
  /// (the window given is still proven non-linearizable).
  bool windowMinimal = true;
  /// Set when a limit cut the explanation short (the verdict still stands).
  bool partial = false;
  /// Operations no client issued (Model::internalOperations, e.g. a lease
  /// expiry), index History::operations.size() + k.
  std::vector<Operation> internal;
};

struct CheckResult {
  Verdict verdict = Verdict::kLinearizable;
  std::string reason;  ///< one line: which group failed, or which limit was hit
  std::optional<Violation> violation;
  size_t groups = 0;   ///< independent groups checked
  uint64_t steps = 0;  ///< search steps taken
  size_t peakMemoBytes = 0;
};

/// Checks `history` against `model`. Throws std::invalid_argument when an
/// operation does not belong to the model.
CheckResult checkLinearizability(const History& history, const Model& model,
                                 const CheckOptions& options = {});

/// Multi-line rendering of a violation: the culprit, the window with file
/// lines, the longest prefix and its linearization.
std::string describeViolation(const Violation& violation, const History& history,
                              const Model& model);

}  // namespace detcd::checkers

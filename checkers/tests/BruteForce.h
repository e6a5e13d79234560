#pragma once
// A brute-force linearizability check for small histories, the oracle of the
// property tests: tries every order that respects real time, where ops with
// an unknown outcome (no return) may also never happen. Exponential.

#include <algorithm>
#include <vector>

#include "checkers/History.h"

namespace detcd::checkers {

/// `Reference` is a copyable sequential model with `bool check(const
/// Operation&)`: apply the op, false if its observed result differs.
/// `done` marks ops already placed (all false at the top).
template <class Reference>
bool bruteForceLinearizable(const std::vector<Operation>& ops, std::vector<bool>& done,
                            const Reference& reference) {
  Timestamp firstReturn = kNever;
  bool definiteLeft = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (done[i] || ops[i].returnTime == kNever) continue;
    definiteLeft = true;
    firstReturn = std::min(firstReturn, ops[i].returnTime);
  }
  if (!definiteLeft) return true;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (done[i] || ops[i].invokeTime > firstReturn) continue;
    Reference next = reference;
    if (!next.check(ops[i])) continue;
    done[i] = true;
    bool ok = bruteForceLinearizable(ops, done, next);
    done[i] = false;
    if (ok) return true;
  }
  return false;
}

}  // namespace detcd::checkers

#pragma once
// Latency distributions for links and disk operations.

#include "env/Time.h"
#include "sim/Rng.h"

namespace detcd::sim {

/// A distribution of delays, in virtual nanoseconds.
/// - constant(d): always d.
/// - uniform(lo, hi): uniform in [lo, hi].
/// - exponential(min, mean): min plus an exponential with the given mean (a long tail).
struct Latency {
  enum class Kind { kConstant, kUniform, kExponential };

  Kind kind = Kind::kConstant;
  env::Nanos a{0};  ///< constant: the delay; uniform: low bound; exponential: minimum
  env::Nanos b{0};  ///< uniform: high bound; exponential: mean of the part above the minimum

  static Latency constant(env::Nanos d) { return {Kind::kConstant, d, d}; }
  static Latency uniform(env::Nanos lo, env::Nanos hi) { return {Kind::kUniform, lo, hi}; }
  static Latency exponential(env::Nanos min, env::Nanos mean) {
    return {Kind::kExponential, min, mean};
  }

  /// One draw. Draws from `rng` only for the random kinds (a constant draws nothing).
  env::Nanos sample(Rng& rng) const {
    switch (kind) {
      case Kind::kConstant:
        return a;
      case Kind::kUniform:
        return env::Nanos(rng.between(a.count(), b.count()));
      case Kind::kExponential:
        return a + rng.exponential(b);
    }
    return a;
  }
};

}  // namespace detcd::sim

#pragma once
// Seeded randomness for the simulator: xoshiro256** streams split from one root seed by name.

#include <cstdint>
#include <string>
#include <string_view>

#include "env/Time.h"

namespace detcd::sim {

/// A deterministic pseudo-random stream: xoshiro256** (Blackman & Vigna, 2018), seeded through
/// SplitMix64 as its authors recommend. Every helper below is defined here, not by the standard
/// library (whose distributions differ between implementations), so a seed means the same run on
/// every platform and compiler.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  /// 64 uniformly distributed bits.
  std::uint64_t next();

  /// Uniform in [0, bound). `bound` must be > 0. Unbiased (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t bound);

  /// Uniform in [lo, hi], both inclusive; lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);

  /// Uniform in [0, 1), with 53 random bits.
  double unit();

  /// True with probability p (p <= 0: never; p >= 1: always, and no draw is made for either).
  bool chance(double p);

  /// Exponentially distributed with the given mean (>= 0), rounded to whole nanoseconds.
  env::Nanos exponential(env::Nanos mean);

  /// `n` random bytes.
  std::string bytes(std::size_t n);

 private:
  std::uint64_t s_[4];
};

/// The root of a run's randomness. Each component draws from its own named stream, derived from
/// the root seed and the name only, so that an extra draw in one component never changes another
/// component's stream ("network", "disk/3", "buggify/wal-early-cut", "workload/client-7").
class SeedTree {
 public:
  explicit SeedTree(std::uint64_t rootSeed) : root_(rootSeed) {}

  std::uint64_t rootSeed() const { return root_; }

  /// The seed of stream `name`: a pure function of (root seed, name).
  std::uint64_t seedFor(std::string_view name) const;

  /// A fresh Rng positioned at the start of stream `name`.
  Rng stream(std::string_view name) const { return Rng(seedFor(name)); }

 private:
  std::uint64_t root_;
};

/// SplitMix64's output function: a bijective 64-bit mixer (Steele, Lea & Flood, 2014).
std::uint64_t mix64(std::uint64_t x);

}  // namespace detcd::sim

#pragma once
// Deterministic pseudo-random numbers for election jitter (no global randomness).

#include <cstdint>

namespace detcd::raft {

// SplitMix64: tiny, fast, and fully determined by its seed, so a simulated run replays
// exactly. Not for cryptography.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n); n must be > 0. Modulo bias is negligible for tick-sized n.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

}  // namespace detcd::raft

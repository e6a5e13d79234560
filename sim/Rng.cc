#include "sim/Rng.h"

#include <xxhash.h>

#include <cassert>
#include <cmath>

namespace detcd::sim {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Rng::Rng(std::uint64_t seed) {
  // SplitMix64 sequence from the seed fills the state; it is never all zero.
  std::uint64_t x = seed;
  for (auto& word : s_) {
    word = mix64(x);
    x += 0x9e3779b97f4a7c15ULL;
  }
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  assert(bound > 0);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  __extension__ using u128 = unsigned __int128;
  u128 m = static_cast<u128>(next()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<u128>(next()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Rng::between(std::int64_t lo, std::int64_t hi) {
  assert(lo <= hi);
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span + 1));
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

bool Rng::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return unit() < p;
}

env::Nanos Rng::exponential(env::Nanos mean) {
  assert(mean.count() >= 0);
  if (mean.count() == 0) return env::Nanos::zero();
  // Inverse transform; 1 - unit() is in (0, 1], so the log is finite.
  const double draw = -std::log(1.0 - unit()) * static_cast<double>(mean.count());
  return env::Nanos(static_cast<std::int64_t>(std::llround(draw)));
}

std::string Rng::bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t word = next();
    for (std::size_t j = i; j < n && j < i + 8; ++j) {
      out[j] = static_cast<char>(word & 0xff);
      word >>= 8;
    }
  }
  return out;
}

std::uint64_t SeedTree::seedFor(std::string_view name) const {
  return mix64(root_ ^ XXH3_64bits(name.data(), name.size()));
}

}  // namespace detcd::sim

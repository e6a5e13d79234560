#pragma once
// WAL fdatasync latencies in etcd's buckets (etcd_disk_wal_fsync_duration_seconds).

#include <array>
#include <cstddef>
#include <cstdint>

#include "env/Time.h"

namespace detcd::server {

/// A histogram of durations with the bucket bounds of etcd's wal_fsync_duration_seconds:
/// 1 ms * 2^i for i = 0..13 (Prometheus ExponentialBuckets(0.001, 2, 14): 1 ms .. 8.192 s), plus
/// one bucket above the last bound (+Inf). A duration equal to a bound falls in that bound's
/// bucket (Prometheus's "le"). Durations come from env::Clock, so under the simulator they are
/// virtual and deterministic (the simulated disk's modelled latency).
struct FsyncHistogram {
  static constexpr std::size_t kBounds = 14;

  /// Upper bound of bucket `i` (< kBounds).
  static constexpr env::Nanos bound(std::size_t i) {
    return std::chrono::milliseconds(1) * (std::int64_t{1} << i);
  }

  /// Counts one duration (negative ones count as zero).
  void observe(env::Nanos d) {
    if (d < env::Nanos::zero()) d = env::Nanos::zero();
    std::size_t i = 0;
    while (i < kBounds && d > bound(i)) ++i;
    ++counts[i];
    sum += d;
    ++count;
  }

  /// Per bucket, NOT cumulative: counts[i] holds durations in (bound(i-1), bound(i)];
  /// counts[kBounds] those above bound(kBounds - 1).
  std::array<std::uint64_t, kBounds + 1> counts{};
  env::Nanos sum{0};  ///< total of every duration observed
  std::uint64_t count = 0;
};

}  // namespace detcd::server

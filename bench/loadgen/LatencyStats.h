#pragma once
// The load client's report (docs/performance-server.md): throughput and latency percentiles of
// one closed-loop run, as etcd's benchmark tool reports them.

#include <cstddef>
#include <string>
#include <vector>

namespace detcd::loadgen {

/// One run's figures. Latencies in milliseconds; throughput in successful requests per second
/// of wall-clock time (first request sent to last answer received).
struct Summary {
  size_t requests = 0;  // answered OK
  size_t errors = 0;    // answered with a non-OK status (not in the latencies)
  double seconds = 0;
  double requestsPerSecond = 0;
  double averageMs = 0;
  double fastestMs = 0;
  double slowestMs = 0;
  double p50Ms = 0;
  double p90Ms = 0;
  double p99Ms = 0;
  std::string firstError;  // the first non-OK status message, if any
};

/// Summarises `latenciesMs` (one per successful request, any order; sorted in place).
/// Percentiles use the nearest-rank rule: p = the smallest latency with at least p% of the
/// latencies at or below it. With no latency, every latency figure is 0.
Summary summarize(std::vector<double>& latenciesMs, size_t errors, double seconds);

/// A few human-readable lines (etcd benchmark's "Summary" block, shortened).
std::string formatSummary(const Summary& summary);

/// One JSON object with the same figures (keys: requests, errors, seconds, requests_per_second,
/// average_ms, fastest_ms, slowest_ms, p50_ms, p90_ms, p99_ms, first_error), for scripts.
std::string summaryJson(const Summary& summary);

/// One tab-separated line "requests_per_second p50_ms p99_ms errors", for shell scripts
/// (bench/compare-etcd.sh reads it with `read`).
std::string summaryTsv(const Summary& summary);

}  // namespace detcd::loadgen

#include "bench/loadgen/LatencyStats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace detcd::loadgen {
namespace {

double percentile(const std::vector<double>& sorted, double p) {
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

Summary summarize(std::vector<double>& latenciesMs, size_t errors, double seconds) {
  Summary s;
  s.requests = latenciesMs.size();
  s.errors = errors;
  s.seconds = seconds;
  s.requestsPerSecond = seconds > 0 ? static_cast<double>(s.requests) / seconds : 0;
  if (latenciesMs.empty()) return s;
  std::sort(latenciesMs.begin(), latenciesMs.end());
  s.averageMs = std::accumulate(latenciesMs.begin(), latenciesMs.end(), 0.0) /
                static_cast<double>(latenciesMs.size());
  s.fastestMs = latenciesMs.front();
  s.slowestMs = latenciesMs.back();
  s.p50Ms = percentile(latenciesMs, 50);
  s.p90Ms = percentile(latenciesMs, 90);
  s.p99Ms = percentile(latenciesMs, 99);
  return s;
}

std::string formatSummary(const Summary& s) {
  return fmt::format(
      "Summary:\n  Total:        {:.4f} secs.\n  Requests:     {} ok, {} errors\n"
      "  Slowest:      {:.4f} ms\n  Fastest:      {:.4f} ms\n  Average:      {:.4f} ms\n"
      "  Requests/sec: {:.1f}\n  Latency:      p50 {:.4f} ms, p90 {:.4f} ms, p99 {:.4f} ms\n",
      s.seconds, s.requests, s.errors, s.slowestMs, s.fastestMs, s.averageMs,
      s.requestsPerSecond, s.p50Ms, s.p90Ms, s.p99Ms) +
         (s.firstError.empty() ? "" : fmt::format("  First error:  {}\n", s.firstError));
}

std::string summaryJson(const Summary& s) {
  nlohmann::json j = {{"requests", s.requests},     {"errors", s.errors},
                      {"seconds", s.seconds},       {"requests_per_second", s.requestsPerSecond},
                      {"average_ms", s.averageMs},  {"fastest_ms", s.fastestMs},
                      {"slowest_ms", s.slowestMs},  {"p50_ms", s.p50Ms},
                      {"p90_ms", s.p90Ms},          {"p99_ms", s.p99Ms},
                      {"first_error", s.firstError}};
  return j.dump();
}

std::string summaryTsv(const Summary& s) {
  return fmt::format("{:.1f}\t{:.4f}\t{:.4f}\t{}", s.requestsPerSecond, s.p50Ms, s.p99Ms,
                     s.errors);
}

}  // namespace detcd::loadgen

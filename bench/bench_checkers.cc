// Linearizability checker benchmarks on the public histories in
// ../shared/histories (figures in docs/performance-checkers.md).
//   build/bin/bench_checkers [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checkers/KvModel.h"
#include "checkers/Linearizability.h"
#include "checkers/RegisterModel.h"

namespace detcd::checkers {
namespace {

const std::string kHistories = std::string(DETCD_SHARED_DIR) + "/histories";

// The 102 non-empty Jepsen etcd histories, parsed once.
const std::vector<History>& jepsenHistories() {
  static const std::vector<History> histories = [] {
    std::vector<History> out;
    for (int n = 0; n <= 102; ++n) {
      char name[64];
      std::snprintf(name, sizeof name, "/jepsen-etcd/etcd_%03d.log", n);
      History h = readHistoryFile(kHistories + name, Format::kJepsen);
      if (!h.operations.empty()) out.push_back(std::move(h));
    }
    return out;
  }();
  return histories;
}

const History& kvHistory(const std::string& name) {
  static std::map<std::string, History> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache.emplace(name, readHistoryFile(kHistories + "/kv/" + name + ".txt", Format::kEdn))
             .first;
  }
  return it->second;
}

CheckOptions verdictOnly(double timeoutSeconds = 0) {
  CheckOptions o;
  o.explain = false;
  o.timeoutSeconds = timeoutSeconds;
  return o;
}

void BM_JepsenEtcdAll(benchmark::State& state) {
  const std::vector<History>& histories = jepsenHistories();
  RegisterModel model;
  for (auto _ : state) {
    int notLinearizable = 0;
    for (const History& h : histories) {
      notLinearizable += checkLinearizability(h, model, verdictOnly()).verdict ==
                         Verdict::kNotLinearizable;
    }
    benchmark::DoNotOptimize(notLinearizable);
  }
  state.counters["histories"] = static_cast<double>(histories.size());
}
BENCHMARK(BM_JepsenEtcdAll)->Unit(benchmark::kMillisecond);

// The slowest single Jepsen history (found by timing each once up front).
void BM_JepsenEtcdSlowest(benchmark::State& state) {
  const std::vector<History>& histories = jepsenHistories();
  RegisterModel model;
  size_t slowest = 0;
  double worst = -1;
  for (size_t i = 0; i < histories.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < 5; ++k) checkLinearizability(histories[i], model, verdictOnly());
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t > worst) {
      worst = t;
      slowest = i;
    }
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(checkLinearizability(histories[slowest], model, verdictOnly()));
  }
  state.SetLabel("history #" + std::to_string(slowest) + " of the non-empty ones");
}
BENCHMARK(BM_JepsenEtcdSlowest)->Unit(benchmark::kMillisecond);

// Jepsen etcd histories with the violation explanation computed as well.
void BM_JepsenEtcdAllExplained(benchmark::State& state) {
  const std::vector<History>& histories = jepsenHistories();
  RegisterModel model;
  for (auto _ : state) {
    for (const History& h : histories) {
      benchmark::DoNotOptimize(checkLinearizability(h, model, CheckOptions{}));
    }
  }
}
BENCHMARK(BM_JepsenEtcdAllExplained)->Unit(benchmark::kMillisecond);

void kvBenchmark(benchmark::State& state, const std::string& name, bool perKey, bool explain,
                 double timeoutSeconds) {
  const History& h = kvHistory(name);
  KvModel model(perKey);
  CheckOptions options = verdictOnly(timeoutSeconds);
  options.explain = explain;
  CheckResult last;
  for (auto _ : state) last = checkLinearizability(h, model, options);
  state.SetLabel(last.verdict == Verdict::kLinearizable      ? "linearizable"
                 : last.verdict == Verdict::kNotLinearizable ? "NOT linearizable"
                                                             : "unknown: " + last.reason);
  state.counters["steps"] = static_cast<double>(last.steps);
  state.counters["peak_memo_MiB"] = static_cast<double>(last.peakMemoBytes) / (1 << 20);
}

BENCHMARK_CAPTURE(kvBenchmark, c50_ok_per_key, "c50-ok", true, false, 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(kvBenchmark, c50_bad_per_key, "c50-bad", true, false, 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(kvBenchmark, c50_bad_per_key_explained, "c50-bad", true, true, 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(kvBenchmark, c10_ok_whole_map, "c10-ok", false, false, 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(kvBenchmark, c10_bad_whole_map, "c10-bad", false, false, 0)
    ->Unit(benchmark::kMillisecond);
// Capped at 10 s: the label says "unknown" when the whole-map search did not decide.
BENCHMARK_CAPTURE(kvBenchmark, c50_ok_whole_map, "c50-ok", false, false, 10)
    ->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(kvBenchmark, c50_bad_whole_map, "c50-bad", false, false, 10)
    ->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace detcd::checkers

BENCHMARK_MAIN();

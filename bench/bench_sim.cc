// Simulation speed of whole checked runs (issue 7's benchmarks):
//  - BM_LoadedCluster: 5 members, 50 clients at 500 ops/s in total, 60 s of virtual time with
//    the default fault mix (a drawn fault schedule), every check: virtual/wall ratio (target
//    >= 100x);
//  - BM_IdleCluster: an idle 5-member cluster for 60 s of virtual time (target >= 1,000x);
//  - BM_SwarmSeed: one swarm seed of 30 s virtual time, as `detcd-sim swarm` runs them: seeds
//    per minute on one core (target >= 600 on the 2-core machine with --jobs 2).
//
//   build/bin/bench_sim --benchmark_min_time=1
//
// Figures and their meaning: docs/performance.md. Counters: "ratio" = virtual seconds per wall
// second; "seeds/min" for the swarm.
#include <benchmark/benchmark.h>

#include <chrono>

#include "scenarios/Run.h"
#include "scenarios/ScenarioDraw.h"
#include "scenarios/Swarm.h"

namespace {

using detcd::env::Nanos;
using detcd::scenarios::Scenario;

constexpr Nanos kMinute{60'000'000'000};

void runAndCount(benchmark::State& state, const Scenario& scenario) {
  double virtualSeconds = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    detcd::scenarios::RunOptions options;
    options.seed = seed++;
    const auto result = detcd::scenarios::runScenario(scenario, options);
    virtualSeconds += static_cast<double>(result.stats.virtualTime.count()) / 1e9;
    benchmark::DoNotOptimize(result.traceHash);
  }
  state.counters["ratio"] = benchmark::Counter(virtualSeconds, benchmark::Counter::kIsRate);
}

void BM_LoadedCluster(benchmark::State& state) {
  Scenario scenario = detcd::scenarios::drawScenario(1, kMinute);
  scenario.name = "bench-loaded";
  scenario.cluster.members = 5;
  scenario.workload.clients = 50;
  scenario.workload.rate = 500;
  // The simulation's speed, not the linearizability search's (bench_checkers measures that).
  scenario.checks.linearizability = false;
  runAndCount(state, scenario);
}
BENCHMARK(BM_LoadedCluster)->Unit(benchmark::kSecond)->UseRealTime();

void BM_IdleCluster(benchmark::State& state) {
  Scenario scenario;
  scenario.name = "bench-idle";
  scenario.cluster.members = 5;
  scenario.workload.clients = 0;
  scenario.duration = kMinute;
  runAndCount(state, scenario);
}
BENCHMARK(BM_IdleCluster)->Unit(benchmark::kSecond)->UseRealTime();

void BM_SwarmSeed(benchmark::State& state) {
  detcd::scenarios::SwarmOptions options;
  options.duration = Nanos{30'000'000'000};
  std::uint64_t seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(detcd::scenarios::runSeed(seed++, options).passed);
  state.counters["seeds/min"] =
      benchmark::Counter(60.0 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SwarmSeed)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// Linearizability checker benchmarks on the public histories in
// ../shared/histories (figures in docs/performance-checkers.md).
//   build/bin/bench_checkers [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <random>
#include <memory>
#include <string>
#include <vector>

#include "checkers/KvModel.h"
#include "checkers/Linearizability.h"
#include "checkers/EtcdModel.h"
#include "checkers/RegisterModel.h"
#include "checkers/tests/EtcdReference.h"

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
  uint64_t steps = 0;
  for (auto _ : state) {
    int notLinearizable = 0;
    steps = 0;
    for (const History& h : histories) {
      CheckResult r = checkLinearizability(h, model, verdictOnly());
      notLinearizable += r.verdict == Verdict::kNotLinearizable;
      steps += r.steps;
    }
    benchmark::DoNotOptimize(notLinearizable);
  }
  state.counters["histories"] = static_cast<double>(histories.size());
  state.counters["steps"] = static_cast<double>(steps);
}
BENCHMARK(BM_JepsenEtcdAll)->Unit(benchmark::kMillisecond);

// The slowest single Jepsen history: the one whose search takes the most
// steps (load-independent, so every run picks the same one; checked once each).
void BM_JepsenEtcdSlowest(benchmark::State& state) {
  const std::vector<History>& histories = jepsenHistories();
  RegisterModel model;
  size_t slowest = 0;
  uint64_t most = 0;
  for (size_t i = 0; i < histories.size(); ++i) {
    uint64_t steps = checkLinearizability(histories[i], model, verdictOnly()).steps;
    if (steps > most) {
      most = steps;
      slowest = i;
    }
  }
  CheckResult last;
  for (auto _ : state) last = checkLinearizability(histories[slowest], model, verdictOnly());
  state.SetLabel("history #" + std::to_string(slowest) + " of the non-empty ones");
  state.counters["steps"] = static_cast<double>(last.steps);
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

// A simulator-like etcd history: `clients` clients doing single-key put / get
// / delete on 10 keys, each request taking effect at a random point of its
// interval, 1 in 500 timing out (the client then stops; the history ends when
// all have). Deterministic
// (fixed seed); responses come from the test reference, so it is linearizable.
History etcdHistory(int clients, int ops) {
  std::mt19937_64 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  History h;
  EtcdReference ref;
  std::map<int, std::pair<size_t, bool>> pending;  // client -> (op, took effect)
  std::vector<bool> retired(static_cast<size_t>(clients), false);
  Timestamp now = 0;
  int issued = 0;
  int active = clients;
  while ((issued < ops && active > 0) || !pending.empty()) {
    now += 1000;
    int client = pick(clients);
    if (retired[static_cast<size_t>(client)]) continue;
    auto it = pending.find(client);
    if (it == pending.end()) {
      if (issued == ops) continue;
      ++issued;
      Operation op;
      op.client = client;
      op.kind = OpKind::kEtcd;
      op.invokeTime = now;
      op.outcome = Outcome::kInfo;
      auto call = std::make_shared<EtcdCall>();
      int f = pick(3);
      call->request.op.kind = f == 0 ? RequestOp::Kind::kRange
                              : f == 1 ? RequestOp::Kind::kPut : RequestOp::Kind::kDeleteRange;
      call->request.op.key = "k" + std::to_string(pick(10));
      call->request.op.value = std::to_string(issued);
      op.etcd = call;
      pending[client] = {h.operations.size(), false};
      h.operations.push_back(std::move(op));
      continue;
    }
    Operation& op = h.operations[it->second.first];
    auto call = std::const_pointer_cast<EtcdCall>(op.etcd);
    if (!it->second.second) {
      call->response = ref.apply(call->request);
      it->second.second = true;
    } else if (pick(500) == 0) {
      call->response = EtcdResponse{};  // timed out after taking effect
      pending.erase(it);
      retired[static_cast<size_t>(client)] = true;
      --active;
    } else {
      op.outcome = Outcome::kOk;
      op.returnTime = now;
      pending.erase(it);
    }
  }
  return h;
}

void BM_EtcdModelGenerated(benchmark::State& state) {
  History h = etcdHistory(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  EtcdModel model;
  CheckResult last;
  for (auto _ : state) last = checkLinearizability(h, model, verdictOnly(10));
  state.SetLabel(last.verdict == Verdict::kLinearizable ? "linearizable" : "NOT OK: " + last.reason);
  state.counters["steps"] = static_cast<double>(last.steps);
  state.counters["ops"] = static_cast<double>(h.operations.size());
}
BENCHMARK(BM_EtcdModelGenerated)->Args({5, 1000})->Args({20, 5000})->Unit(benchmark::kMillisecond);

// Simulator histories (detcd-sim run scenarios/<name>.yaml --seed 1, in
// checkers/testdata) with unknown outcomes and lease expiries, under the
// scenario checks' step limit (linearizabilityMaxSteps, 5 M).
void simHistory(benchmark::State& state, const std::string& name) {
  static std::map<std::string, History> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache.emplace(name, readHistoryFile(std::string(DETCD_CHECKERS_TESTDATA) + "/" + name,
                                             Format::kDetcd))
             .first;
  }
  EtcdModel model;
  CheckOptions options = verdictOnly();
  options.maxSteps = 5'000'000;
  CheckResult last;
  for (auto _ : state) last = checkLinearizability(it->second, model, options);
  state.SetLabel(last.verdict == Verdict::kLinearizable      ? "linearizable"
                 : last.verdict == Verdict::kNotLinearizable ? "NOT linearizable"
                                                             : "unknown: " + last.reason);
  state.counters["steps"] = static_cast<double>(last.steps);
  state.counters["peak_memo_MiB"] = static_cast<double>(last.peakMemoBytes) / (1 << 20);
}
BENCHMARK_CAPTURE(simHistory, leader_isolated_nolease, "sim-leader-isolated-nolease.jsonl")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(simHistory, rolling_crash, "sim-rolling-crash.jsonl")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(simHistory, clock_drift_leases, "sim-clock-drift-leases.jsonl")
    ->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace detcd::checkers

BENCHMARK_MAIN();

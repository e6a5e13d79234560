// In-process throughput of the MVCC store with 100,000 keys of 256-byte values:
// Put (overwrite), Range of one key, Range of a 100-key prefix, Txn (compare + put), and
// resident memory per key. Figures: docs/performance-mvcc.md.
//
//   build/bin/bench_mvcc --benchmark_min_time=2

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "mvcc/KvStore.h"
#include "mvcc/WatchHub.h"

namespace {

using detcd::mvcc::KvStore;

constexpr int kKeys = 100'000;
constexpr int kPrefixSize = 100;  // keys per prefix: "p0421/k057"

std::string keyOf(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "p%04d/k%03d", i / kPrefixSize, i % kPrefixSize);
  return buf;
}

/// Resident set size of this process in bytes (Linux /proc/self/statm).
int64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::unique_ptr<KvStore> filledStore() {
  auto store = std::make_unique<KvStore>();
  const std::string value(256, 'v');
  etcdserverpb::PutRequest req;
  req.set_value(value);
  etcdserverpb::PutResponse resp;
  for (int i = 0; i < kKeys; ++i) {
    req.set_key(keyOf(i));
    resp.Clear();
    if (!store->put(req, &resp).ok()) {
      std::abort();
    }
  }
  return store;
}

/// Resident memory per key: RSS growth while loading (first, before other stores have
/// grown the heap) 100,000 keys of 256-byte values.
void BM_MemoryPerKey(benchmark::State& state) {
  for (auto _ : state) {
    const int64_t before = residentBytes();
    auto store = filledStore();
    const int64_t after = residentBytes();
    state.counters["bytes_per_key"] = static_cast<double>(after - before) / kKeys;
    benchmark::DoNotOptimize(store.get());
  }
}
BENCHMARK(BM_MemoryPerKey)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Put(benchmark::State& state) {
  auto store = filledStore();
  std::mt19937 rng(1);
  etcdserverpb::PutRequest req;
  req.set_value(std::string(256, 'w'));
  etcdserverpb::PutResponse resp;
  for (auto _ : state) {
    req.set_key(keyOf(static_cast<int>(rng() % kKeys)));
    resp.Clear();
    benchmark::DoNotOptimize(store->put(req, &resp));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Put);

void BM_RangeOneKey(benchmark::State& state) {
  auto store = filledStore();
  std::mt19937 rng(2);
  etcdserverpb::RangeRequest req;
  for (auto _ : state) {
    req.set_key(keyOf(static_cast<int>(rng() % kKeys)));
    etcdserverpb::RangeResponse resp;
    benchmark::DoNotOptimize(store->range(req, &resp));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RangeOneKey);

void BM_RangePrefix100(benchmark::State& state) {
  auto store = filledStore();
  std::mt19937 rng(3);
  etcdserverpb::RangeRequest req;
  char buf[16];
  for (auto _ : state) {
    const int p = static_cast<int>(rng() % (kKeys / kPrefixSize));
    std::snprintf(buf, sizeof(buf), "p%04d/", p);
    req.set_key(buf);
    std::snprintf(buf, sizeof(buf), "p%04d0", p);  // '/' + 1 == '0': the prefix end
    req.set_range_end(buf);
    etcdserverpb::RangeResponse resp;
    benchmark::DoNotOptimize(store->range(req, &resp));
    if (resp.kvs_size() != kPrefixSize) {
      state.SkipWithError("prefix range did not return 100 keys");
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RangePrefix100);

void BM_Txn(benchmark::State& state) {
  auto store = filledStore();
  std::mt19937 rng(4);
  etcdserverpb::TxnRequest req;
  auto* cmp = req.add_compare();
  cmp->set_target(etcdserverpb::Compare::VERSION);
  cmp->set_result(etcdserverpb::Compare::GREATER);
  cmp->set_version(0);
  auto* put = req.add_success()->mutable_request_put();
  put->set_value(std::string(256, 't'));
  auto* get = req.add_failure()->mutable_request_range();
  etcdserverpb::TxnResponse resp;
  for (auto _ : state) {
    const std::string key = keyOf(static_cast<int>(rng() % kKeys));
    cmp->set_key(key);
    put->set_key(key);
    get->set_key(key);
    resp.Clear();
    benchmark::DoNotOptimize(store->txn(req, &resp));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Txn);

/// Put with 1,000 single-key watchers and 10 watchers on 100-key prefixes attached (the
/// watch hub's cost per commit); responses are drained as a server would send them.
void BM_PutWithWatchers(benchmark::State& state) {
  auto store = filledStore();
  detcd::mvcc::WatchHub hub(*store);
  const int64_t stream = hub.openStream();
  std::mt19937 rng(5);
  for (int i = 0; i < 1000; ++i) {
    etcdserverpb::WatchRequest w;
    w.mutable_create_request()->set_key(keyOf(static_cast<int>(rng() % kKeys)));
    hub.handle(stream, w);
  }
  char buf[16];
  for (int p = 0; p < 10; ++p) {
    etcdserverpb::WatchRequest w;
    std::snprintf(buf, sizeof(buf), "p%04d/", p * 37);
    w.mutable_create_request()->set_key(buf);
    std::snprintf(buf, sizeof(buf), "p%04d0", p * 37);
    w.mutable_create_request()->set_range_end(buf);
    hub.handle(stream, w);
  }
  hub.drain(stream);
  etcdserverpb::PutRequest req;
  req.set_value(std::string(256, 'w'));
  etcdserverpb::PutResponse resp;
  int64_t events = 0;
  for (auto _ : state) {
    req.set_key(keyOf(static_cast<int>(rng() % kKeys)));
    resp.Clear();
    benchmark::DoNotOptimize(store->put(req, &resp));
    if (hub.pendingResponses(stream) >= 64) {
      events += static_cast<int64_t>(hub.drain(stream).size());
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["responses"] = static_cast<double>(events);
}
BENCHMARK(BM_PutWithWatchers);

}  // namespace

BENCHMARK_MAIN();

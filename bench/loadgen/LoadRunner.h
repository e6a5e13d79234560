#pragma once
// The load client's engine (docs/performance-server.md): closed-loop clients issuing Put or
// Range requests over a fixed number of gRPC connections, as etcd's benchmark tool does.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/loadgen/LatencyStats.h"

namespace detcd::loadgen {

/// The requests of a run.
struct Workload {
  enum class Kind { kPut, kRange };
  Kind kind = Kind::kPut;
  // Put: keys of keySize bytes naming one of keySpaceSize keys (random, or in turn with
  // sequentialKeys), each with the same value of valueSize random bytes (etcd benchmark put).
  int keySize = 8;
  int valueSize = 8;
  int64_t keySpaceSize = 1;
  bool sequentialKeys = false;
  // Range: [key, rangeEnd) (one key when rangeEnd is empty), linearizable unless serializable.
  std::string key;
  std::string rangeEnd;
  bool serializable = false;
  uint64_t seed = 1;  // for keys and values
};

/// Where and how hard: `clients` closed-loop clients (one request in flight each) share `conns`
/// gRPC connections (client i uses connection i % conns); connection j goes to
/// endpoints[j % endpoints.size()] ("host:port"). `total` requests in all.
struct LoadOptions {
  std::vector<std::string> endpoints;
  int conns = 1;
  int clients = 1;
  int64_t total = 10000;
  std::chrono::seconds requestTimeout{30};
  std::chrono::seconds connectTimeout{10};
};

/// Connects every connection (throws std::runtime_error naming the endpoint if one does not
/// connect within connectTimeout), then runs `total` requests and summarises them. The clock
/// runs from the first request sent to the last answer received.
Summary runLoad(const LoadOptions& options, const Workload& workload);

/// The key for key number `n` in a key space of keys of `keySize` bytes: n little-endian in
/// base 256, zero-padded (distinct for distinct n < 256^keySize).
std::string keyFor(int64_t n, int keySize);

}  // namespace detcd::loadgen

// detcd-bench: a gRPC load client for etcd-compatible servers, shaped like etcd's `benchmark`
// tool (docs/performance-server.md):
//   detcd-bench put --endpoints a,b,c --conns 10 --clients 100 --total 10000 --val-size 256
//   detcd-bench range KEY [END] --consistency l|s --clients 100 --conns 10 --total 10000
//   detcd-bench fdatasync --dir DIR --total 1000       (the disk's write + fdatasync latency)

#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/loadgen/FdatasyncProbe.h"
#include "bench/loadgen/LoadRunner.h"

int main(int argc, char** argv) {
  CLI::App app{"Load client for etcd v3 gRPC servers (like etcd's benchmark tool)"};
  app.require_subcommand(1);
  detcd::loadgen::LoadOptions options;
  detcd::loadgen::Workload workload;
  options.endpoints = {"127.0.0.1:2379"};
  bool json = false;
  bool tsv = false;
  app.add_option("--endpoints", options.endpoints, "Comma-separated HOST:PORT list")
      ->delimiter(',');
  app.add_option("--conns", options.conns, "gRPC connections (spread over the endpoints)")
      ->check(CLI::PositiveNumber);
  app.add_option("--clients", options.clients, "Closed-loop clients (spread over the connections)")
      ->check(CLI::PositiveNumber);
  app.add_option("--total", options.total, "Requests in all")->check(CLI::PositiveNumber);
  app.add_option("--seed", workload.seed, "Seed of keys and values");
  int connectTimeout = 10;
  app.add_option("--connect-timeout", connectTimeout, "Seconds to wait for each connection")
      ->check(CLI::PositiveNumber);
  auto* jsonFlag = app.add_flag("--json", json, "Print the summary as one JSON object");
  app.add_flag("--tsv", tsv, "Print one line: requests/s, p50 ms, p99 ms, errors (tab-separated)")
      ->excludes(jsonFlag);

  auto* put = app.add_subcommand("put", "Put keys (one value for all, as etcd benchmark put)");
  put->fallthrough();
  put->add_option("--key-size", workload.keySize, "Key size in bytes")
      ->check(CLI::Range(1, 1 << 20));
  put->add_option("--val-size", workload.valueSize, "Value size in bytes")
      ->check(CLI::Range(0, 1 << 24));
  put->add_option("--key-space-size", workload.keySpaceSize, "Number of distinct keys")
      ->check(CLI::PositiveNumber);
  put->add_flag("--sequential-keys", workload.sequentialKeys, "Keys in turn instead of at random");

  auto* range = app.add_subcommand("range", "Range over KEY, or [KEY, END)");
  range->fallthrough();
  std::string consistency = "l";
  range->add_option("key", workload.key, "Key")->required();
  range->add_option("end", workload.rangeEnd, "Range end (exclusive)");
  range->add_option("--consistency", consistency, "l: linearizable, s: serializable")
      ->check(CLI::IsMember({"l", "s"}));

  auto* probe = app.add_subcommand(
      "fdatasync", "Disk latency: --total writes into a preallocated file, one fdatasync each");
  probe->fallthrough();
  std::string probeDir = ".";
  int blockBytes = 256;
  probe->add_option("--dir", probeDir, "Directory on the disk to measure")
      ->check(CLI::ExistingDirectory);
  probe->add_option("--block-size", blockBytes, "Bytes per write")->check(CLI::Range(1, 1 << 20));
  bool busy = false;
  probe->add_flag("--busy-cpus", busy,
                  "Spin one thread per CPU meanwhile (a loaded server's case)");
  CLI11_PARSE(app, argc, argv);

  for (auto& endpoint : options.endpoints) {  // accept etcd's URL form too
    for (const std::string scheme : {"http://", "https://"}) {
      if (endpoint.rfind(scheme, 0) == 0) endpoint.erase(0, scheme.size());
    }
  }
  workload.kind = put->parsed() ? detcd::loadgen::Workload::Kind::kPut
                                : detcd::loadgen::Workload::Kind::kRange;
  workload.serializable = consistency == "s";
  options.connectTimeout = std::chrono::seconds(connectTimeout);
  try {
    detcd::loadgen::Summary summary;
    std::string title;
    if (probe->parsed()) {
      summary = detcd::loadgen::probeFdatasync(probeDir, static_cast<int>(options.total),
                                               blockBytes, busy);
      title = fmt::format("fdatasync: {} writes of {} bytes in {}{}", options.total, blockBytes,
                          probeDir, busy ? ", CPUs kept busy" : "");
    } else {
      summary = detcd::loadgen::runLoad(options, workload);
      title = fmt::format("{}: {} clients over {} connections to {}, {} requests",
                          put->parsed() ? "put" : "range", options.clients, options.conns,
                          fmt::join(options.endpoints, ","), options.total);
    }
    if (json) {
      std::cout << detcd::loadgen::summaryJson(summary) << "\n";
    } else if (tsv) {
      std::cout << detcd::loadgen::summaryTsv(summary) << "\n";
      if (!summary.firstError.empty()) std::cerr << "first error: " << summary.firstError << "\n";
    } else {
      std::cout << title << "\n" << detcd::loadgen::formatSummary(summary);
    }
    return summary.errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "detcd-bench: " << e.what() << "\n";
    return 2;
  }
}

#pragma once
// detcd's command line and config file, with etcd 3.4's flag names, YAML keys, defaults and
// validation rules (etcdmain/config.go, embed/config.go). docs/server.md, "Running detcd".

#include <cstdint>
#include <string>
#include <vector>

#include "server/NodeConfig.h"
#include "server/api/Urls.h"

namespace detcd::server::daemon {

/// The settings as given (flags or config file), before validation. Defaults are etcd's, except
/// the data directory ("<name>.detcd" instead of "<name>.etcd").
struct Settings {
  std::string name = "default";
  std::string dataDir;  ///< "" means "<name>.detcd"
  std::string listenClientUrls = "http://localhost:2379";
  std::string advertiseClientUrls = "http://localhost:2379";
  std::string listenPeerUrls = "http://localhost:2380";
  std::string initialAdvertisePeerUrls = "http://localhost:2380";
  /// Where /health and /metrics are served (etcd's flag). "" means detcd's default: the host of
  /// the first --listen-client-urls, its port + 2 (2379 -> 2381, the port etcd deployments
  /// conventionally give this flag). etcd also serves them on the client URLs, which gRPC++
  /// cannot share with an HTTP/1.1 server.
  std::string listenMetricsUrls;
  std::string initialCluster;  ///< "" means "<name>=<initial-advertise-peer-urls>" (etcd)
  std::string initialClusterToken = "etcd-cluster";
  std::string initialClusterState = "new";
  std::uint64_t heartbeatIntervalMs = 100;
  std::uint64_t electionTimeoutMs = 1000;
  std::uint64_t snapshotCount = 100'000;
  std::int64_t quotaBackendBytes = 0;  ///< 0: etcd's default (2 GiB); < 0: none
  std::uint64_t maxRequestBytes = 1'572'864;
  std::uint64_t maxTxnOps = 128;
  std::string logLevel = "info";  ///< debug | info | warn | error
  std::string configFile;
};

/// One --initial-cluster member: its name, peer URLs and the ID etcd derives for it.
struct ClusterMember {
  std::string name;
  std::vector<std::string> peerUrls;
  std::uint64_t id = 0;
};

/// Validated settings, with everything derived from them.
struct Config {
  Settings settings;
  std::string dataDir;  ///< the data directory (settings' or "<name>.detcd")
  std::vector<api::Url> listenClientUrls;
  std::vector<std::string> advertiseClientUrls;
  std::vector<api::Url> listenPeerUrls;
  std::vector<api::Url> listenMetricsUrls;
  /// Whether listenMetricsUrls is the derived default (a bind failure is then a warning, not
  /// fatal: the member serves its clients without the HTTP endpoints).
  bool metricsUrlsDefaulted = false;
  std::vector<ClusterMember> initialCluster;  ///< in --initial-cluster order
  std::uint64_t memberId = 0;
  std::uint64_t clusterId = 0;
  /// The IDs and token were read from the data directory (a restart; identify()): the peers are
  /// those of the membership the node applied, not --initial-cluster's.
  bool fromDataDir = false;
  /// Warnings to log once logging is up (config-file keys ignored, flags ignored).
  std::vector<std::string> warnings;

  /// The node's configuration (times in nanoseconds, data under "<data-dir>/member").
  NodeConfig nodeConfig() const;
};

/// The outcome of reading the command line: run with `config`, or exit with `exitCode` after
/// printing `message` (to stdout for --help/--version, exit 0; to stderr for errors, exit 2).
struct ParseResult {
  bool run = false;
  Config config;
  int exitCode = 0;
  std::string message;
};

/// Reads flags (each also from the environment as ETCD_<FLAG>, e.g. ETCD_DATA_DIR, as etcd
/// does; the command line wins) and, with --config-file, the YAML file; etcd's rule: when a
/// config file is given, the other flags are ignored. Errors name the flag or key at fault.
ParseResult parseCommandLine(int argc, const char* const* argv);

/// Validates `s` and derives member and cluster IDs (etcd's). Throws std::invalid_argument
/// naming the flag at fault.
Config resolve(const Settings& s);

/// Reads an etcd YAML config file into `s` (keys as the flag names). Throws
/// std::invalid_argument naming the file and key at fault; unknown keys go to `warnings`.
void loadConfigFile(const std::string& path, Settings& s, std::vector<std::string>& warnings);

}  // namespace detcd::server::daemon

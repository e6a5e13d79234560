#include "server/daemon/Config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <stdexcept>

#include "server/api/MemberIds.h"

namespace detcd::server::daemon {

namespace {

constexpr const char* kVersion =
    "detcd Version: " DETCD_VERSION "\n"
    "etcd API Version: 3.4\n";

std::invalid_argument bad(const std::string& what) { return std::invalid_argument(what); }

std::vector<api::Url> urlsOf(const std::string& flag, const std::string& text) {
  std::string error;
  auto urls = api::parseUrls(text, &error);
  if (!urls) throw bad("--" + flag + "=" + text + ": " + error);
  return *urls;
}

std::vector<std::string> strings(const std::vector<api::Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.str());
  return out;
}

/// etcd's --initial-cluster syntax: "name=url,name=url,..."; a name may repeat to give a
/// member several peer URLs.
std::vector<ClusterMember> parseInitialCluster(const std::string& text,
                                               const std::string& token) {
  std::vector<ClusterMember> members;
  std::set<std::string> seenUrls;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string entry = text.substr(pos, comma - pos);
    pos = comma + 1;
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw bad("--initial-cluster=" + text + ": entry \"" + entry + "\" is not name=url");
    }
    const std::string name = entry.substr(0, eq);
    std::string error;
    const auto url = api::parseUrl(entry.substr(eq + 1), &error);
    if (!url) throw bad("--initial-cluster=" + text + ": " + error);
    if (!seenUrls.insert(url->str()).second) {
      throw bad("--initial-cluster=" + text + ": peer URL " + url->str() + " is given twice");
    }
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const ClusterMember& m) { return m.name == name; });
    if (it == members.end()) it = members.insert(members.end(), ClusterMember{name, {}, 0});
    it->peerUrls.push_back(url->str());
  }
  for (auto& m : members) m.id = api::memberId(m.peerUrls, token, std::nullopt);
  return members;
}

/// Reads one scalar of the config file as T, naming the key when it has the wrong type.
template <typename T>
T scalar(const std::string& path, const std::string& key, const YAML::Node& value) {
  if (!value.IsScalar()) throw bad("config file " + path + ": key \"" + key + "\": not a scalar");
  const std::string kind = std::is_signed_v<T>     ? "an integer"
                           : std::is_integral_v<T> ? "a non-negative integer"
                                                   : "a string";
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    throw bad("config file " + path + ": key \"" + key + "\": \"" + value.Scalar() +
              "\" is not " + kind);
  }
}

}  // namespace

NodeConfig Config::nodeConfig() const {
  NodeConfig c;
  c.id = memberId;
  c.name = settings.name;
  c.dataDir = dataDir + "/member";
  c.join = settings.initialClusterState == "existing";
  for (const auto& m : initialCluster) c.initialCluster.push_back({m.id, m.name, m.peerUrls[0]});
  c.clusterId = clusterId;
  c.clientUrls = advertiseClientUrls;  // published through Raft once started
  c.clusterToken = settings.initialClusterToken;
  const auto ms = [](std::uint64_t v) {
    return env::Nanos{static_cast<std::int64_t>(v) * 1'000'000};
  };
  c.tick = ms(settings.heartbeatIntervalMs);
  c.heartbeatTicks = 1;
  c.electionTicks = static_cast<int>(settings.electionTimeoutMs / settings.heartbeatIntervalMs);
  // etcd: a request waits 5 s plus two election timeouts (ReqTimeout).
  c.requestTimeout = ms(5000 + 2 * settings.electionTimeoutMs);
  c.snapshotCount = settings.snapshotCount;
  c.maxRequestBytes = settings.maxRequestBytes;
  c.maxTxnOps = static_cast<int>(settings.maxTxnOps);
  c.quotaBackendBytes = settings.quotaBackendBytes;
  return c;
}

Config resolve(const Settings& s) {
  Config c;
  c.settings = s;
  if (s.name.empty()) throw bad("--name must not be empty");
  c.dataDir = s.dataDir.empty() ? s.name + ".detcd" : s.dataDir;
  c.listenClientUrls = urlsOf("listen-client-urls", s.listenClientUrls);
  c.advertiseClientUrls = strings(urlsOf("advertise-client-urls", s.advertiseClientUrls));
  c.listenPeerUrls = urlsOf("listen-peer-urls", s.listenPeerUrls);
  if (s.listenMetricsUrls.empty()) {
    api::Url u = c.listenClientUrls.front();
    u.port = static_cast<std::uint16_t>(u.port <= 65533 ? u.port + 2 : u.port - 2);
    c.listenMetricsUrls = {u};
    c.metricsUrlsDefaulted = true;
  } else {
    c.listenMetricsUrls = urlsOf("listen-metrics-urls", s.listenMetricsUrls);
  }
  const auto advertisePeer = strings(urlsOf("initial-advertise-peer-urls",
                                            s.initialAdvertisePeerUrls));
  if (s.initialClusterState != "new" && s.initialClusterState != "existing") {
    throw bad("--initial-cluster-state=" + s.initialClusterState +
              ": must be \"new\" or \"existing\"");
  }
  if (s.heartbeatIntervalMs == 0) throw bad("--heartbeat-interval must be positive (ms)");
  // etcd's checks (embed.Config.Validate).
  if (5 * s.heartbeatIntervalMs > s.electionTimeoutMs) {
    throw bad("--election-timeout[" + std::to_string(s.electionTimeoutMs) +
              "ms] should be at least as 5 times as --heartbeat-interval[" +
              std::to_string(s.heartbeatIntervalMs) + "ms]");
  }
  if (s.electionTimeoutMs > 50000) {
    throw bad("--election-timeout[" + std::to_string(s.electionTimeoutMs) +
              "ms] is too long, and should be set less than 50000ms");
  }
  if (s.snapshotCount == 0) throw bad("--snapshot-count must be positive");
  if (s.maxRequestBytes == 0) throw bad("--max-request-bytes must be positive");
  if (s.maxTxnOps == 0) throw bad("--max-txn-ops must be positive");
  if (s.logLevel != "debug" && s.logLevel != "info" && s.logLevel != "warn" &&
      s.logLevel != "error") {
    throw bad("--log-level=" + s.logLevel + ": must be debug, info, warn or error");
  }
  std::string cluster = s.initialCluster;
  if (cluster.empty()) {  // etcd's InitialClusterFromName
    for (const auto& u : advertisePeer) cluster += (cluster.empty() ? "" : ",") + s.name + "=" + u;
  }
  c.initialCluster = parseInitialCluster(cluster, s.initialClusterToken);
  const auto self = std::find_if(c.initialCluster.begin(), c.initialCluster.end(),
                                 [&](const ClusterMember& m) { return m.name == s.name; });
  if (self == c.initialCluster.end()) {
    throw bad("couldn't find local name \"" + s.name +
              "\" in the initial cluster configuration (--initial-cluster=" + cluster + ")");
  }
  auto mine = self->peerUrls;
  auto advertised = advertisePeer;
  std::sort(mine.begin(), mine.end());
  std::sort(advertised.begin(), advertised.end());
  if (mine != advertised) {
    throw bad("--initial-cluster has " + s.name + "=" + self->peerUrls[0] +
              " but --initial-advertise-peer-urls=" + s.initialAdvertisePeerUrls +
              " does not match it");
  }
  std::vector<std::uint64_t> ids;
  for (const auto& m : c.initialCluster) ids.push_back(m.id);
  c.memberId = self->id;
  c.clusterId = api::clusterId(ids);
  return c;
}

void loadConfigFile(const std::string& path, Settings& s, std::vector<std::string>& warnings) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw bad("config file " + path + ": cannot be read");
  } catch (const YAML::Exception& e) {
    throw bad("config file " + path + ": not valid YAML: " + e.what());
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw bad("config file " + path + ": expected a mapping of etcd's keys");
  const std::map<std::string, std::string*> strings{
      {"name", &s.name},
      {"data-dir", &s.dataDir},
      {"listen-client-urls", &s.listenClientUrls},
      {"advertise-client-urls", &s.advertiseClientUrls},
      {"listen-peer-urls", &s.listenPeerUrls},
      {"listen-metrics-urls", &s.listenMetricsUrls},
      {"initial-advertise-peer-urls", &s.initialAdvertisePeerUrls},
      {"initial-cluster", &s.initialCluster},
      {"initial-cluster-token", &s.initialClusterToken},
      {"initial-cluster-state", &s.initialClusterState},
      {"log-level", &s.logLevel}};
  const std::map<std::string, std::uint64_t*> numbers{
      {"heartbeat-interval", &s.heartbeatIntervalMs},
      {"election-timeout", &s.electionTimeoutMs},
      {"snapshot-count", &s.snapshotCount},
      {"max-request-bytes", &s.maxRequestBytes},
      {"max-txn-ops", &s.maxTxnOps}};
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (auto it = strings.find(key); it != strings.end()) {
      *it->second = scalar<std::string>(path, key, kv.second);
    } else if (auto n = numbers.find(key); n != numbers.end()) {
      *n->second = scalar<std::uint64_t>(path, key, kv.second);
    } else if (key == "quota-backend-bytes") {
      s.quotaBackendBytes = scalar<std::int64_t>(path, key, kv.second);
    } else {
      // etcd ignores keys it does not know; detcd also ignores etcd keys it does not implement.
      warnings.push_back("config file " + path + ": key \"" + key + "\" is not supported; ignored");
    }
  }
}

ParseResult parseCommandLine(int argc, const char* const* argv) {
  Settings s;
  CLI::App app{"detcd: an etcd-compatible, strongly consistent key-value store", "detcd"};
  app.set_version_flag("--version", kVersion);
  app.add_option("--name", s.name, "Human-readable name for this member.")->capture_default_str();
  app.add_option("--data-dir", s.dataDir, "Path to the data directory (default <name>.detcd).");
  app.add_option("--listen-client-urls", s.listenClientUrls,
                 "List of URLs to listen on for client traffic.")->capture_default_str();
  app.add_option("--advertise-client-urls", s.advertiseClientUrls,
                 "List of this member's client URLs to advertise to the public.")
      ->capture_default_str();
  app.add_option("--listen-peer-urls", s.listenPeerUrls,
                 "List of URLs to listen on for peer traffic.")->capture_default_str();
  app.add_option("--listen-metrics-urls", s.listenMetricsUrls,
                 "List of URLs to listen on for /health and /metrics (default: the first "
                 "client URL's host, its port + 2).");
  app.add_option("--initial-advertise-peer-urls", s.initialAdvertisePeerUrls,
                 "List of this member's peer URLs to advertise to the rest of the cluster.")
      ->capture_default_str();
  app.add_option("--initial-cluster", s.initialCluster,
                 "Initial cluster configuration for bootstrapping (name=url,...; default "
                 "<name>=<initial-advertise-peer-urls>).");
  app.add_option("--initial-cluster-token", s.initialClusterToken,
                 "Initial cluster token for the cluster during bootstrap.")
      ->capture_default_str();
  app.add_option("--initial-cluster-state", s.initialClusterState,
                 "Initial cluster state ('new' or 'existing').")->capture_default_str();
  app.add_option("--heartbeat-interval", s.heartbeatIntervalMs,
                 "Time (in milliseconds) of a heartbeat interval.")->capture_default_str();
  app.add_option("--election-timeout", s.electionTimeoutMs,
                 "Time (in milliseconds) for an election to timeout.")->capture_default_str();
  app.add_option("--snapshot-count", s.snapshotCount,
                 "Number of committed transactions to trigger a snapshot to disk.")
      ->capture_default_str();
  app.add_option("--quota-backend-bytes", s.quotaBackendBytes,
                 "Raise alarms when backend size exceeds the given quota (0 defaults to low "
                 "space quota, a negative value disables it).")->capture_default_str();
  app.add_option("--max-request-bytes", s.maxRequestBytes,
                 "Maximum client request size in bytes the server will accept.")
      ->capture_default_str();
  app.add_option("--max-txn-ops", s.maxTxnOps,
                 "Maximum number of operations permitted in a transaction.")
      ->capture_default_str();
  app.add_option("--log-level", s.logLevel, "Log level: debug, info, warn, error.")
      ->capture_default_str();
  app.add_option("--config-file", s.configFile,
                 "Path to the server configuration file (etcd's YAML keys); other flags are "
                 "then ignored, as etcd does.");
  // etcd reads every flag from ETCD_<FLAG> too (ETCD_NAME, ETCD_DATA_DIR, ...); a flag on the
  // command line wins.
  for (CLI::Option* o : app.get_options()) {
    std::string env = o->get_single_name();
    if (env == "help" || env == "version") continue;
    std::transform(env.begin(), env.end(), env.begin(),
                   [](char ch) { return ch == '-' ? '_' : static_cast<char>(std::toupper(ch)); });
    o->envname("ETCD_" + env);
  }
  ParseResult r;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    r.message = app.help();
    return r;
  } catch (const CLI::CallForVersion&) {
    r.message = kVersion;
    return r;
  } catch (const CLI::ParseError& e) {
    r.exitCode = 2;
    r.message = std::string("detcd: ") + e.what();
    return r;
  }
  std::vector<std::string> warnings;
  try {
    if (!s.configFile.empty()) {
      Settings fromFile;
      fromFile.configFile = s.configFile;
      loadConfigFile(s.configFile, fromFile, warnings);
      const auto given = app.get_options([](const CLI::Option* o) {
        return o->count() > 0 && o->get_name() != "--config-file";
      });
      if (!given.empty()) {
        warnings.push_back("loaded server configuration from " + s.configFile +
                           "; other command line flags are ignored");
      }
      s = fromFile;
    }
    r.config = resolve(s);
  } catch (const std::invalid_argument& e) {
    r.exitCode = 2;
    r.message = std::string("detcd: ") + e.what();
    return r;
  }
  r.config.warnings = std::move(warnings);
  r.run = true;
  return r;
}

}  // namespace detcd::server::daemon

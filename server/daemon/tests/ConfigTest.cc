// Flags and config file as etcd 3.4 reads them: defaults, derived IDs, the issue's config file,
// and errors that name the flag or key at fault.
#include "server/daemon/Config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

namespace detcd::server::daemon {
namespace {

ParseResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "detcd");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string writeFile(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("detcd-config-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, NoFlagsIsEtcdsDefaultMember) {
  const ParseResult r = parse({});
  ASSERT_TRUE(r.run) << r.message;
  const Config& c = r.config;
  EXPECT_EQ(c.settings.name, "default");
  EXPECT_EQ(c.dataDir, "default.detcd");
  ASSERT_EQ(c.listenClientUrls.size(), 1u);
  EXPECT_EQ(c.listenClientUrls[0].hostPort(), "localhost:2379");
  EXPECT_EQ(c.memberId, 0x8e9e05c52164694dULL);  // as `etcd` with no flags
  EXPECT_EQ(c.clusterId, 0xcdf818194e3a8c32ULL);
  const NodeConfig n = c.nodeConfig();
  EXPECT_EQ(n.dataDir, "default.detcd/member");
  EXPECT_EQ(n.tick, env::Nanos{100'000'000});
  EXPECT_EQ(n.electionTicks, 10);
  EXPECT_EQ(n.maxRequestBytes, 1'572'864u);
  EXPECT_EQ(n.maxTxnOps, 128);
  EXPECT_FALSE(n.join);
  ASSERT_EQ(n.initialCluster.size(), 1u);
  EXPECT_EQ(n.initialCluster[0].peerUrl, "http://localhost:2380");
}

TEST(ConfigTest, MetricsUrlsDefaultToTheClientPortPlusTwoOrAsGiven) {
  ParseResult r = parse({});
  ASSERT_TRUE(r.run) << r.message;
  ASSERT_EQ(r.config.listenMetricsUrls.size(), 1u);
  EXPECT_EQ(r.config.listenMetricsUrls[0].str(), "http://localhost:2381");
  EXPECT_TRUE(r.config.metricsUrlsDefaulted);
  r = parse({"--listen-client-urls=http://127.0.0.1:12379"});
  ASSERT_TRUE(r.run) << r.message;
  EXPECT_EQ(r.config.listenMetricsUrls[0].str(), "http://127.0.0.1:12381");
  r = parse({"--listen-metrics-urls=http://127.0.0.1:9000,http://127.0.0.1:9001"});
  ASSERT_TRUE(r.run) << r.message;
  ASSERT_EQ(r.config.listenMetricsUrls.size(), 2u);
  EXPECT_EQ(r.config.listenMetricsUrls[1].str(), "http://127.0.0.1:9001");
  EXPECT_FALSE(r.config.metricsUrlsDefaulted);
  r = parse({"--config-file=" + writeFile("metrics.yml",
                                          "listen-metrics-urls: http://127.0.0.1:9100\n")});
  ASSERT_TRUE(r.run) << r.message;
  EXPECT_EQ(r.config.listenMetricsUrls[0].str(), "http://127.0.0.1:9100");
  r = parse({"--listen-metrics-urls=https://127.0.0.1:9000"});
  EXPECT_FALSE(r.run);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.message.find("listen-metrics-urls"), std::string::npos) << r.message;
}

TEST(ConfigTest, FlagsWithEtcdsNamesAndMeanings) {
  const ParseResult r = parse({"--name", "n2", "--data-dir=/tmp/x", "--heartbeat-interval=50",
                               "--election-timeout", "500", "--initial-advertise-peer-urls",
                               "http://127.0.0.1:3380", "--snapshot-count=7",
                               "--max-txn-ops=9", "--max-request-bytes=4096"});
  ASSERT_TRUE(r.run) << r.message;
  const NodeConfig n = r.config.nodeConfig();
  EXPECT_EQ(n.name, "n2");
  EXPECT_EQ(n.dataDir, "/tmp/x/member");
  EXPECT_EQ(n.tick, env::Nanos{50'000'000});
  EXPECT_EQ(n.electionTicks, 10);
  EXPECT_EQ(n.snapshotCount, 7u);
  EXPECT_EQ(n.maxTxnOps, 9);
  EXPECT_EQ(n.maxRequestBytes, 4096u);
  // --initial-cluster defaults to <name>=<initial-advertise-peer-urls>, as etcd's does.
  ASSERT_EQ(n.initialCluster.size(), 1u);
  EXPECT_EQ(n.initialCluster[0].name, "n2");
  EXPECT_EQ(n.initialCluster[0].peerUrl, "http://127.0.0.1:3380");
}

TEST(ConfigTest, TheIssuesThreeMemberConfigFile) {
  const std::string path = writeFile("etcd2.yml",
      "name: etcd2\n"
      "data-dir: /tmp/etcd2/data\n"
      "listen-client-urls: http://127.0.0.1:22379\n"
      "advertise-client-urls: http://127.0.0.1:22379\n"
      "listen-peer-urls: http://127.0.0.1:22380\n"
      "initial-advertise-peer-urls: http://127.0.0.1:22380\n"
      "initial-cluster: etcd1=http://127.0.0.1:12380,etcd2=http://127.0.0.1:22380,"
      "etcd3=http://127.0.0.1:32380\n"
      "initial-cluster-token: etcd-cluster-1\n"
      "initial-cluster-state: new\n"
      "enable-v2: false\n");
  const ParseResult r = parse({"--config-file=" + path, "--name=ignored"});
  ASSERT_TRUE(r.run) << r.message;
  const Config& c = r.config;
  EXPECT_EQ(c.settings.name, "etcd2");  // etcd: other flags are ignored with a config file
  ASSERT_EQ(c.initialCluster.size(), 3u);
  EXPECT_EQ(c.dataDir, "/tmp/etcd2/data");
  EXPECT_EQ(c.listenClientUrls[0].hostPort(), "127.0.0.1:22379");
  EXPECT_EQ(c.memberId, c.initialCluster[1].id);
  EXPECT_NE(c.initialCluster[0].id, c.initialCluster[1].id);
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_NE(c.warnings[0].find("\"enable-v2\""), std::string::npos);
  EXPECT_NE(c.warnings[1].find("ignored"), std::string::npos);
  std::filesystem::remove(path);
}

/// Each bad input exits 2 with a message naming the flag or key.
TEST(ConfigTest, BadFlagsAndConfigFilesExitTwoNamingTheCulprit) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--no-such-flag"}, "--no-such-flag"},
      {{"--heartbeat-interval=abc"}, "--heartbeat-interval"},
      {{"--initial-cluster-state=maybe"}, "--initial-cluster-state"},
      {{"--listen-client-urls=127.0.0.1:2379"}, "--listen-client-urls"},
      {{"--listen-client-urls=https://127.0.0.1:2379"}, "plain http only"},
      {{"--heartbeat-interval=300"}, "--election-timeout"},
      {{"--election-timeout=60000"}, "less than 50000ms"},
      {{"--name=x", "--initial-cluster=y=http://127.0.0.1:2380"}, "couldn't find local name"},
      {{"--initial-cluster=default=http://127.0.0.1:9"}, "--initial-advertise-peer-urls"},
      {{"--initial-cluster=default"}, "is not name=url"},
      {{"--max-txn-ops=0"}, "--max-txn-ops"},
      {{"--config-file=/nonexistent/detcd.yml"}, "cannot be read"},
  };
  for (const auto& [args, culprit] : cases) {
    const ParseResult r = parse(args);
    EXPECT_FALSE(r.run) << args[0];
    EXPECT_EQ(r.exitCode, 2) << args[0];
    EXPECT_NE(r.message.find(culprit), std::string::npos) << r.message;
  }
  const std::string badType = writeFile("bad-type.yml", "heartbeat-interval: fast\n");
  ParseResult r = parse({"--config-file", badType});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.message.find("key \"heartbeat-interval\""), std::string::npos) << r.message;
  const std::string badYaml = writeFile("bad-yaml.yml", "name: [unclosed\n");
  r = parse({"--config-file", badYaml});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.message.find("not valid YAML"), std::string::npos) << r.message;
  std::filesystem::remove(badType);
  std::filesystem::remove(badYaml);
}

TEST(ConfigTest, EnvironmentVariablesAsEtcdsWithTheCommandLineWinning) {
  ::setenv("ETCD_NAME", "from-env", 1);
  ::setenv("ETCD_MAX_TXN_OPS", "17", 1);
  ParseResult r = parse({});
  ASSERT_TRUE(r.run) << r.message;
  EXPECT_EQ(r.config.settings.name, "from-env");
  EXPECT_EQ(r.config.settings.maxTxnOps, 17u);
  r = parse({"--name=from-flag"});
  ASSERT_TRUE(r.run) << r.message;
  EXPECT_EQ(r.config.settings.name, "from-flag");
  ::unsetenv("ETCD_NAME");
  ::unsetenv("ETCD_MAX_TXN_OPS");
}

TEST(ConfigTest, VersionAndHelpExitZero) {
  ParseResult r = parse({"--version"});
  EXPECT_FALSE(r.run);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.message.find("detcd Version:"), std::string::npos);
  EXPECT_NE(r.message.find("etcd API Version: 3.4"), std::string::npos);
  r = parse({"--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.message.find("--initial-cluster-token"), std::string::npos);
}

TEST(ConfigTest, QuotaBackendBytesReachesTheNodeNegativeIncludedAsEtcd) {
  EXPECT_EQ(parse({}).config.nodeConfig().quotaBackendBytes, 0);  // the node's 2 GiB
  EXPECT_EQ(parse({"--quota-backend-bytes=200000"}).config.nodeConfig().quotaBackendBytes, 200000);
  ParseResult r = parse({"--quota-backend-bytes=-1"});  // etcd: no quota
  ASSERT_TRUE(r.run) << r.message;
  EXPECT_EQ(r.config.nodeConfig().quotaBackendBytes, -1);
  const std::string file = writeFile("quota.yml", "quota-backend-bytes: 8589934592\n");
  r = parse({"--config-file", file});
  ASSERT_TRUE(r.run) << r.message;
  EXPECT_EQ(r.config.nodeConfig().quotaBackendBytes, std::int64_t{8} << 30);
  const std::string bad = writeFile("quota-bad.yml", "quota-backend-bytes: lots\n");
  r = parse({"--config-file", bad});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.message.find("\"lots\" is not an integer"), std::string::npos) << r.message;
  std::filesystem::remove(file);
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace detcd::server::daemon

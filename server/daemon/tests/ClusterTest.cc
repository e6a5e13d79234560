// The three-member cluster, started from three config files (`--config-file=
// etcdN_conf.yml`) on free loopback ports, driven by the stock etcdctl and curl. Every test runs
// against detcd and, with the same files and the same assertions, against etcd 3.4: what is
// asserted is etcd's behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "server/daemon/tests/Servers.h"

namespace detcd::server::daemon::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::string f;
  std::istringstream in(line);
  while (std::getline(in, f, ',')) {
    f.erase(0, f.find_first_not_of(' '));
    out.push_back(f);
  }
  return out;
}

class ClusterTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = (fs::temp_directory_path() /
            ("detcd-etcdctl-cluster-" + std::to_string(::getpid()) + "-" + name))
               .string();
    fs::remove_all(dir_);
    cluster_ = std::make_unique<ClusterProcesses>(GetParam(), dir_, 3);
    cluster_->startAll();
    for (std::size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(cluster_->waitHealthy(i, 90s)) << cluster_->log(i);
    }
  }
  void TearDown() override {
    cluster_.reset();
    if (!HasFailure()) fs::remove_all(dir_);  // kept for a look after a failure
  }

  /// etcdctl's stdout against member `i`; a non-zero exit fails the test with stderr.
  std::string ctl(std::size_t i, const std::string& args) {
    std::string out, err;
    const int st = cluster_->etcdctl(i, args, &out, &err);
    EXPECT_EQ(st, 0) << "etcdctl " << args << ": " << err;
    return out;
  }

  /// curl's output for http://127.0.0.1:<metrics port of member i><path>, status line first.
  std::string curl(std::size_t i, const std::string& path) {
    std::string out, err;
    const int st = runShell("curl -s -w '\\n%{http_code}\\n' http://127.0.0.1:" +
                                std::to_string(cluster_->member(i).metricsPort) + path,
                            dir_, {}, 20s, &out, &err);
    EXPECT_EQ(st, 0) << "curl " << path << ": " << err;
    return out;
  }

  std::string dir_;
  std::unique_ptr<ClusterProcesses> cluster_;
};

TEST_P(ClusterTest, PutOnOneMemberGetOnAnotherAndPrefixes) {
  // The example.
  EXPECT_EQ(ctl(0, "put key1 zhangyi"), "OK\n");
  EXPECT_EQ(ctl(1, "get key1"), "key1\nzhangyi\n");
  EXPECT_EQ(ctl(2, "put foo1 a"), "OK\n");
  EXPECT_EQ(ctl(0, "put foo2 b"), "OK\n");
  EXPECT_EQ(ctl(1, "get --prefix foo"), "foo1\na\nfoo2\nb\n");
  EXPECT_EQ(ctl(2, "del --prefix foo"), "2\n");
  EXPECT_EQ(ctl(0, "get --prefix foo"), "");
  EXPECT_EQ(ctl(2, "get key1 --print-value-only"), "zhangyi\n");
  if (GetParam() != ServerKind::kDetcd) return;
  // Every line detcd wrote, the peer transport's and the HTTP server's included, is one JSON
  // object with the level, time, member name and message.
  for (std::size_t i = 0; i < 3; ++i) {
    const auto log = lines(cluster_->log(i));
    EXPECT_GT(log.size(), 3u);
    bool transportLine = false;
    for (const auto& l : log) {
      const auto j = nlohmann::json::parse(l, nullptr, false);
      ASSERT_TRUE(j.is_object()) << l;
      EXPECT_TRUE(j.contains("level") && j.contains("ts") && j.contains("msg")) << l;
      EXPECT_EQ(j.value("name", ""), cluster_->member(i).name) << l;
      transportLine = transportLine ||
                      j.value("msg", "").find("listening for peers") != std::string::npos;
    }
    EXPECT_TRUE(transportLine) << cluster_->log(i);
  }
}

TEST_P(ClusterTest, WatchOnOneMemberSeesPutsMadeOnAnother) {
  Child watcher({"etcdctl", "--endpoints=" + cluster_->member(2).endpoint(), "watch", "foo"}, dir_,
                dir_ + "/watch.out", dir_ + "/watch.err", {{"ETCDCTL_API", "3"}});
  // The watch is established at some point after the start: put until it reports one.
  std::string seen;
  int puts = 0;
  for (; puts < 100 && seen.find("PUT\nfoo\n") == std::string::npos; ++puts) {
    EXPECT_EQ(ctl(0, "put foo v" + std::to_string(puts)), "OK\n");
    std::this_thread::sleep_for(200ms);
    seen = readFile(dir_ + "/watch.out");
  }
  ASSERT_NE(seen.find("PUT\nfoo\n"), std::string::npos) << readFile(dir_ + "/watch.err");
  EXPECT_EQ(ctl(1, "put foo last"), "OK\n");
  for (int i = 0; i < 100 && seen.find("PUT\nfoo\nlast\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    seen = readFile(dir_ + "/watch.out");
  }
  // Every event once, in order, from the first one seen to the last put.
  const auto got = lines(seen);
  ASSERT_EQ(got.size() % 3, 0u) << seen;
  ASSERT_GE(got.size(), 6u) << seen;
  int next = std::stoi(got[2].substr(1));
  for (std::size_t e = 0; e + 3 < got.size(); e += 3, ++next) {
    EXPECT_EQ(got[e], "PUT");
    EXPECT_EQ(got[e + 1], "foo");
    EXPECT_EQ(got[e + 2], "v" + std::to_string(next));
  }
  EXPECT_EQ(next, puts);
  EXPECT_EQ(got.back(), "last");
}

TEST_P(ClusterTest, LeaseGrantedOnOneMemberUsedAndInspectedOnOthers) {
  const std::string granted = ctl(0, "lease grant 60");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(granted, m, std::regex("lease ([0-9a-f]+) granted with "
                                                      "TTL\\(60s\\)\n")))
      << granted;
  const std::string id = m[1];
  EXPECT_EQ(ctl(1, "put --lease=" + id + " k1 v1"), "OK\n");
  const std::string ttl = ctl(2, "lease timetolive " + id + " --keys");
  EXPECT_TRUE(std::regex_match(ttl, std::regex("lease " + id + " granted with TTL\\(60s\\), "
                                               "remaining\\([0-9]+s\\), "
                                               "attached keys\\(\\[k1\\]\\)\n")))
      << ttl;
  EXPECT_EQ(ctl(2, "lease keep-alive --once " + id), "lease " + id + " keepalived with TTL(60)\n");
  EXPECT_EQ(ctl(1, "lease revoke " + id), "lease " + id + " revoked\n");
  EXPECT_EQ(ctl(0, "get k1"), "");
  EXPECT_EQ(ctl(2, "lease timetolive " + id), "lease " + id + " already expired\n");
}

TEST_P(ClusterTest, MemberListAddStartReadRemove) {
  // member list: ID, status, name, peer URLs, client URLs, is learner; by ID.
  const auto listed = [&] {
    std::map<std::string, std::vector<std::string>> byId;
    for (const auto& l : lines(ctl(1, "member list"))) {
      const auto f = fields(l);
      EXPECT_EQ(f.size(), 6u) << l;
      if (f.size() == 6) byId[f[0]] = f;
    }
    return byId;
  };
  const auto withName = [](const auto& members, const std::string& name) {
    for (const auto& [id, f] : members) {
      if (f[2] == name) return f;
    }
    return std::vector<std::string>(6);
  };
  auto members = listed();
  ASSERT_EQ(members.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const ClusterMember& m = cluster_->member(i);
    const auto f = withName(members, m.name);
    EXPECT_EQ(f[1], "started") << m.name;
    EXPECT_EQ(f[3], m.peerUrl()) << m.name;
    EXPECT_EQ(f[5], "false") << m.name;
  }

  const ClusterMember fourth = cluster_->planMember();
  // etcd refuses a voter while a member has been connected for less than 5 s ("etcdserver:
  // unhealthy cluster", its strict reconfiguration check): retried.
  std::string added, err;
  for (int attempt = 0; attempt < 30; ++attempt) {
    err.clear();
    if (cluster_->etcdctl(0, "member add " + fourth.name + " --peer-urls=" + fourth.peerUrl(),
                          &added, &err) == 0 ||
        err.find("unhealthy cluster") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(added, m, std::regex("Member +([0-9a-f]+) added to cluster")))
      << added;
  const std::string id = m[1];
  EXPECT_NE(added.find("ETCD_INITIAL_CLUSTER_STATE=\"existing\""), std::string::npos) << added;
  EXPECT_EQ(ctl(1, "put key4 v4"), "OK\n");
  cluster_->start(3, /*existing=*/true);
  ASSERT_TRUE(cluster_->waitHealthy(3, 90s)) << cluster_->log(3);
  EXPECT_EQ(ctl(3, "get key4 --print-value-only"), "v4\n");
  EXPECT_EQ(ctl(3, "put key5 v5"), "OK\n");
  EXPECT_EQ(ctl(2, "get key5 --print-value-only"), "v5\n");
  members = listed();
  ASSERT_EQ(members.size(), 4u);
  ASSERT_EQ(members.count(id), 1u);
  EXPECT_EQ(members[id][3], fourth.peerUrl());
  // etcd's new member publishes its name and client URLs through Raft once started; detcd's
  // members never publish (docs/server.md, "The gRPC API"), so etcdctl shows the added member
  // as it was added: no name, hence "unstarted".
  if (GetParam() == ServerKind::kEtcd) {
    EXPECT_EQ(members[id][1], "started");
    EXPECT_EQ(members[id][2], fourth.name);
  } else {
    EXPECT_EQ(members[id][1], "unstarted");
    EXPECT_EQ(members[id][2], "");
  }

  const std::string removed = ctl(2, "member remove " + id);
  EXPECT_TRUE(std::regex_match(removed, std::regex("Member +" + id +
                                                   " removed from cluster +[0-9a-f]+\n")))
      << removed;
  // The removed member stops, and exits 0 as etcd does.
  const auto exit = cluster_->child(3).wait(60s);
  ASSERT_TRUE(exit.has_value()) << cluster_->log(3);
  EXPECT_EQ(*exit, 0) << cluster_->log(3);
  EXPECT_EQ(listed().size(), 3u);
  EXPECT_EQ(ctl(0, "put key6 v6"), "OK\n");
  EXPECT_EQ(ctl(1, "get key6 --print-value-only"), "v6\n");
}

/// A member removed while it was down is refused by its peers when it comes back (etcd's 410
/// Gone), and exits 0.
TEST_P(ClusterTest, MemberRemovedWhileDownExitsWhenRestarted) {
  const ClusterMember fourth = cluster_->planMember();
  std::string added, err;
  for (int attempt = 0; attempt < 30; ++attempt) {  // etcd's strict reconfiguration check
    err.clear();
    if (cluster_->etcdctl(0, "member add " + fourth.name + " --peer-urls=" + fourth.peerUrl(),
                          &added, &err) == 0 ||
        err.find("unhealthy cluster") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(added, m, std::regex("Member +([0-9a-f]+) added to cluster")))
      << added << err;
  const std::string id = m[1];
  cluster_->start(3, /*existing=*/true);
  ASSERT_TRUE(cluster_->waitHealthy(3, 90s)) << cluster_->log(3);
  cluster_->child(3).signal(SIGKILL);
  ASSERT_TRUE(cluster_->child(3).wait(10s).has_value());
  EXPECT_TRUE(std::regex_match(ctl(1, "member remove " + id),
                               std::regex("Member +" + id + " removed from cluster +[0-9a-f]+\n")));
  cluster_->start(3, /*existing=*/true);  // its data directory decides: it restarts
  const auto exit = cluster_->child(3).wait(60s);
  ASSERT_TRUE(exit.has_value()) << cluster_->log(3);
  EXPECT_EQ(*exit, 0) << cluster_->log(3);
  if (GetParam() == ServerKind::kDetcd) {
    EXPECT_NE(cluster_->log(3).find("permanently removed from the cluster"), std::string::npos)
        << cluster_->log(3);
  }
  EXPECT_EQ(ctl(2, "put after removal"), "OK\n");
}

/// The URLs of `endpoint health` lines ("<url> is healthy: successfully committed proposal:
/// took = <duration>"), which etcdctl 3.4 writes to stderr; clientv3's JSON lines are skipped.
std::set<std::string> healthyUrls(const std::string& out) {
  std::set<std::string> healthy;
  for (const auto& l : lines(out)) {
    if (l.starts_with("{")) continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(
        l, m, std::regex("(\\S+) is healthy: successfully committed proposal: took = \\S+")))
        << l;
    healthy.insert(m[1]);
  }
  return healthy;
}

TEST_P(ClusterTest, EndpointStatusAndHealthOfTheWholeCluster) {
  std::set<std::string> endpoints;
  for (std::size_t i = 0; i < 3; ++i) endpoints.insert(cluster_->member(i).endpoint());
  std::string out, err;
  EXPECT_EQ(cluster_->etcdctlAll("endpoint health", &out, &err), 0) << err;
  EXPECT_EQ(healthyUrls(out + err), endpoints) << out << err;
  // endpoint status: URL, ID, version, DB size, is leader, is learner, term, index, applied
  // index, errors.
  std::set<std::string> statusUrls;
  int leaders = 0;
  out.clear();
  EXPECT_EQ(cluster_->etcdctlAll("endpoint status", &out, &err), 0) << err;
  for (const auto& l : lines(out)) {
    const auto f = fields(l);
    ASSERT_GE(f.size(), 9u) << l;
    statusUrls.insert(f[0]);
    EXPECT_EQ(f[2], "3.4.23") << l;
    leaders += f[4] == "true" ? 1 : 0;
    EXPECT_EQ(f[5], "false") << l;
  }
  EXPECT_EQ(statusUrls, endpoints);
  EXPECT_EQ(leaders, 1);

  // --cluster asks MemberList for the members' client URLs. etcd lists all three; detcd's
  // MemberList knows this member's client URLs only (docs/server.md, "The gRPC API": other
  // members never publish theirs), so it finds the member asked alone.
  std::set<std::string> clientUrls;
  for (std::size_t i = 0; i < 3; ++i) clientUrls.insert(cluster_->member(i).clientUrl());
  const std::set<std::string> expected =
      GetParam() == ServerKind::kEtcd ? clientUrls
                                      : std::set<std::string>{cluster_->member(0).clientUrl()};
  out.clear();
  err.clear();
  EXPECT_EQ(cluster_->etcdctl(0, "endpoint health --cluster", &out, &err), 0) << err;
  EXPECT_EQ(healthyUrls(out + err), expected) << out << err;
  std::set<std::string> clusterStatus;
  for (const auto& l : lines(ctl(0, "endpoint status --cluster"))) {
    clusterStatus.insert(fields(l).front());
  }
  EXPECT_EQ(clusterStatus, expected);
}

TEST_P(ClusterTest, HealthAndMetricsOverHttp) {
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(curl(i, "/health"), "{\"health\":\"true\"}\n200\n");
  }
  const std::string metrics = curl(1, "/metrics");
  EXPECT_NE(metrics.find("\netcd_server_has_leader 1\n"), std::string::npos) << metrics;
  for (const char* name :
       {"etcd_server_leader_changes_seen_total", "etcd_server_proposals_committed_total",
        "etcd_server_proposals_applied_total", "etcd_server_proposals_failed_total",
        "etcd_disk_wal_fsync_duration_seconds_bucket", "etcd_mvcc_db_total_size_in_bytes",
        "etcd_debugging_mvcc_keys_total", "etcd_network_peer_sent_bytes_total"}) {
    EXPECT_NE(metrics.find("\n" + std::string(name)), std::string::npos) << name;
  }
  EXPECT_EQ(curl(0, "/nothing"), "404 page not found\n\n404\n");
}

INSTANTIATE_TEST_SUITE_P(Servers, ClusterTest,
                         ::testing::Values(ServerKind::kDetcd, ServerKind::kEtcd),
                         [](const ::testing::TestParamInfo<ServerKind>& p) {
                           return p.param == ServerKind::kDetcd ? "detcd" : "etcd";
                         });

}  // namespace
}  // namespace detcd::server::daemon::testing

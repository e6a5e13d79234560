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

  /// `member list` on member `i`: name -> {ID, status, name, peer URLs, client URLs, learner}.
  std::map<std::string, std::vector<std::string>> membersByName(std::size_t i) {
    std::map<std::string, std::vector<std::string>> byName;
    for (const auto& l : lines(ctl(i, "member list"))) {
      const auto f = fields(l);
      EXPECT_EQ(f.size(), 6u) << l;
      if (f.size() == 6) byName[f[2]] = f;
    }
    return byName;
  }

  /// `member add <name> --peer-urls=<url>` on member 0, retried while etcd finds the cluster
  /// "unhealthy" (a member connected for less than 5 s: its strict reconfiguration check).
  /// Returns the new member's ID ("" on failure, which fails the test).
  std::string addMember(const ClusterMember& m) {
    std::string added, err;
    for (int attempt = 0; attempt < 30; ++attempt) {
      err.clear();
      if (cluster_->etcdctl(0, "member add " + m.name + " --peer-urls=" + m.peerUrl(), &added,
                            &err) == 0 ||
          err.find("unhealthy cluster") == std::string::npos) {
        break;
      }
      std::this_thread::sleep_for(1s);
    }
    std::smatch match;
    if (!std::regex_search(added, match, std::regex("Member +([0-9a-f]+) added to cluster"))) {
      ADD_FAILURE() << "member add: " << added << err;
      return "";
    }
    return match[1];
  }

  /// The index of a member of the initial three that is not the leader (Status over all
  /// endpoints). Tests stop a follower: detcd's leader does not hand over its leadership when
  /// it stops, as etcd's does, so requests forwarded to it meanwhile would time out.
  std::size_t follower() {
    std::string out, err;
    EXPECT_EQ(cluster_->etcdctlAll("endpoint status", &out, &err), 0) << err;
    for (const auto& l : lines(out)) {
      const auto f = fields(l);
      if (f.size() < 5 || f[4] == "true") continue;
      for (std::size_t i = 0; i < 3; ++i) {
        if (f[0] == cluster_->member(i).endpoint()) return i;
      }
    }
    ADD_FAILURE() << "no follower in: " << out;
    return 2;
  }

  /// Stops member `i` (SIGTERM) and waits for its exit.
  void stopMember(std::size_t i) {
    cluster_->child(i).signal(SIGTERM);
    ASSERT_TRUE(cluster_->child(i).wait(30s).has_value()) << cluster_->log(i);
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
    EXPECT_EQ(f[4], m.clientUrl()) << m.name;
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
  // The new member published its name and client URLs through Raft before serving clients.
  EXPECT_EQ(members[id][1], "started");
  EXPECT_EQ(members[id][2], fourth.name);
  EXPECT_EQ(members[id][4], fourth.clientUrl());

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

  // --cluster asks MemberList for the members' client URLs, which every member published.
  std::set<std::string> expected;
  for (std::size_t i = 0; i < 3; ++i) expected.insert(cluster_->member(i).clientUrl());
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

/// etcd's way to move a member: `member update` gives it its new peer URLs, then the member is
/// restarted listening there (its data directory keeps its ID, whatever its flags say).
TEST_P(ClusterTest, MemberUpdateMovesAMembersPeerUrl) {
  const std::size_t i = follower();
  const std::size_t a = (i + 1) % 3, b = (i + 2) % 3;  // the two that stay up
  const std::string name = cluster_->member(i).name;
  const std::string id = membersByName(a).at(name)[0];
  ASSERT_NO_FATAL_FAILURE(stopMember(i));
  const ClusterMember& moved = cluster_->movePeerPort(i);
  const std::string out = ctl(a, "member update " + id + " --peer-urls=" + moved.peerUrl());
  EXPECT_TRUE(std::regex_match(out, std::regex("Member +" + id + " updated in cluster +[0-9a-f]+\n")))
      << out;
  std::string err;
  std::string ignored;
  EXPECT_NE(cluster_->etcdctl(a, "member update 1234 --peer-urls=http://127.0.0.1:1", &ignored,
                              &err),
            0);
  EXPECT_NE(err.find("member not found"), std::string::npos) << err;
  err.clear();
  EXPECT_NE(cluster_->etcdctl(a, "member update " + id + " --peer-urls=" +
                                     cluster_->member(b).peerUrl(),
                              &ignored, &err),
            0);
  EXPECT_NE(err.find("Peer URLs already exists"), std::string::npos) << err;
  cluster_->start(i);
  ASSERT_TRUE(cluster_->waitHealthy(i, 90s)) << cluster_->log(i);
  EXPECT_EQ(ctl(i, "put moved yes"), "OK\n");
  EXPECT_EQ(ctl(a, "get moved --print-value-only"), "yes\n");
  EXPECT_EQ(ctl(b, "put back again"), "OK\n");
  EXPECT_EQ(ctl(i, "get back --print-value-only"), "again\n");
  const auto members = membersByName(b);
  ASSERT_EQ(members.count(name), 1u);
  EXPECT_EQ(members.at(name)[0], id);
  EXPECT_EQ(members.at(name)[3], moved.peerUrl());
}

/// A removed member's peer URLs can be added again: the new member gets a new ID (etcd hashes
/// the time into it) and starts from an empty data directory.
TEST_P(ClusterTest, ReAddingARemovedMembersPeerUrlsGivesANewId) {
  const ClusterMember fourth = cluster_->planMember();
  const std::string first = addMember(fourth);
  ASSERT_FALSE(first.empty());
  cluster_->start(3, /*existing=*/true);
  ASSERT_TRUE(cluster_->waitHealthy(3, 90s)) << cluster_->log(3);
  EXPECT_EQ(membersByName(0).at(fourth.name)[0], first);
  EXPECT_TRUE(std::regex_match(ctl(1, "member remove " + first),
                               std::regex("Member +" + first + " removed from cluster +[0-9a-f]+\n")));
  const auto exit = cluster_->child(3).wait(60s);
  ASSERT_TRUE(exit.has_value()) << cluster_->log(3);
  fs::remove_all(dir_ + "/" + fourth.name + "/data");
  // etcd hashes the Unix time in seconds: within the second of the first add, the same peer
  // URLs give the removed ID again ("member not found").
  std::this_thread::sleep_for(1100ms);

  const std::string second = addMember(fourth);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  cluster_->start(3, /*existing=*/true);
  ASSERT_TRUE(cluster_->waitHealthy(3, 90s)) << cluster_->log(3);
  EXPECT_EQ(ctl(3, "put readded yes"), "OK\n");
  EXPECT_EQ(ctl(2, "get readded --print-value-only"), "yes\n");
  const auto members = membersByName(2);
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members.at(fourth.name)[0], second);
  EXPECT_EQ(members.at(fourth.name)[1], "started");
  EXPECT_EQ(members.at(fourth.name)[4], fourth.clientUrl());
}

/// Once a data directory exists, the --initial-cluster* flags are ignored: a member restarted
/// with another token and state keeps its ID and rejoins.
TEST_P(ClusterTest, RestartWithOtherInitialFlagsKeepsTheMemberOfItsDataDirectory) {
  const std::size_t i = follower();
  const std::size_t a = (i + 1) % 3, b = (i + 2) % 3;
  const auto before = membersByName(a);
  ASSERT_NO_FATAL_FAILURE(stopMember(i));
  EXPECT_EQ(ctl(a, "put while down"), "OK\n");
  cluster_->start(i, /*existing=*/true, "another-token");
  ASSERT_TRUE(cluster_->waitHealthy(i, 90s)) << cluster_->log(i);
  EXPECT_EQ(ctl(i, "get while --print-value-only"), "down\n");
  EXPECT_EQ(ctl(i, "put after restart"), "OK\n");
  EXPECT_EQ(ctl(b, "get after --print-value-only"), "restart\n");
  EXPECT_EQ(membersByName(i), before);
}

/// A member started alone grows with MemberAdd, as etcd's does: it listens for peers too.
class SingleMemberTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("detcd-etcdctl-single-" + std::to_string(::getpid()) + "-" +
             (GetParam() == ServerKind::kDetcd ? "detcd" : "etcd")))
               .string();
    fs::remove_all(dir_);
    cluster_ = std::make_unique<ClusterProcesses>(GetParam(), dir_, 1);
    cluster_->startAll();
    ASSERT_TRUE(cluster_->waitHealthy(0, 90s)) << cluster_->log(0);
  }
  void TearDown() override {
    cluster_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<ClusterProcesses> cluster_;
};

TEST_P(SingleMemberTest, GrowsWithMemberAdd) {
  std::string out, err;
  ASSERT_EQ(cluster_->etcdctl(0, "put before growing", &out, &err), 0) << err;
  const ClusterMember second = cluster_->planMember();
  std::string added;
  for (int attempt = 0; attempt < 30; ++attempt) {  // etcd's strict reconfiguration check
    err.clear();
    if (cluster_->etcdctl(0, "member add " + second.name + " --peer-urls=" + second.peerUrl(),
                          &added, &err) == 0 ||
        err.find("unhealthy cluster") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  ASSERT_NE(added.find("added to cluster"), std::string::npos) << added << err;
  cluster_->start(1, /*existing=*/true);
  ASSERT_TRUE(cluster_->waitHealthy(1, 90s)) << cluster_->log(1);
  out.clear();
  EXPECT_EQ(cluster_->etcdctl(1, "get before --print-value-only", &out, &err), 0) << err;
  EXPECT_EQ(out, "growing\n");
  out.clear();
  EXPECT_EQ(cluster_->etcdctl(1, "put after growing", &out, &err), 0) << err;
  out.clear();
  EXPECT_EQ(cluster_->etcdctl(0, "get after --print-value-only", &out, &err), 0) << err;
  EXPECT_EQ(out, "growing\n");
  out.clear();
  EXPECT_EQ(cluster_->etcdctl(0, "member list", &out, &err), 0) << err;
  const auto rows = lines(out);
  ASSERT_EQ(rows.size(), 2u) << out;
  for (const auto& r : rows) EXPECT_EQ(fields(r)[1], "started") << r;
}

INSTANTIATE_TEST_SUITE_P(Servers, SingleMemberTest,
                         ::testing::Values(ServerKind::kDetcd, ServerKind::kEtcd),
                         [](const ::testing::TestParamInfo<ServerKind>& p) {
                           return p.param == ServerKind::kDetcd ? "detcd" : "etcd";
                         });

INSTANTIATE_TEST_SUITE_P(Servers, ClusterTest,
                         ::testing::Values(ServerKind::kDetcd, ServerKind::kEtcd),
                         [](const ::testing::TestParamInfo<ServerKind>& p) {
                           return p.param == ServerKind::kDetcd ? "detcd" : "etcd";
                         });

}  // namespace
}  // namespace detcd::server::daemon::testing

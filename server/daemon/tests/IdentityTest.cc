// identify(): a member's ID from its data directory (restart), from the running members
// (--initial-cluster-state existing) or from the flags (new), with clear errors.
#include "server/daemon/Identity.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <optional>
#include <thread>

#include <unistd.h>

#include "env/PosixDisk.h"
#include "env/TcpTransport.h"
#include "proto/serverpb.pb.h"
#include "server/daemon/tests/Processes.h"
#include "wal/Wal.h"

namespace detcd::server::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("detcd-identity-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (loop_.joinable()) {
      work_.reset();
      boost::asio::post(io_, [this] { peer_.reset(); });
      loop_.join();
    }
    fs::remove_all(dir_);
  }

  /// The flags of member "me" at peer port `self` in a cluster with "other" at `other`.
  Config flags(int self, int other, const std::string& state) {
    Settings s;
    s.name = "me";
    s.dataDir = (dir_ / "data").string();
    s.listenPeerUrls = s.initialAdvertisePeerUrls = url(self);
    s.initialCluster = "other=" + url(other) + ",me=" + url(self);
    s.initialClusterToken = "flag-token";
    s.initialClusterState = state;
    return resolve(s);
  }

  /// A peer transport on its own thread answering member-list queries with `members`.
  int servePeer(const serverpb::ClusterMembers& members) {
    env::TcpTransportOptions o;
    o.self = 5;
    o.listenUrl = "http://127.0.0.1:0";
    peer_ = std::make_unique<env::TcpTransport>(io_, o);
    peer_->start();
    const std::string answer = members.SerializeAsString();
    peer_->setMembersProvider([answer] { return answer; });
    loop_ = std::thread([this] { io_.run(); });
    return peer_->listenPort();
  }

  fs::path dir_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<env::TcpTransport> peer_;
  std::thread loop_;
  env::PosixDisk disk_;
};

TEST_F(IdentityTest, NewMemberKeepsTheIdsDerivedFromItsFlags) {
  const Config c = flags(testing::freePort(), testing::freePort(), "new");
  std::vector<std::string> notes;
  const Config got = identify(c, disk_, 1s, &notes);
  EXPECT_EQ(got.memberId, c.memberId);
  EXPECT_EQ(got.clusterId, c.clusterId);
  EXPECT_FALSE(got.fromDataDir);
  EXPECT_TRUE(notes.empty());
}

TEST_F(IdentityTest, TheDataDirectoryDecidesWhateverTheFlagsSay) {
  serverpb::WalMetadata meta;
  meta.set_member_id(0xabc);
  meta.set_cluster_id(0xdef);
  meta.set_cluster_token("the-first-token");
  fs::create_directories(dir_ / "data" / "member");
  wal::Wal::Options options;
  options.segmentBytes = 64 << 10;
  auto wal = wal::Wal::create(disk_, (dir_ / "data" / "member" / "wal").string(),
                              meta.SerializeAsString(), options);
  ASSERT_TRUE(wal.ok()) << wal.error().message();
  const Config c = flags(testing::freePort(), testing::freePort(), "existing");
  std::vector<std::string> notes;
  const Config got = identify(c, disk_, 1s, &notes);
  EXPECT_EQ(got.memberId, 0xabcu);
  EXPECT_EQ(got.clusterId, 0xdefu);
  EXPECT_EQ(got.settings.initialClusterToken, "the-first-token");
  EXPECT_TRUE(got.fromDataDir);
  EXPECT_TRUE(got.initialCluster.empty());  // the flags describe another member
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("--initial-cluster, --initial-cluster-token and "
                          "--initial-cluster-state are ignored"),
            std::string::npos)
      << notes[0];
}

TEST_F(IdentityTest, AJoiningMemberTakesTheIdTheRunningMembersList) {
  const int self = testing::freePort();
  serverpb::ClusterMembers members;
  members.set_cluster_id(77);
  auto* m = members.add_members();
  m->set_id(5);
  m->set_name("other");
  m->set_peer_url("http://127.0.0.1:1");
  m = members.add_members();
  m->set_id(9);
  m->set_peer_url(url(self));
  const int other = servePeer(members);
  std::vector<std::string> notes;
  const Config got = identify(flags(self, other, "existing"), disk_, 5s, &notes);
  EXPECT_EQ(got.memberId, 9u);
  EXPECT_EQ(got.clusterId, 77u);
  ASSERT_EQ(got.initialCluster.size(), 2u);
  EXPECT_EQ(got.initialCluster[0].id, 5u);
  EXPECT_EQ(got.initialCluster[0].peerUrls, std::vector<std::string>{"http://127.0.0.1:1"});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("joining cluster 4d as member 9"), std::string::npos) << notes[0];
}

TEST_F(IdentityTest, AJoiningMemberNobodyListsIsToldToAddItFirst) {
  const int self = testing::freePort();
  serverpb::ClusterMembers members;
  members.set_cluster_id(77);
  auto* m = members.add_members();
  m->set_id(5);
  m->set_peer_url("http://127.0.0.1:1");
  const int other = servePeer(members);
  std::vector<std::string> notes;
  try {
    (void)identify(flags(self, other, "existing"), disk_, 5s, &notes);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("has no member with peer URL " + url(self) +
                                         "; add this member first (etcdctl member add me"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(IdentityTest, AJoiningMemberThatReachesNoPeerSaysWhy) {
  const int other = testing::freePort();  // nobody listens there
  std::vector<std::string> notes;
  try {
    (void)identify(flags(testing::freePort(), other, "existing"), disk_, 1s, &notes);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("could not get the member list from any other member"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("cannot get the member list from " + url(other)), std::string::npos)
        << what;
  }
}

}  // namespace
}  // namespace detcd::server::daemon

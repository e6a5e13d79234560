// server::Node on the simulator: members publish their attributes (etcd's publish) when they have
// client URLs, and not otherwise; MemberUpdate moves a member's peer URL.

#include <gtest/gtest.h>

#include <string>

#include "server/tests/SimCluster.h"

namespace detcd::server::testing {
namespace {

using namespace std::chrono_literals;
using etcdserverpb::MemberListResponse;

std::string clientUrl(std::uint64_t id) { return "http://10.0.0." + std::to_string(id) + ":2379"; }

MemberListResponse listOn(SimCluster& c, std::uint64_t id) {
  auto l = c.request<MemberListResponse>(
      id, [](Node& n, Node::Callback<MemberListResponse> cb) { n.memberList(cb); });
  EXPECT_TRUE(l.done && l.status.ok()) << l.status.message;
  return l.response;
}

/// Whether member `id`'s list shows every member with its name and published client URL.
bool allPublished(SimCluster& c, std::uint64_t id, int members) {
  const MemberListResponse l = listOn(c, id);
  if (l.members_size() != members) return false;
  for (const auto& m : l.members()) {
    if (m.name() != "n" + std::to_string(m.id()) || m.clienturls_size() != 1 ||
        m.clienturls(0) != clientUrl(m.id())) {
      return false;
    }
  }
  return true;
}

TEST(NodeMembershipTest, MembersWithClientUrlsPublishThemAndAJoinerBecomesStarted) {
  NodeConfig base;
  base.snapshotCount = 20;  // the joiner learns the membership from a snapshot
  base.snapshotCatchUpEntries = 5;
  SimCluster c(21, 3, base);
  for (std::uint64_t id = 1; id <= 3; ++id) c.config(id).clientUrls = {clientUrl(id)};
  c.startAll();
  const auto leader = c.waitForLeader();
  ASSERT_TRUE(c.runUntil([&] { return c.node(1)->published() && c.node(2)->published() &&
                                      c.node(3)->published(); },
                         20s));
  ASSERT_TRUE(c.waitConverged());
  for (std::uint64_t id = 1; id <= 3; ++id) EXPECT_TRUE(allPublished(c, id, 3)) << id;
  // Published once per incarnation: the key space is untouched.
  EXPECT_EQ(c.node(leader)->status().revision, 1);
  EXPECT_EQ(c.events("member-published"), 3u);

  // An added member is listed without a name until it joined and published.
  auto add = c.request<etcdserverpb::MemberAddResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberAddResponse> cb) {
        n.memberAdd(4, "", false, cb);
      });
  ASSERT_TRUE(add.done && add.status.ok()) << add.status.message;
  EXPECT_EQ(add.response.member().name(), "");
  EXPECT_EQ(add.response.member().clienturls_size(), 0);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(c.put(leader, "k" + std::to_string(i), "v").status.ok());
  c.startJoining(4, [](NodeConfig& cfg) { cfg.clientUrls = {clientUrl(4)}; });
  ASSERT_TRUE(c.runUntil([&] { return c.node(4)->published(); }, 20s));
  ASSERT_TRUE(c.waitConverged());
  for (std::uint64_t id = 1; id <= 4; ++id) EXPECT_TRUE(allPublished(c, id, 4)) << id;
  EXPECT_GT(c.node(4)->status().snapshotIndex, 0u);  // it did start from a snapshot

  // The attributes survive a restart from snapshot + WAL, and the restarted member publishes
  // again.
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(c.put(leader, "r" + std::to_string(i), "v").status.ok());
  const std::uint64_t other = leader == 2 ? 3 : 2;
  c.host(other).crash();
  c.host(other).restart();
  ASSERT_NE(c.node(other), nullptr);
  EXPECT_TRUE(allPublished(c, other, 4));
  ASSERT_TRUE(c.runUntil([&] { return c.node(other)->published(); }, 20s));
  EXPECT_EQ(c.events("member-published"), 5u);
}

TEST(NodeMembershipTest, MembersWithoutClientUrlsNeverPublish) {
  // The simulator's members: their runs and traces are those of a node without publish.
  SimCluster c(22, 3);
  c.startAll();
  c.waitForLeader();
  ASSERT_TRUE(c.waitConverged());
  const auto before = c.node(1)->status().appliedIndex;
  c.run(5s);
  EXPECT_EQ(c.node(1)->status().appliedIndex, before);
  EXPECT_EQ(c.events("member-published"), 0u);
  for (std::uint64_t id = 1; id <= 3; ++id) EXPECT_FALSE(c.node(id)->published());
  const MemberListResponse l = listOn(c, 1);
  ASSERT_EQ(l.members_size(), 3);
  EXPECT_EQ(l.members(0).clienturls_size(), 0);
  EXPECT_EQ(l.members(0).name(), "n1");  // bootstrapped from the initial cluster
}

TEST(NodeMembershipTest, MemberUpdateMovesThePeerUrlWithoutAJointConfiguration) {
  SimCluster c(23, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  const std::uint64_t other = leader == 2 ? 3 : 2;
  auto up = c.request<etcdserverpb::MemberUpdateResponse>(
      leader, [other](Node& n, Node::Callback<etcdserverpb::MemberUpdateResponse> cb) {
        n.memberUpdate(other, "http://10.9.9.9:2380", cb);
      });
  ASSERT_TRUE(up.done && up.status.ok()) << up.status.message;
  ASSERT_EQ(up.response.members_size(), 3);
  ASSERT_TRUE(c.waitConverged());
  for (std::uint64_t id = 1; id <= 3; ++id) {
    bool found = false;
    for (const NodePeer& p : c.node(id)->peers()) {
      if (p.id == other) {
        found = true;
        EXPECT_EQ(p.peerUrl, "http://10.9.9.9:2380");
      }
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(c.node(id)->status().voters.size(), 3u);
    EXPECT_EQ(listOn(c, id).members(static_cast<int>(other - 1)).name(),
              "n" + std::to_string(other));
  }
  EXPECT_TRUE(c.put(other, "after", "update").status.ok());
  auto missing = c.request<etcdserverpb::MemberUpdateResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberUpdateResponse> cb) {
        n.memberUpdate(9, "http://10.9.9.8:2380", cb);
      });
  EXPECT_EQ(missing.status.message, "etcdserver: member not found");
}

}  // namespace
}  // namespace detcd::server::testing

// server::Node on the simulator: the request path through Raft, reads, restarts, snapshots,
// membership, leases, watches, errors and disk faults.

#include <gtest/gtest.h>

#include "mvcc/KvStore.h"
#include "server/tests/SimCluster.h"

namespace detcd::server::testing {
namespace {

using namespace std::chrono_literals;
using etcdserverpb::RangeResponse;

std::uint32_t hashKv(Node& n) { return n.status().hashKv; }

TEST(NodeTest, SingleMemberPutGetTxnDelete) {
  SimCluster c(1, 1);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  auto p = c.put(1, "a", "1");
  ASSERT_TRUE(p.done);
  ASSERT_TRUE(p.status.ok()) << p.status.message;
  EXPECT_EQ(p.response.header().revision(), 2);
  EXPECT_EQ(p.response.header().member_id(), 1u);
  EXPECT_NE(p.response.header().cluster_id(), 0u);
  EXPECT_GE(p.response.header().raft_term(), 2u);

  auto g = c.get(1, "a");
  ASSERT_TRUE(g.done && g.status.ok()) << g.status.message;
  ASSERT_EQ(g.response.kvs_size(), 1) << g.response.DebugString();
  EXPECT_EQ(g.response.kvs(0).value(), "1");

  etcdserverpb::TxnRequest txn;
  auto* cmp = txn.add_compare();
  cmp->set_key("a");
  cmp->set_target(etcdserverpb::Compare::VALUE);
  cmp->set_result(etcdserverpb::Compare::EQUAL);
  cmp->set_value("1");
  auto* op = txn.add_success()->mutable_request_put();
  op->set_key("a");
  op->set_value("2");
  auto t = c.request<etcdserverpb::TxnResponse>(
      1, [&](Node& n, Node::Callback<etcdserverpb::TxnResponse> cb) { n.txn(txn, cb); });
  ASSERT_TRUE(t.done && t.status.ok()) << t.status.message;
  EXPECT_TRUE(t.response.succeeded());
  EXPECT_EQ(t.response.header().revision(), 3);

  etcdserverpb::DeleteRangeRequest del;
  del.set_key("a");
  auto d = c.request<etcdserverpb::DeleteRangeResponse>(
      1, [&](Node& n, Node::Callback<etcdserverpb::DeleteRangeResponse> cb) {
        n.deleteRange(del, cb);
      });
  ASSERT_TRUE(d.done && d.status.ok());
  EXPECT_EQ(d.response.deleted(), 1);
  g = c.get(1, "a", true);
  ASSERT_TRUE(g.done && g.status.ok());
  EXPECT_EQ(g.response.kvs_size(), 0);
  EXPECT_EQ(g.response.header().revision(), 4);

  // Validation errors answer at once, without a proposal.
  auto bad = c.put(1, "", "x");
  ASSERT_TRUE(bad.done);
  EXPECT_EQ(bad.status.message, "etcdserver: key is not provided");
  EXPECT_GE(c.events("apply", 1), 4u);
  EXPECT_EQ(c.events("node-start", 1), 1u);
}

TEST(NodeTest, ThreeMembersReplicateThroughFollowers) {
  SimCluster c(2, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  ASSERT_NE(leader, 0u);
  const std::uint64_t follower = leader == 1 ? 2 : 1;
  auto p = c.put(follower, "k", "v");
  ASSERT_TRUE(p.done && p.status.ok()) << p.status.message;
  EXPECT_EQ(p.response.header().member_id(), follower);
  EXPECT_EQ(p.response.header().revision(), 2);
  for (auto id : c.ids()) {
    auto g = c.get(id, "k");
    ASSERT_TRUE(g.done && g.status.ok()) << id << ": " << g.status.message;
    ASSERT_EQ(g.response.kvs_size(), 1) << id;
    EXPECT_EQ(g.response.kvs(0).value(), "v");
    EXPECT_EQ(g.response.header().member_id(), id);
  }
  ASSERT_TRUE(c.waitConverged());
  EXPECT_EQ(hashKv(*c.node(1)), hashKv(*c.node(2)));
  EXPECT_EQ(hashKv(*c.node(1)), hashKv(*c.node(3)));
}

}  // namespace
}  // namespace detcd::server::testing

// What server::NodeStatus reports for the metrics endpoint: leader changes, failed and pending
// proposals, WAL fsync durations, live keys and stored bytes.

#include <gtest/gtest.h>

#include <numeric>

#include "server/FsyncHistogram.h"
#include "server/tests/SimCluster.h"

namespace detcd::server::testing {
namespace {

using namespace std::chrono_literals;

TEST(FsyncHistogramTest, BucketsAreEtcdsAndInclusive) {
  EXPECT_EQ(FsyncHistogram::bound(0), 1ms);
  EXPECT_EQ(FsyncHistogram::bound(13), 8192ms);
  FsyncHistogram h;
  h.observe(0ns);
  h.observe(1ms);           // equal to the first bound: first bucket
  h.observe(1ms + 1ns);     // second
  h.observe(3ms);           // third: (2 ms, 4 ms]
  h.observe(8192ms);        // last bound
  h.observe(9s);            // +Inf
  h.observe(-5ns);          // a negative one counts as zero
  EXPECT_EQ(h.counts[0], 3u);
  EXPECT_EQ(h.counts[1], 1u);
  EXPECT_EQ(h.counts[2], 1u);
  EXPECT_EQ(h.counts[13], 1u);
  EXPECT_EQ(h.counts[14], 1u);
  EXPECT_EQ(h.count, 7u);
  EXPECT_EQ(h.sum, 1ms + 1ms + 1ns + 3ms + 8192ms + 9s);
}

TEST(NodeMetricsTest, ProposalWithoutLeaderFailsAndIsCounted) {
  SimCluster c(7, 3);
  c.startAll();
  auto p = c.put(1, "k", "v");  // at time 0: nobody leads yet
  ASSERT_TRUE(p.done);
  EXPECT_EQ(p.status.message, "etcdserver: no leader");
  EXPECT_EQ(c.node(1)->status().proposalsFailed, 1u);
  EXPECT_EQ(c.node(1)->status().proposalsPending, 0u);
}

TEST(NodeMetricsTest, KeysBytesFsyncsAndLeaderChanges) {
  SimCluster c(11, 3);
  sim::DiskFaults slowSync;
  slowSync.fsyncLatency = sim::Latency::constant(3ms);  // each sync lands in (2 ms, 4 ms]
  for (std::uint64_t id : c.ids()) c.host(id).disk().setFaults(slowSync);
  c.startAll();
  const std::uint64_t leader = c.waitForLeader();
  ASSERT_NE(leader, 0u);
  const NodeStatus before = c.node(leader)->status();
  EXPECT_EQ(before.keys, 0u);
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(c.put(leader, k, "value").status.ok());
  ASSERT_TRUE(c.put(leader, "a", "again").status.ok());
  etcdserverpb::DeleteRangeRequest del;
  del.set_key("b");
  auto d = c.request<etcdserverpb::DeleteRangeResponse>(
      leader, [&](Node& n, Node::Callback<etcdserverpb::DeleteRangeResponse> cb) {
        n.deleteRange(del, cb);
      });
  ASSERT_TRUE(d.done && d.status.ok());
  ASSERT_TRUE(c.waitConverged());
  for (std::uint64_t id : c.ids()) {
    const NodeStatus s = c.node(id)->status();
    EXPECT_EQ(s.keys, 2u) << id;  // a and c live; b deleted
    // Five revisions (a, b, c, a again, b's tombstone): keys, values, overhead.
    EXPECT_EQ(s.dbSizeBytes, 5 * NodeStatus::kRevisionOverheadBytes + 5 + 3 * 5 + 5) << id;
    EXPECT_EQ(s.leaderChanges, 1u) << id;  // the one election: none, then the leader
    EXPECT_EQ(s.proposalsFailed, 0u);
    EXPECT_EQ(s.proposalsPending, 0u);
    const FsyncHistogram& h = s.walFsyncDurations;
    EXPECT_GT(h.count, 0u);
    EXPECT_LE(h.count, s.walSyncs);
    // The simulated disk charges virtual time: every sync took exactly its 3 ms.
    EXPECT_EQ(h.counts[2], h.count);
    EXPECT_EQ(h.sum, 3ms * static_cast<std::int64_t>(h.count));
    EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t{0}), h.count);
  }
}

TEST(NodeMetricsTest, TimedOutProposalIsPendingThenFailed) {
  NodeConfig base;
  base.requestTimeout = 3s;
  SimCluster c(5, 3, base);
  c.startAll();
  const std::uint64_t old = c.waitForLeader();
  ASSERT_NE(old, 0u);
  c.sim().network().partition(sim::partitions::isolate(c.ids(), old), "isolate-leader");
  auto out = std::make_shared<Outcome<etcdserverpb::PutResponse>>();
  etcdserverpb::PutRequest put;
  put.set_key("k");
  put.set_value("v");
  ASSERT_TRUE(c.call(old, [&](Node& n) {
    n.put(put, [out](const mvcc::Status& st, const etcdserverpb::PutResponse&) {
      out->done = true;
      out->status = st;
    });
  }));
  EXPECT_EQ(c.node(old)->status().proposalsPending, 1u);
  ASSERT_TRUE(c.runUntil([&] { return out->done; }, 10s));
  EXPECT_EQ(out->status.message, "etcdserver: request timed out");
  const NodeStatus s = c.node(old)->status();
  EXPECT_EQ(s.proposalsPending, 0u);
  EXPECT_EQ(s.proposalsFailed, 1u);
  // The others elected a new leader: a second change for them.
  c.sim().network().heal();
  const std::uint64_t now = c.waitForLeader();
  ASSERT_NE(now, 0u);
  for (std::uint64_t id : c.ids()) {
    if (id == old) continue;
    EXPECT_GE(c.node(id)->status().leaderChanges, 2u) << id;
  }
}

}  // namespace
}  // namespace detcd::server::testing

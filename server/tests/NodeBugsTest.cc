// The deliberate defects of server/Bugs.h do what they say, each next to the correct behaviour
// (so that the scenario checks have something real to catch).

#include <gtest/gtest.h>

#include "server/tests/SimCluster.h"

namespace detcd::server::testing {
namespace {

using namespace std::chrono_literals;

/// Isolates the leader of a 3-member cluster without CheckQuorum (so it keeps believing it
/// leads), writes through the new majority, then reads linearizably at the old leader.
Outcome<etcdserverpb::RangeResponse> readAtDeposedLeader(bool staleRead) {
  NodeConfig base;
  base.checkQuorum = false;
  base.preVote = false;
  base.requestTimeout = 2s;
  base.bugs.staleRead = staleRead;
  SimCluster c(21, 3, base);
  c.startAll();
  const auto old = c.waitForLeader();
  EXPECT_TRUE(c.put(old, "k", "old").status.ok());
  EXPECT_TRUE(c.waitConverged());
  c.sim().network().partition(sim::partitions::isolate(c.ids(), old), "isolate-leader");
  std::uint64_t next = 0;
  c.runUntil(
      [&] {
        for (auto id : c.ids()) {
          if (id != old && c.node(id)->status().role == "leader") next = id;
        }
        return next != 0;
      },
      20s);
  EXPECT_NE(next, 0u);
  EXPECT_TRUE(c.put(next, "k", "new").status.ok());
  EXPECT_EQ(c.node(old)->status().role, "leader");
  return c.get(old, "k");
}

TEST(NodeBugsTest, StaleReadLetsADeposedLeaderAnswerLinearizableReads) {
  auto correct = readAtDeposedLeader(false);
  ASSERT_TRUE(correct.done);
  EXPECT_EQ(correct.status.message, "etcdserver: request timed out");
  auto stale = readAtDeposedLeader(true);
  ASSERT_TRUE(stale.done && stale.status.ok());
  EXPECT_EQ(stale.response.kvs(0).value(), "old");
}

struct AfterRestart {
  std::int64_t revision = 0;
  std::size_t applyViolations = 0;
};

AfterRestart restartAfter25Puts(bool applyTwice) {
  NodeConfig base;
  base.snapshotCount = 10;
  base.snapshotCatchUpEntries = 5;
  base.bugs.applyTwice = applyTwice;
  base.walSegmentBytes = 4096;  // small segments: released ones must not hide the defect
  SimCluster c(22, 1, base);
  c.tolerateApplyViolations();
  c.startAll();
  c.waitForLeader();
  for (int i = 0; i < 25; ++i) EXPECT_TRUE(c.put(1, "k", std::to_string(i)).status.ok());
  c.host(1).crash();
  c.host(1).restart();
  c.waitForLeader();
  return {c.node(1)->status().revision, c.applyViolations().size()};
}

TEST(NodeBugsTest, ApplyTwiceReappliesEntriesTheSnapshotHolds) {
  const AfterRestart correct = restartAfter25Puts(false);
  EXPECT_EQ(correct.revision, 26);
  EXPECT_EQ(correct.applyViolations, 0u);
  // The harness's exactly-once check (SimCluster::applyViolations) sees it, and so does the
  // revision.
  const AfterRestart twice = restartAfter25Puts(true);
  EXPECT_GT(twice.revision, 26);
  EXPECT_GT(twice.applyViolations, 0u);
}

bool survivesImmediateCrash(bool skipFsync) {
  NodeConfig base;
  base.bugs.skipFsync = skipFsync;
  SimCluster c(23, 1, base);
  c.startAll();
  c.waitForLeader();
  c.host(1).disk().setCrashMode(sim::CrashMode::kLost);
  EXPECT_TRUE(c.put(1, "a", "1").status.ok());
  c.host(1).crash();
  c.host(1).restart();
  c.waitForLeader();
  return c.get(1, "a", true).response.kvs_size() == 1;
}

TEST(NodeBugsTest, SkipFsyncAcknowledgesWritesACrashLoses) {
  EXPECT_TRUE(survivesImmediateCrash(false));
  EXPECT_FALSE(survivesImmediateCrash(true));
}

int watchEventsFor40Puts(bool lostWatchEvent) {
  NodeConfig base;
  base.bugs.lostWatchEvent = lostWatchEvent;
  SimCluster c(24, 1, base);
  c.startAll();
  c.waitForLeader();
  int events = 0;
  c.call(1, [&](Node& n) {
    const auto stream = n.openWatchStream(
        [&events](const etcdserverpb::WatchResponse& r) { events += r.events_size(); });
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key("k");
    n.watch(stream, req);
  });
  for (int i = 0; i < 40; ++i) EXPECT_TRUE(c.put(1, "k", std::to_string(i)).status.ok());
  c.run(1s);
  return events;
}

TEST(NodeBugsTest, LostWatchEventDropsEvents) {
  EXPECT_EQ(watchEventsFor40Puts(false), 40);
  EXPECT_EQ(watchEventsFor40Puts(true), 38);
}

bool leasedKeyAliveAfter7s(bool leaseEarlyExpiry) {
  NodeConfig base;
  base.bugs.leaseEarlyExpiry = leaseEarlyExpiry;
  SimCluster c(25, 1, base);
  c.startAll();
  c.waitForLeader();
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(10);
  auto g = c.request<etcdserverpb::LeaseGrantResponse>(
      1, [&](Node& n, Node::Callback<etcdserverpb::LeaseGrantResponse> cb) {
        n.leaseGrant(grant, cb);
      });
  EXPECT_TRUE(g.status.ok());
  EXPECT_TRUE(c.put(1, "k", "v", g.response.id()).status.ok());
  c.run(7s);
  return c.get(1, "k", true).response.kvs_size() == 1;
}

TEST(NodeBugsTest, LeaseEarlyExpiryRevokesAtHalfTheTtl) {
  EXPECT_TRUE(leasedKeyAliveAfter7s(false));
  EXPECT_FALSE(leasedKeyAliveAfter7s(true));
}

}  // namespace
}  // namespace detcd::server::testing

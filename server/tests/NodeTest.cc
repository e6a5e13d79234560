// server::Node on the simulator: the request path through Raft, reads, restarts, snapshots,
// membership, leases, watches, errors and disk faults.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mvcc/KvStore.h"
#include "proto/serverpb.pb.h"
#include "server/tests/SimCluster.h"
#include "wal/Wal.h"

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

TEST(NodeTest, ProposalsOfOneTurnShareOneReadyAndOneWalSync) {
  // Requests that arrive in one turn of the event loop are appended together and share one
  // fsync (etcd's raft loop batches alike). The followers are not checked: Raft sends them one
  // MsgApp per proposal, and those that arrive in one turn share a sync there too.
  SimCluster c(21, 3);
  c.startAll();
  const std::uint64_t leader = c.waitForLeader();
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(c.waitConverged());
  std::map<std::uint64_t, std::uint64_t> syncsBefore;
  for (auto id : c.ids()) syncsBefore[id] = c.node(id)->status().walSyncs;
  constexpr int kPuts = 20;
  std::vector<Outcome<etcdserverpb::PutResponse>> outs(kPuts);
  ASSERT_TRUE(c.call(leader, [&](Node& n) {
    for (int i = 0; i < kPuts; ++i) {
      etcdserverpb::PutRequest req;
      req.set_key("k" + std::to_string(i));
      req.set_value("v");
      n.put(req, [&outs, i](const mvcc::Status& st, const etcdserverpb::PutResponse& r) {
        outs[static_cast<std::size_t>(i)] = {true, st, r};
      });
    }
  }));
  const auto allDone = [&] {
    return std::all_of(outs.begin(), outs.end(), [](const auto& o) { return o.done; });
  };
  ASSERT_TRUE(c.runUntil(allDone, 10s));
  std::set<std::int64_t> revisions;
  for (const auto& o : outs) {
    ASSERT_TRUE(o.status.ok()) << o.status.message;
    revisions.insert(o.response.header().revision());
  }
  EXPECT_EQ(revisions.size(), static_cast<std::size_t>(kPuts));
  ASSERT_TRUE(c.waitConverged());
  EXPECT_EQ(c.node(leader)->status().walSyncs - syncsBefore[leader], 1u);
}

TEST(NodeTest, ConcurrentClientsShareFsyncsUnderLoad) {
  // Issue 9's load on one member: 100 closed-loop clients, each sending its next put a client
  // round trip (200 us) after its answer, on a disk whose fsync blocks the loop for 2 ms. Puts
  // that arrive while a sync blocks the loop are handled in one turn and share the next sync.
  constexpr int kClients = 100;
  constexpr auto kRoundTrip = 200us;
  SimCluster c(22, 1);
  sim::DiskFaults slowSync;
  slowSync.fsyncLatency = sim::Latency::constant(2ms);
  c.host(1).disk().setFaults(slowSync);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  const NodeStatus before = c.node(1)->status();
  std::uint64_t answered = 0;
  std::function<void(int)> send = [&](int client) {
    etcdserverpb::PutRequest req;
    req.set_key("k" + std::to_string(client));
    req.set_value(std::string(256, 'v'));
    c.node(1)->put(req, [&, client](const mvcc::Status& st, const etcdserverpb::PutResponse&) {
      ASSERT_TRUE(st.ok()) << st.message;
      ++answered;
      c.host(1).clock().after(kRoundTrip, [&send, client] { send(client); });
    });
  };
  for (int i = 0; i < kClients; ++i) {
    c.host(1).clock().after(kRoundTrip * (i + 1) / kClients, [&send, i] { send(i); });
  }
  c.run(1s);
  const std::uint64_t syncs = c.node(1)->status().walSyncs - before.walSyncs;
  ASSERT_GT(syncs, 0u);
  // One put per sync would be at most 500 puts/s here; batching gives tens of puts per sync.
  EXPECT_GE(answered / syncs, 20u) << answered << " puts, " << syncs << " syncs";
  std::cout << "100 clients, 2 ms fsync, 1 s virtual: " << answered << " puts, " << syncs
            << " WAL syncs\n";
  c.host(1).crash();  // the clients' timers must not outlive `send`
}


std::uint64_t otherThan(SimCluster& c, std::uint64_t not1, std::uint64_t not2 = 0) {
  for (auto id : c.ids()) {
    if (id != not1 && id != not2) return id;
  }
  return 0;
}

TEST(NodeTest, LinearizableReadNeedsTheLeaderSerializableDoesNot) {
  NodeConfig base;
  base.requestTimeout = 3s;
  SimCluster c(3, 3, base);
  c.startAll();
  const auto leader = c.waitForLeader();
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(c.put(leader, "k", "old").status.ok());
  ASSERT_TRUE(c.waitConverged());
  const auto f = otherThan(c, leader);
  c.sim().network().partition(sim::partitions::isolate(c.ids(), f), "isolate");
  ASSERT_TRUE(c.put(leader, "k", "new").status.ok());
  auto stale = c.get(f, "k", /*serializable=*/true);
  ASSERT_TRUE(stale.done && stale.status.ok());
  EXPECT_EQ(stale.response.kvs(0).value(), "old");
  auto lin = c.get(f, "k");
  ASSERT_TRUE(lin.done);
  EXPECT_FALSE(lin.status.ok());
  EXPECT_TRUE(lin.status.message == "etcdserver: leader changed" ||
              lin.status.message == "etcdserver: request timed out" ||
              lin.status.message == "etcdserver: no leader")
      << lin.status.message;
  c.sim().network().heal();
  ASSERT_NE(c.waitForLeader(), 0u);
  lin = c.get(f, "k");
  ASSERT_TRUE(lin.done && lin.status.ok()) << lin.status.message;
  EXPECT_EQ(lin.response.kvs(0).value(), "new");
  // A read-only Txn is a linearizable read too: answered, and it takes no revision.
  etcdserverpb::TxnRequest txn;
  txn.add_success()->mutable_request_range()->set_key("k");
  auto t = c.request<etcdserverpb::TxnResponse>(
      f, [&](Node& n, Node::Callback<etcdserverpb::TxnResponse> cb) { n.txn(txn, cb); });
  ASSERT_TRUE(t.done && t.status.ok()) << t.status.message;
  EXPECT_EQ(t.response.responses(0).response_range().kvs(0).value(), "new");
  EXPECT_EQ(t.response.header().revision(), 3);
}

TEST(NodeTest, LeaderCrashElectsANewLeaderAndTheOldOneCatchesUp) {
  SimCluster c(4, 3);
  c.startAll();
  const auto old = c.waitForLeader();
  ASSERT_NE(old, 0u);
  ASSERT_TRUE(c.put(old, "a", "1").status.ok());
  c.host(old).crash();
  const auto next = c.waitForLeader();
  ASSERT_NE(next, 0u);
  ASSERT_NE(next, old);
  ASSERT_TRUE(c.put(next, "b", "2").status.ok());
  c.host(old).restart();
  ASSERT_TRUE(c.waitConverged());
  auto g = c.get(old, "b", true);
  ASSERT_TRUE(g.done && g.status.ok());
  ASSERT_EQ(g.response.kvs_size(), 1);
  for (auto id : c.ids()) EXPECT_EQ(hashKv(*c.node(id)), hashKv(*c.node(next))) << id;
}

TEST(NodeTest, EveryMemberRestartsFromDiskWithTheSameState) {
  SimCluster c(5, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.put(leader, "k" + std::to_string(i % 7), std::to_string(i)).status.ok());
  }
  ASSERT_TRUE(c.waitConverged());
  const auto before = c.node(1)->status();
  for (auto id : c.ids()) c.host(id).crash();
  for (auto id : c.ids()) c.host(id).restart();
  ASSERT_NE(c.waitForLeader(), 0u);
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) {
    const auto s = c.node(id)->status();
    EXPECT_EQ(s.hashKv, before.hashKv) << id;
    EXPECT_EQ(s.revision, before.revision) << id;
    EXPECT_GE(s.appliedIndex, before.appliedIndex) << id;
    EXPECT_EQ(c.events("node-start", id), 2u);
  }
}

NodeConfig snapshotting() {
  NodeConfig base;
  base.snapshotCount = 10;
  base.snapshotCatchUpEntries = 5;
  base.walSegmentBytes = 4096;
  return base;
}

TEST(NodeTest, SnapshotsReleaseTheWalAndRestartsLoadThem) {
  SimCluster c(6, 1, snapshotting());
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(c.put(1, "k" + std::to_string(i % 5), std::string(100, 'x')).status.ok());
  }
  const auto before = c.node(1)->status();
  EXPECT_GE(before.snapshots, 5u);
  EXPECT_GE(before.snapshotIndex, 50u);
  EXPECT_GT(before.firstIndex, 40u);  // the in-memory log was compacted, keeping 5 entries
  EXPECT_EQ(c.events("snapshot-save", 1), before.snapshots);
  auto snaps = c.host(1).disk().list("member/snap");
  ASSERT_TRUE(snaps.ok());
  EXPECT_LE(snaps->size(), 5u);  // the snapshotter keeps five
  auto segments = c.host(1).disk().list("member/wal");
  ASSERT_TRUE(segments.ok());
  EXPECT_LE(segments->size(), 4u) << "released segments remain";
  c.host(1).crash();
  c.host(1).restart();
  ASSERT_EQ(c.waitForLeader(), 1u);
  const auto after = c.node(1)->status();
  EXPECT_FALSE(after.stopped) << after.stopReason;
  EXPECT_EQ(after.hashKv, before.hashKv);
  EXPECT_EQ(after.revision, before.revision);
  EXPECT_GE(after.snapshotIndex, 10u);
  auto g = c.get(1, "k4");
  ASSERT_TRUE(g.done && g.status.ok());
  EXPECT_EQ(g.response.kvs(0).version(), 12);
}

TEST(NodeTest, SlowFollowerIsCaughtUpBySnapshot) {
  SimCluster c(7, 3, snapshotting());
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  c.sim().network().partition(sim::partitions::isolate(c.ids(), f), "isolate");
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.put(leader, "k" + std::to_string(i), "v").status.ok());
  c.sim().network().heal();
  ASSERT_TRUE(c.waitConverged());
  EXPECT_GE(c.events("snapshot-restore", f), 1u);
  EXPECT_EQ(hashKv(*c.node(f)), hashKv(*c.node(leader)));
  // And it restarts from the snapshot it received.
  c.host(f).crash();
  c.host(f).restart();
  ASSERT_TRUE(c.waitConverged());
  EXPECT_EQ(hashKv(*c.node(f)), hashKv(*c.node(leader)));
}

TEST(NodeTest, WatchersMissNoEventWhenTheirMemberRestoresASnapshot) {
  SimCluster c(15, 3, snapshotting());
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  std::vector<std::int64_t> revisions;
  c.call(f, [&](Node& n) {
    const auto stream = n.openWatchStream([&](const etcdserverpb::WatchResponse& r) {
      for (const auto& ev : r.events()) revisions.push_back(ev.kv().mod_revision());
    });
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key("k");
    n.watch(stream, req);
  });
  ASSERT_TRUE(c.put(leader, "k", "0").status.ok());
  ASSERT_TRUE(c.waitConverged());
  c.sim().network().partition(sim::partitions::isolate(c.ids(), f), "isolate");
  for (int i = 1; i <= 40; ++i) ASSERT_TRUE(c.put(leader, "k", std::to_string(i)).status.ok());
  c.sim().network().heal();
  ASSERT_TRUE(c.waitConverged());
  ASSERT_GE(c.events("snapshot-restore", f), 1u);
  ASSERT_TRUE(c.runUntil([&] { return revisions.size() == 41; }, 5s)) << revisions.size();
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    EXPECT_EQ(revisions[i], static_cast<std::int64_t>(i) + 2);
  }
}

TEST(NodeTest, MemberAddJoinsAndMemberRemoveStopsTheMember) {
  SimCluster c(8, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  ASSERT_TRUE(c.put(leader, "a", "1").status.ok());
  auto add = c.request<etcdserverpb::MemberAddResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberAddResponse> cb) {
        n.memberAdd(4, "", false, cb);
      });
  ASSERT_TRUE(add.done && add.status.ok()) << add.status.message;
  EXPECT_EQ(add.response.members_size(), 4);
  EXPECT_EQ(add.response.member().id(), 4u);
  auto dup = c.request<etcdserverpb::MemberAddResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberAddResponse> cb) {
        n.memberAdd(4, "", false, cb);
      });
  EXPECT_EQ(dup.status.message, "etcdserver: member ID already exist");
  c.startJoining(4);
  ASSERT_TRUE(c.waitConverged());
  auto g = c.get(4, "a", true);
  ASSERT_TRUE(g.done && g.status.ok());
  ASSERT_EQ(g.response.kvs_size(), 1);
  EXPECT_EQ(c.node(4)->status().voters.size(), 4u);

  auto rm = c.request<etcdserverpb::MemberRemoveResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberRemoveResponse> cb) {
        n.memberRemove(4, cb);
      });
  ASSERT_TRUE(rm.done && rm.status.ok()) << rm.status.message;
  EXPECT_EQ(rm.response.members_size(), 3);
  ASSERT_TRUE(c.runUntil([&] { return c.node(4)->stopped(); }, 10s));
  EXPECT_EQ(c.node(4)->status().stopReason, "removed from the cluster");
  auto missing = c.request<etcdserverpb::MemberRemoveResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberRemoveResponse> cb) {
        n.memberRemove(9, cb);
      });
  EXPECT_EQ(missing.status.message, "etcdserver: member not found");
  ASSERT_TRUE(c.put(leader, "b", "2").status.ok());
  // A removed ID never comes back: re-adding it fails, and the removed member stops again when
  // restarted, even if it lost the entries that removed it (the others tell it so).
  auto again = c.request<etcdserverpb::MemberAddResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberAddResponse> cb) {
        n.memberAdd(4, "", false, cb);
      });
  EXPECT_EQ(again.status.message, "etcdserver: member not found");
  c.host(4).crash();
  c.host(4).restart();
  ASSERT_NE(c.node(4), nullptr);
  EXPECT_TRUE(c.runUntil([&] { return c.node(4)->stopped(); }, 10s));
  EXPECT_EQ(c.node(4)->status().stopReason, "removed from the cluster");
}

TEST(NodeTest, AJoinerReplayingAnEarlierRemovalKeepsRunning) {
  // The joiner learns the log from its start (no snapshot yet), including the removal of n3,
  // whose configuration does not mention the joiner either: that is not its own removal
  // (swarm seed 312: the joiner stopped and the cluster lost its quorum).
  SimCluster c(9, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  const std::uint64_t other = leader == 3 ? 2 : 3;
  auto rm = c.request<etcdserverpb::MemberRemoveResponse>(
      leader, [other](Node& n, Node::Callback<etcdserverpb::MemberRemoveResponse> cb) {
        n.memberRemove(other, cb);
      });
  ASSERT_TRUE(rm.done && rm.status.ok()) << rm.status.message;
  c.runUntil([] { return false; }, 1s);  // the joint configuration is left
  auto add = c.request<etcdserverpb::MemberAddResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberAddResponse> cb) {
        n.memberAdd(4, "", false, cb);
      });
  ASSERT_TRUE(add.done && add.status.ok()) << add.status.message;
  c.startJoining(4);
  ASSERT_TRUE(c.runUntil([&] { return c.node(4)->status().appliedIndex >= 5; }, 10s));
  EXPECT_FALSE(c.node(4)->stopped()) << c.node(4)->status().stopReason;
  ASSERT_TRUE(c.put(leader, "a", "1").status.ok());
}

TEST(NodeTest, LeasesGrantKeepAliveThroughAFollowerAndExpireByTheLeader) {
  SimCluster c(9, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(5);
  auto g = c.request<etcdserverpb::LeaseGrantResponse>(
      f, [&](Node& n, Node::Callback<etcdserverpb::LeaseGrantResponse> cb) {
        n.leaseGrant(grant, cb);
      });
  ASSERT_TRUE(g.done && g.status.ok()) << g.status.message;
  const std::int64_t lease = g.response.id();
  ASSERT_NE(lease, 0);
  EXPECT_EQ(g.response.ttl(), 5);
  ASSERT_TRUE(c.put(f, "leased", "v", lease).status.ok());
  for (int i = 0; i < 4; ++i) {
    c.run(2s);
    etcdserverpb::LeaseKeepAliveRequest ka;
    ka.set_id(lease);
    auto k = c.request<etcdserverpb::LeaseKeepAliveResponse>(
        f, [&](Node& n, Node::Callback<etcdserverpb::LeaseKeepAliveResponse> cb) {
          n.leaseKeepAlive(ka, cb);
        });
    ASSERT_TRUE(k.done && k.status.ok()) << k.status.message;
    EXPECT_EQ(k.response.ttl(), 5);
  }
  EXPECT_GE(c.events("lease-renew", leader), 4u);
  etcdserverpb::LeaseTimeToLiveRequest ttl;
  ttl.set_id(lease);
  ttl.set_keys(true);
  auto t = c.request<etcdserverpb::LeaseTimeToLiveResponse>(
      f, [&](Node& n, Node::Callback<etcdserverpb::LeaseTimeToLiveResponse> cb) {
        n.leaseTimeToLive(ttl, cb);
      });
  ASSERT_TRUE(t.done && t.status.ok()) << t.status.message;
  EXPECT_GT(t.response.ttl(), 0);
  EXPECT_EQ(t.response.keys_size(), 1);
  auto got = c.get(f, "leased", true);
  ASSERT_EQ(got.response.kvs_size(), 1);
  // No more keep-alives: the leader revokes after the TTL, on every member.
  c.run(8s);
  EXPECT_EQ(c.events("lease-expire", leader), 1u);
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) {
    auto r = c.get(id, "leased", true);
    ASSERT_TRUE(r.done && r.status.ok());
    EXPECT_EQ(r.response.kvs_size(), 0) << id;
  }
}

TEST(NodeTest, WatchStreamDeliversEventsAfterPuts) {
  SimCluster c(10, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  std::vector<etcdserverpb::WatchResponse> got;
  std::int64_t stream = 0;
  c.call(f, [&](Node& n) {
    stream = n.openWatchStream([&got](const etcdserverpb::WatchResponse& r) { got.push_back(r); });
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key("w");
    req.mutable_create_request()->set_range_end("x");
    n.watch(stream, req);
  });
  ASSERT_TRUE(c.put(leader, "w1", "a").status.ok());
  ASSERT_TRUE(c.put(leader, "other", "b").status.ok());
  ASSERT_TRUE(c.put(leader, "w2", "c").status.ok());
  int events = 0;
  ASSERT_TRUE(c.runUntil(
      [&] {
        events = 0;
        for (const auto& r : got) events += r.events_size();
        return events == 2;
      },
      5s));
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(got.front().created());
  EXPECT_EQ(got.back().events(0).kv().key(), "w2");
  EXPECT_EQ(got.back().header().member_id(), f);
  c.call(f, [&](Node& n) { n.closeWatchStream(stream); });
}

TEST(NodeTest, NoLeaderTimedOutAndTooLargeErrors) {
  NodeConfig base;
  base.requestTimeout = 2s;
  SimCluster c(11, 3, base);
  c.sim().network().partition(sim::partitions::groups({{1}, {2}, {3}}), "split");
  c.startAll();
  c.run(3s);
  auto p = c.put(1, "a", "1");
  ASSERT_TRUE(p.done);
  EXPECT_EQ(p.status.message, "etcdserver: no leader");
  EXPECT_EQ(p.status.code, mvcc::StatusCode::kUnavailable);
  c.sim().network().heal();
  const auto leader = c.waitForLeader();
  ASSERT_NE(leader, 0u);
  auto big = c.put(leader, "a", std::string(2 << 20, 'x'));
  ASSERT_TRUE(big.done);
  EXPECT_EQ(big.status.message, "etcdserver: request is too large");
  // A leader cut off from the others cannot commit: the outcome is unknown after the timeout.
  c.sim().network().partition(sim::partitions::isolate(c.ids(), leader), "isolate-leader");
  auto lost = c.put(leader, "a", "2");
  ASSERT_TRUE(lost.done);
  EXPECT_EQ(lost.status.message, "etcdserver: request timed out");
}

TEST(NodeTest, TooManyRequestsWhileTheAppliedIndexTrailsTheCommitIndex) {
  NodeConfig base;
  base.maxApplyGap = 10;
  SimCluster c(16, 3, base);
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  c.sim().network().partition(sim::partitions::isolate(c.ids(), f), "isolate");
  for (int i = 0; i < 800; ++i) {
    etcdserverpb::PutRequest req;
    req.set_key("k" + std::to_string(i % 10));
    req.set_value(std::string(1000, 'v'));
    c.call(leader, [&](Node& n) { n.put(req, [](const mvcc::Status&, const auto&) {}); });
    if (i % 50 == 0) c.run(100ms);
  }
  ASSERT_TRUE(c.runUntil(
      [&] {
        const auto s = c.node(leader)->status();
        return s.appliedIndex == s.lastIndex && s.lastIndex > 800;
      },
      10s));
  c.sim().network().heal();
  // The follower receives a large committed backlog and applies it over several turns.
  ASSERT_TRUE(c.runUntil(
      [&] {
        const auto s = c.node(f)->status();
        return s.commitIndex > s.appliedIndex + 10;
      },
      10s));
  auto p = c.put(f, "a", "1");
  ASSERT_TRUE(p.done);
  EXPECT_EQ(p.status.message, "etcdserver: too many requests");
  EXPECT_EQ(p.status.code, mvcc::StatusCode::kResourceExhausted);
  ASSERT_TRUE(c.waitConverged());
  EXPECT_TRUE(c.put(f, "a", "1").status.ok());
}

TEST(NodeTest, LearnerIsPromotedAndLeadershipMoves) {
  SimCluster c(17, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  auto add = c.request<etcdserverpb::MemberAddResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberAddResponse> cb) {
        n.memberAdd(4, "http://n4:2380", true, cb);
      });
  ASSERT_TRUE(add.done && add.status.ok()) << add.status.message;
  EXPECT_TRUE(add.response.member().islearner());
  EXPECT_EQ(add.response.member().peerurls(0), "http://n4:2380");
  c.startJoining(4);
  ASSERT_TRUE(c.waitConverged());
  EXPECT_EQ(c.node(4)->status().learners, std::vector<std::uint64_t>{4});
  auto notLearner = c.request<etcdserverpb::MemberPromoteResponse>(
      leader, [&](Node& n, Node::Callback<etcdserverpb::MemberPromoteResponse> cb) {
        n.memberPromote(leader, cb);
      });
  EXPECT_EQ(notLearner.status.message, "etcdserver: can only promote a learner member");
  auto promote = c.request<etcdserverpb::MemberPromoteResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MemberPromoteResponse> cb) {
        n.memberPromote(4, cb);
      });
  ASSERT_TRUE(promote.done && promote.status.ok()) << promote.status.message;
  ASSERT_TRUE(c.waitConverged());
  EXPECT_EQ(c.node(4)->status().voters.size(), 4u);
  auto list = c.request<etcdserverpb::MemberListResponse>(
      4, [](Node& n, Node::Callback<etcdserverpb::MemberListResponse> cb) { n.memberList(cb); });
  ASSERT_TRUE(list.done && list.status.ok());
  ASSERT_EQ(list.response.members_size(), 4);
  EXPECT_EQ(list.response.members(0).name(), "n1");
  EXPECT_FALSE(list.response.members(3).islearner());

  auto notLeader = c.request<etcdserverpb::MoveLeaderResponse>(
      4, [](Node& n, Node::Callback<etcdserverpb::MoveLeaderResponse> cb) {
        n.moveLeader(1, cb);
      });
  EXPECT_EQ(notLeader.status.message, "etcdserver: not leader");
  auto move = c.request<etcdserverpb::MoveLeaderResponse>(
      leader, [](Node& n, Node::Callback<etcdserverpb::MoveLeaderResponse> cb) {
        n.moveLeader(4, cb);
      });
  ASSERT_TRUE(move.done && move.status.ok()) << move.status.message;
  EXPECT_EQ(c.waitForLeader(), 4u);
  EXPECT_TRUE(c.put(4, "a", "1").status.ok());
}

/// Puts issued on member `id` in one turn of its event loop; returns how many were answered OK
/// once the cluster converged.
int putsInOneTurn(SimCluster& c, std::uint64_t id, int puts) {
  auto ok = std::make_shared<int>(0);
  auto answered = std::make_shared<int>(0);
  EXPECT_TRUE(c.call(id, [&](Node& n) {
    for (int i = 0; i < puts; ++i) {
      etcdserverpb::PutRequest req;
      req.set_key("k" + std::to_string(i));
      req.set_value("v");
      n.put(req, [ok, answered](const mvcc::Status& st, const etcdserverpb::PutResponse&) {
        ++*answered;
        if (st.ok()) ++*ok;
      });
    }
  }));
  EXPECT_TRUE(c.runUntil([&] { return *answered == puts; }, std::chrono::seconds(10)));
  EXPECT_TRUE(c.waitConverged());
  return *ok;
}

TEST(NodeTest, RequestsOfOneTurnShareOneAppendPerFollower) {
  SimCluster c(5, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  ASSERT_TRUE(c.waitConverged());
  // On the leader: one MsgApp per follower carries all 20 entries, one more tells the commit
  // index (no heartbeat is traced); without the batch there would be 20 per follower.
  auto sent = c.events("raft-send", leader);
  EXPECT_EQ(putsInOneTurn(c, leader, 20), 20);
  EXPECT_LE(c.events("raft-send", leader) - sent, 4u);
  // On a follower: one forwarded MsgProp carries all 20, then its MsgAppResp for the append.
  const auto f = otherThan(c, leader);
  sent = c.events("raft-send", f);
  EXPECT_EQ(putsInOneTurn(c, f, 20), 20);
  EXPECT_LE(c.events("raft-send", f) - sent, 3u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(c.get(otherThan(c, f), "k" + std::to_string(i)).response.kvs_size(), 1) << i;
  }
}

TEST(NodeTest, OneSeedGivesOneTraceHash) {
  const auto run = [](std::uint64_t seed) {
    NodeConfig base;
    base.snapshotCount = 7;
    base.snapshotCatchUpEntries = 3;
    SimCluster c(seed, 3, base);
    c.startAll();
    const auto leader = c.waitForLeader();
    for (int i = 0; i < 20; ++i) (void)c.put(leader, "k" + std::to_string(i % 3), "v");
    c.host(leader).crash();
    c.waitForLeader();
    c.host(leader).restart();
    c.waitConverged();
    return c.sim().trace().hash();
  };
  EXPECT_EQ(run(31), run(31));
  EXPECT_NE(run(31), run(32));
}

TEST(NodeTest, TornWalTailsAreTruncatedOnRestart) {
  SimCluster c(12, 3);
  c.startAll();
  auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  c.host(f).disk().setCrashMode(sim::CrashMode::kTorn);
  for (int round = 0; round < 5; ++round) {
    leader = c.waitForLeader();
    ASSERT_NE(leader, 0u);
    for (int i = 0; i < 10; ++i) {
      etcdserverpb::PutRequest req;
      req.set_key("k" + std::to_string(i));
      req.set_value(std::string(300, 'a' + static_cast<char>(round)));
      c.call(leader, [&](Node& n) { n.put(req, [](const mvcc::Status&, const auto&) {}); });
    }
    c.run(std::chrono::milliseconds(3 + round));
    c.host(f).crash();
    c.host(f).restart();
    ASSERT_FALSE(c.node(f)->stopped()) << c.node(f)->status().stopReason;
  }
  ASSERT_NE(c.waitForLeader(), 0u);
  ASSERT_TRUE(c.waitConverged());
  EXPECT_EQ(hashKv(*c.node(f)), hashKv(*c.node(c.leader())));
}

TEST(NodeTest, BitFlipInTheWalMakesTheNodeRefuseToStart) {
  NodeConfig base;
  base.walSegmentBytes = 4096;  // small segments: the oldest one is full of records
  SimCluster c(13, 1, base);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(c.put(1, "k", std::string(200, 'v')).status.ok());
  auto segments = c.host(1).disk().list("member/wal");
  ASSERT_TRUE(segments.ok());
  ASSERT_GE(segments->size(), 2u);
  const std::string segment = "member/wal/" + segments->front();
  auto flipped = c.host(1).disk().flipSyncedBit(segment);
  ASSERT_TRUE(flipped);
  c.host(1).disk().setCrashMode(sim::CrashMode::kLost);
  c.host(1).crash();
  c.host(1).restart();
  Node* n = c.node(1);
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(n->stopped()) << *flipped;
  EXPECT_EQ(c.events("node-refused", 1), 1u);
  EXPECT_NE(n->status().stopReason.find(segment), std::string::npos) << n->status().stopReason;
  auto p = c.put(1, "k", "v");
  EXPECT_EQ(p.status.message, "etcdserver: server stopped");
}

TEST(NodeTest, DamagedNewestSnapshotFallsBackToAnOlderStart) {
  NodeConfig base;
  base.snapshotCount = 10;
  base.snapshotCatchUpEntries = 5;
  SimCluster c(18, 1, base);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  for (int i = 0; i < 35; ++i) ASSERT_TRUE(c.put(1, "k" + std::to_string(i % 4), "v").status.ok());
  const auto before = c.node(1)->status();
  auto snaps = c.host(1).disk().list("member/snap");
  ASSERT_TRUE(snaps.ok());
  ASSERT_FALSE(snaps->empty());
  ASSERT_TRUE(c.host(1).disk().flipSyncedBit("member/snap/" + snaps->back()));
  c.host(1).crash();
  c.host(1).restart();
  ASSERT_EQ(c.waitForLeader(), 1u);
  const auto after = c.node(1)->status();
  ASSERT_FALSE(after.stopped) << after.stopReason;
  EXPECT_EQ(c.events("snapshot-skipped", 1), 1u);
  EXPECT_EQ(after.hashKv, before.hashKv);
  EXPECT_EQ(after.revision, before.revision);
}

TEST(NodeTest, ABootstrapInterruptedAfterTheWalWasCreatedIsFinishedOnRestart) {
  SimCluster c(19, 1);
  // What a crash between creating the WAL and saving the first snapshot leaves behind.
  auto& disk = c.host(1).disk();
  ASSERT_FALSE(disk.mkdir("member"));
  serverpb::WalMetadata meta;
  meta.set_member_id(1);
  ASSERT_TRUE(wal::Wal::create(disk, "member/wal", meta.SerializeAsString(), {}).ok());
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  EXPECT_FALSE(c.node(1)->stopped());
  EXPECT_EQ(c.node(1)->status().voters, std::vector<std::uint64_t>{1});
  EXPECT_TRUE(c.put(1, "a", "1").status.ok());
}

TEST(NodeTest, AJoinerRestartedWithoutJoinNeverBootstrapsANewCluster) {
  SimCluster c(20, 1);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  c.startJoining(2);  // never added: it hears from nobody
  c.run(1s);
  c.host(2).crash();
  c.config(2).join = false;
  c.config(2).initialCluster = {{2, "n2", ""}};
  c.host(2).restart();
  c.run(5s);
  EXPECT_NE(c.node(2)->status().role, "leader");
  EXPECT_TRUE(c.node(2)->status().voters.empty());
}

TEST(NodeTest, InvalidConfigsThrowBeforeTouchingTheDisk) {
  {
    SimCluster c(26, 1);
    c.config(1).electionTicks = 1;  // not above heartbeatTicks
    EXPECT_THROW(c.host(1).start(), std::invalid_argument);
    EXPECT_FALSE(c.host(1).disk().exists("member"));
  }
  {
    SimCluster c(27, 1);
    c.config(1).initialCluster.clear();  // bootstrapping needs the initial cluster
    EXPECT_THROW(c.host(1).start(), std::invalid_argument);
    EXPECT_FALSE(c.host(1).disk().exists("member"));
  }
}

TEST(NodeTest, AFullDiskStopsTheNode) {
  NodeConfig base;
  base.walSegmentBytes = 4096;  // a new segment is needed soon, and there is no room for it
  SimCluster c(28, 1, base);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  sim::DiskFaults faults;
  faults.capacity = c.host(1).disk().usedBytes() + 1024;
  c.host(1).disk().setFaults(faults);
  for (int i = 0; i < 40 && !c.node(1)->stopped(); ++i) {
    (void)c.put(1, "k", std::string(200, 'v'));
  }
  ASSERT_TRUE(c.node(1)->stopped());
  EXPECT_NE(c.node(1)->status().stopReason.find("space"), std::string::npos)
      << c.node(1)->status().stopReason;
}

TEST(NodeTest, FsyncFailureStopsTheNodeForGood) {
  SimCluster c(14, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  sim::DiskFaults faults;
  faults.fsyncEio = 1.0;
  c.host(leader).disk().setFaults(faults);
  auto p = c.put(leader, "a", "1");
  ASSERT_TRUE(p.done);
  EXPECT_EQ(p.status.message, "etcdserver: server stopped");
  EXPECT_TRUE(c.node(leader)->stopped());
  EXPECT_EQ(c.events("node-stopped", leader), 1u);
  EXPECT_NE(c.lastField("node-stopped", "reason", leader).find("wal"), std::string::npos);
  // The others elect a new leader and carry on.
  const auto next = c.waitForLeader();
  ASSERT_NE(next, 0u);
  ASSERT_NE(next, leader);
  ASSERT_TRUE(c.put(next, "b", "2").status.ok());
}

}  // namespace
}  // namespace detcd::server::testing

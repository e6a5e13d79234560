// server::Node's space quota and alarms on the simulator: a write over the quota is refused and
// raises NOSPACE through Raft, every member then refuses writes but serves reads, deletes and
// compaction until the alarm is disarmed; alarms survive restarts and travel in snapshots;
// Maintenance.Alarm ACTIVATE (etcd's rules, server/Quota.h).

#include <gtest/gtest.h>

#include <string>

#include "server/Errors.h"
#include "server/tests/SimCluster.h"

namespace detcd::server::testing {
namespace {

using namespace std::chrono_literals;
using etcdserverpb::AlarmRequest;
using etcdserverpb::AlarmResponse;

constexpr std::int64_t kQuota = 10'000;
const std::string kValue(4000, 'v');  // 4,034 stored bytes with a 2-byte key; costs 4,258

NodeConfig quota(NodeConfig base = {}) {
  base.quotaBackendBytes = kQuota;
  return base;
}

Outcome<AlarmResponse> alarm(SimCluster& c, std::uint64_t on, AlarmRequest::AlarmAction action,
                             std::uint64_t member = 0,
                             etcdserverpb::AlarmType type = etcdserverpb::NONE) {
  AlarmRequest req;
  req.set_action(action);
  req.set_memberid(member);
  req.set_alarm(type);
  return c.request<AlarmResponse>(
      on, [&](Node& n, Node::Callback<AlarmResponse> cb) { n.alarm(req, cb); });
}

/// The alarms member `id` has applied, as "member:TYPE" words.
std::string alarmsOf(SimCluster& c, std::uint64_t id) {
  std::string out;
  for (const auto& a : c.node(id)->status().alarms) {
    out += (out.empty() ? "" : " ") + std::to_string(a.memberid()) + ":" +
           etcdserverpb::AlarmType_Name(a.alarm());
  }
  return out;
}

Outcome<etcdserverpb::TxnResponse> txn(SimCluster& c, std::uint64_t on,
                                       const etcdserverpb::TxnRequest& req) {
  return c.request<etcdserverpb::TxnResponse>(
      on, [&](Node& n, Node::Callback<etcdserverpb::TxnResponse> cb) { n.txn(req, cb); });
}

Outcome<etcdserverpb::LeaseGrantResponse> grant(SimCluster& c, std::uint64_t on) {
  etcdserverpb::LeaseGrantRequest req;
  req.set_ttl(60);
  return c.request<etcdserverpb::LeaseGrantResponse>(
      on, [&](Node& n, Node::Callback<etcdserverpb::LeaseGrantResponse> cb) {
        n.leaseGrant(req, cb);
      });
}

mvcc::Status del(SimCluster& c, std::uint64_t on, const std::string& key) {
  etcdserverpb::DeleteRangeRequest req;
  req.set_key(key);
  return c.request<etcdserverpb::DeleteRangeResponse>(
              on, [&](Node& n, Node::Callback<etcdserverpb::DeleteRangeResponse> cb) {
                n.deleteRange(req, cb);
              })
      .status;
}

mvcc::Status compactAll(SimCluster& c, std::uint64_t on) {
  etcdserverpb::CompactionRequest req;
  req.set_revision(c.node(on)->status().revision);
  return c.request<etcdserverpb::CompactionResponse>(
              on, [&](Node& n, Node::Callback<etcdserverpb::CompactionResponse> cb) {
                n.compact(req, cb);
              })
      .status;
}

std::uint64_t otherThan(SimCluster& c, std::uint64_t not1, std::uint64_t not2 = 0) {
  for (auto id : c.ids()) {
    if (id != not1 && id != not2) return id;
  }
  return 0;
}

/// Fills the store of a 3-member cluster through follower `f` until a put is refused.
void fillUntilRefused(SimCluster& c, std::uint64_t f) {
  ASSERT_TRUE(c.put(f, "k1", kValue).status.ok());
  ASSERT_TRUE(c.put(f, "k2", kValue).status.ok());
  // 8,068 stored + 4,258 >= 10,000.
  const auto refused = c.put(f, "k3", kValue);
  ASSERT_TRUE(refused.done);
  EXPECT_EQ(refused.status, errors::noSpace());
  EXPECT_EQ(refused.status.code, mvcc::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status.message, "etcdserver: mvcc: database space exceeded");
  // etcd answers once the alarm is applied on the member that refused.
  EXPECT_EQ(alarmsOf(c, f), std::to_string(f) + ":NOSPACE");
}

TEST(NodeQuotaTest, AWriteOverTheQuotaRaisesNospaceOnEveryMemberUntilDisarmed) {
  SimCluster c(71, 3, quota());
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  fillUntilRefused(c, f);
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) EXPECT_EQ(alarmsOf(c, id), std::to_string(f) + ":NOSPACE") << id;

  // Every member refuses writes, even those that fit: the alarm caps the cluster.
  const auto g = otherThan(c, leader, f);
  for (auto id : {leader, g}) {
    EXPECT_EQ(c.put(id, "small", "1").status, errors::noSpace()) << id;
    EXPECT_EQ(grant(c, id).status, errors::noSpace()) << id;
    etcdserverpb::TxnRequest t;
    t.add_success()->mutable_request_put()->set_key("small");
    EXPECT_EQ(txn(c, id, t).status, errors::noSpace()) << id;
  }
  // The capped members raised no alarm of their own: the active one sufficed.
  EXPECT_EQ(alarmsOf(c, leader), std::to_string(f) + ":NOSPACE");
  // Reads, a txn without puts, deletes and compaction go on.
  for (auto id : c.ids()) {
    auto r = c.get(id, "k1");
    ASSERT_TRUE(r.status.ok()) << r.status.message;
    EXPECT_EQ(r.response.kvs_size(), 1);
    EXPECT_TRUE(c.get(id, "k2", true).status.ok());
  }
  etcdserverpb::TxnRequest deletes;
  deletes.add_success()->mutable_request_delete_range()->set_key("k2");
  EXPECT_TRUE(txn(c, g, deletes).status.ok());
  EXPECT_TRUE(del(c, leader, "k1").ok());
  ASSERT_TRUE(c.waitConverged());
  EXPECT_TRUE(compactAll(c, f).ok());
  ASSERT_TRUE(c.waitConverged());
  EXPECT_LT(c.node(leader)->status().dbSizeBytes, 100u);
  // Still capped: only disarming lifts it.
  EXPECT_EQ(c.put(f, "small", "1").status, errors::noSpace());

  // `etcdctl alarm disarm`: a GET, then a DEACTIVATE of each alarm listed.
  auto list = alarm(c, g, AlarmRequest::GET);
  ASSERT_TRUE(list.status.ok()) << list.status.message;
  ASSERT_EQ(list.response.alarms_size(), 1);
  EXPECT_EQ(list.response.alarms(0).memberid(), f);
  auto off = alarm(c, g, AlarmRequest::DEACTIVATE, f, etcdserverpb::NOSPACE);
  ASSERT_TRUE(off.status.ok()) << off.status.message;
  ASSERT_EQ(off.response.alarms_size(), 1);
  EXPECT_EQ(off.response.header().member_id(), g);
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) EXPECT_EQ(alarmsOf(c, id), "") << id;
  for (auto id : c.ids()) EXPECT_TRUE(c.put(id, "small", "1").status.ok()) << id;
  EXPECT_TRUE(grant(c, leader).status.ok());
  EXPECT_EQ(c.events("alarm"), 2u * 3);  // raised and disarmed, on each member
}

TEST(NodeQuotaTest, WritesThatPassedTheCheckButNoLongerFitAreRefusedAtApplyOnEveryMember) {
  SimCluster c(72, 3, quota());
  c.startAll();
  const auto leader = c.waitForLeader();
  ASSERT_TRUE(c.put(leader, "k1", kValue).status.ok());
  ASSERT_TRUE(c.waitConverged());
  // Both fit the 4,034 bytes stored when proposed; only the first fits when applied.
  Outcome<etcdserverpb::PutResponse> first, second;
  etcdserverpb::PutRequest p2, p3;
  p2.set_key("k2");
  p2.set_value(kValue);
  p3.set_key("k3");
  p3.set_value(kValue);
  auto record = [](Outcome<etcdserverpb::PutResponse>* out) {
    return [out](const mvcc::Status& st, const etcdserverpb::PutResponse& r) {
      out->done = true;
      out->status = st;
      out->response = r;
    };
  };
  std::string alarmsWhenAnswered;
  ASSERT_TRUE(c.call(leader, [&](Node& n) {
    n.put(p2, record(&first));
    n.put(p3, [&](const mvcc::Status& st, const etcdserverpb::PutResponse& r) {
      record(&second)(st, r);
      alarmsWhenAnswered = alarmsOf(c, leader);
    });
  }));
  ASSERT_TRUE(c.runUntil([&] { return first.done && second.done; }, 10s));
  EXPECT_TRUE(first.status.ok()) << first.status.message;
  EXPECT_EQ(second.status, errors::noSpace());
  EXPECT_EQ(alarmsWhenAnswered, std::to_string(leader) + ":NOSPACE");
  ASSERT_TRUE(c.waitConverged());
  // Refused without effect, alike everywhere.
  const auto s = c.node(leader)->status();
  for (auto id : c.ids()) {
    EXPECT_EQ(c.node(id)->status().revision, 3) << id;
    EXPECT_EQ(c.node(id)->status().hashKv, s.hashKv) << id;
    EXPECT_EQ(c.get(id, "k3", true).response.kvs_size(), 0) << id;
    EXPECT_EQ(alarmsOf(c, id), std::to_string(leader) + ":NOSPACE") << id;
  }
}

TEST(NodeQuotaTest, AlarmsSurviveRestartsAndTravelInSnapshots) {
  NodeConfig base;
  base.snapshotCount = 10;
  base.snapshotCatchUpEntries = 5;
  base.walSegmentBytes = 4096;
  SimCluster c(73, 3, quota(base));
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  const auto lagging = otherThan(c, leader, f);
  c.sim().network().partition(sim::partitions::isolate(c.ids(), lagging), "isolate");
  fillUntilRefused(c, f);
  // Enough entries after the alarm for snapshots to replace it in every log.
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(alarm(c, leader, AlarmRequest::GET).status.ok());
  c.sim().network().heal();
  ASSERT_TRUE(c.waitConverged());
  EXPECT_GE(c.events("snapshot-restore", lagging), 1u);
  EXPECT_EQ(c.events("alarm", lagging), 0u) << "the alarm must come in the snapshot";
  EXPECT_EQ(alarmsOf(c, lagging), std::to_string(f) + ":NOSPACE");
  EXPECT_EQ(c.put(lagging, "small", "1").status, errors::noSpace());

  for (auto id : c.ids()) c.host(id).crash();
  for (auto id : c.ids()) c.host(id).restart();
  ASSERT_NE(c.waitForLeader(), 0u);
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) {
    EXPECT_GE(c.node(id)->status().snapshotIndex, 10u) << id;
    EXPECT_EQ(alarmsOf(c, id), std::to_string(f) + ":NOSPACE") << id;
  }
  const auto now = c.leader();
  EXPECT_EQ(c.put(now, "small", "1").status, errors::noSpace());

  // Disarmed, restarted: it stays disarmed (the DEACTIVATE replays from the WAL).
  ASSERT_TRUE(del(c, now, "k1").ok());
  ASSERT_TRUE(alarm(c, now, AlarmRequest::DEACTIVATE, f, etcdserverpb::NOSPACE).status.ok());
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) c.host(id).crash();
  for (auto id : c.ids()) c.host(id).restart();
  ASSERT_NE(c.waitForLeader(), 0u);
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) EXPECT_EQ(alarmsOf(c, id), "") << id;
  EXPECT_TRUE(c.put(c.leader(), "small", "1").status.ok());
}

TEST(NodeQuotaTest, AlarmActivateThroughTheApi) {
  SimCluster c(74, 3);
  c.startAll();
  const auto leader = c.waitForLeader();
  const auto f = otherThan(c, leader);
  ASSERT_TRUE(c.put(leader, "a", "1").status.ok());

  // NOSPACE raised by hand caps the cluster as the quota's does.
  auto on = alarm(c, f, AlarmRequest::ACTIVATE, 42, etcdserverpb::NOSPACE);
  ASSERT_TRUE(on.status.ok()) << on.status.message;
  ASSERT_EQ(on.response.alarms_size(), 1);
  EXPECT_EQ(on.response.alarms(0).memberid(), 42u);
  EXPECT_EQ(c.put(leader, "a", "2").status, errors::noSpace());
  ASSERT_TRUE(alarm(c, f, AlarmRequest::DEACTIVATE, 42, etcdserverpb::NOSPACE).status.ok());

  // CORRUPT refuses every write, reads go on.
  ASSERT_TRUE(alarm(c, f, AlarmRequest::ACTIVATE, f, etcdserverpb::CORRUPT).status.ok());
  const auto refused = c.put(leader, "a", "2");
  EXPECT_EQ(refused.status, errors::corrupt());
  EXPECT_EQ(refused.status.code, mvcc::StatusCode::kDataLoss);
  EXPECT_EQ(del(c, f, "a"), errors::corrupt());
  EXPECT_EQ(compactAll(c, f), errors::corrupt());
  auto r = c.get(f, "a");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.response.kvs(0).value(), "1");
  auto list = alarm(c, leader, AlarmRequest::GET, 0, etcdserverpb::CORRUPT);
  ASSERT_EQ(list.response.alarms_size(), 1);
  EXPECT_EQ(list.response.alarms(0).memberid(), f);
  ASSERT_TRUE(alarm(c, f, AlarmRequest::DEACTIVATE, f, etcdserverpb::CORRUPT).status.ok());
  EXPECT_TRUE(c.put(leader, "a", "2").status.ok());

  // Bad requests name the problem and propose nothing.
  auto none = alarm(c, f, AlarmRequest::ACTIVATE, f, etcdserverpb::NONE);
  EXPECT_EQ(none.status.code, mvcc::StatusCode::kInvalidArgument);
  EXPECT_EQ(none.status.message, "etcdserver: cannot activate alarm type 0 (NOSPACE = 1 or "
                                 "CORRUPT = 2)");
  auto unknown = alarm(c, f, static_cast<AlarmRequest::AlarmAction>(9));
  EXPECT_EQ(unknown.status.message, "etcdserver: unknown alarm action 9");
  ASSERT_TRUE(c.waitConverged());
  for (auto id : c.ids()) EXPECT_EQ(alarmsOf(c, id), "") << id;
}

TEST(NodeQuotaTest, ANegativeQuotaDisablesIt) {
  NodeConfig base;
  base.quotaBackendBytes = -1;
  SimCluster c(75, 1, base);
  c.startAll();
  ASSERT_EQ(c.waitForLeader(), 1u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.put(1, "k" + std::to_string(i), kValue).status.ok());
  EXPECT_EQ(alarmsOf(c, 1), "");
}

}  // namespace
}  // namespace detcd::server::testing

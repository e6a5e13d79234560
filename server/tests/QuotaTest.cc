// The space quota's arithmetic and the alarm store, without a node (server/Quota.h,
// server/Alarms.h). The property prints the failing sequence and an RC_PARAMS="reproduce=..."
// line that replays it.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "mvcc/KvStore.h"
#include "server/Alarms.h"
#include "server/Errors.h"
#include "server/Node.h"
#include "server/Quota.h"

namespace detcd::server {
namespace {

using etcdserverpb::AlarmRequest;

serverpb::InternalRaftRequest putOf(const std::string& key, const std::string& value) {
  serverpb::InternalRaftRequest r;
  r.mutable_put()->set_key(key);
  r.mutable_put()->set_value(value);
  return r;
}

AlarmRequest alarmReq(AlarmRequest::AlarmAction action, std::uint64_t member,
                      etcdserverpb::AlarmType type) {
  AlarmRequest a;
  a.set_action(action);
  a.set_memberid(member);
  a.set_alarm(type);
  return a;
}

TEST(QuotaTest, LimitDefaultsToTwoGibAndANegativeQuotaDisablesIt) {
  EXPECT_EQ(BackendQuota(0).limit(), std::int64_t{2} << 30);
  EXPECT_EQ(BackendQuota(1000).limit(), 1000);
  EXPECT_EQ(BackendQuota(-1).limit(), -1);
  EXPECT_EQ(BackendQuota(-5).limit(), -5);
  EXPECT_TRUE(BackendQuota(-5).available(std::uint64_t{1} << 40, 0));
  EXPECT_TRUE(BackendQuota(-1).available(std::uint64_t{1} << 40, std::uint64_t{1} << 40));
  // Strictly below, as etcd's Available.
  EXPECT_TRUE(BackendQuota(1000).available(500, 499));
  EXPECT_FALSE(BackendQuota(1000).available(500, 500));
  EXPECT_FALSE(BackendQuota(1000).available(1000, 0));
}

TEST(QuotaTest, CostsAreEtcdsEstimates) {
  EXPECT_EQ(BackendQuota::cost(putOf("key", std::string(100, 'v'))), 256u + 3 + 100);
  serverpb::InternalRaftRequest grant;
  grant.mutable_lease_grant()->set_ttl(10);
  EXPECT_EQ(BackendQuota::cost(grant), 64u);
  serverpb::InternalRaftRequest del;
  del.mutable_delete_range()->set_key("a");
  EXPECT_EQ(BackendQuota::cost(del), 0u);
  EXPECT_FALSE(BackendQuota::checks(del));
  EXPECT_TRUE(BackendQuota::checks(grant));

  // A txn costs its costlier branch; deletes and ranges cost nothing; nested puts count.
  etcdserverpb::TxnRequest txn;
  auto* p = txn.add_success()->mutable_request_put();
  p->set_key("a");
  p->set_value("12345");
  txn.add_success()->mutable_request_delete_range()->set_key("b");
  auto* nested = txn.add_failure()->mutable_request_txn();
  auto* np = nested->add_success()->mutable_request_put();
  np->set_key("c");
  np->set_value(std::string(50, 'x'));
  EXPECT_EQ(BackendQuota::txnCost(txn), 256u + 1 + 50);
  etcdserverpb::TxnRequest deletes;
  deletes.add_success()->mutable_request_delete_range()->set_key("b");
  EXPECT_EQ(BackendQuota::txnCost(deletes), 0u);
}

TEST(QuotaTest, BackendBytesFollowWritesAndCompaction) {
  mvcc::KvStore store;
  EXPECT_EQ(backendBytes(store), 0u);
  AlarmStore alarms;
  const BackendQuota none(-1);
  ASSERT_TRUE(applyWithAlarms(store, alarms, none, putOf("ab", "12345"), 0).status.ok());
  EXPECT_EQ(backendBytes(store), 2 + 5 + NodeStatus::kRevisionOverheadBytes);
  ASSERT_TRUE(applyWithAlarms(store, alarms, none, putOf("ab", "1"), 0).status.ok());
  EXPECT_EQ(backendBytes(store), 2 + 5 + 2 + 1 + 2 * NodeStatus::kRevisionOverheadBytes);
  etcdserverpb::CompactionRequest compact;
  compact.set_revision(store.currentRevision());
  etcdserverpb::CompactionResponse resp;
  ASSERT_TRUE(store.compact(compact, &resp).ok());
  EXPECT_EQ(backendBytes(store), 2 + 1 + NodeStatus::kRevisionOverheadBytes);
}

TEST(QuotaTest, AWriteThatDoesNotFitIsRefusedWithoutEffect) {
  mvcc::KvStore store;
  AlarmStore alarms;
  const BackendQuota quota(1000);
  ASSERT_TRUE(applyWithAlarms(store, alarms, quota, putOf("a", std::string(400, 'x')), 0)
                  .status.ok());
  // 433 bytes stored + 256 + 1 + 400 >= 1000.
  const ApplyResult r = applyWithAlarms(store, alarms, quota, putOf("b", std::string(400, 'x')), 0);
  EXPECT_EQ(r.status, errors::noSpace());
  EXPECT_EQ(r.status.code, mvcc::StatusCode::kResourceExhausted);
  EXPECT_EQ(store.currentRevision(), 2);
  // A smaller one fits: 433 + 256 + 1 + 300 < 1000.
  EXPECT_TRUE(applyWithAlarms(store, alarms, quota, putOf("b", std::string(300, 'x')), 0)
                  .status.ok());
  // 766 bytes stored: a lease grant (64) fits, another put does not.
  serverpb::InternalRaftRequest grant;
  grant.mutable_lease_grant()->set_ttl(100);
  EXPECT_TRUE(applyWithAlarms(store, alarms, quota, grant, 0).status.ok());
  EXPECT_EQ(applyWithAlarms(store, alarms, quota, putOf("c", std::string(200, 'x')), 0).status,
            errors::noSpace());
  // Deletes are never refused.
  serverpb::InternalRaftRequest del;
  del.mutable_delete_range()->set_key("a");
  EXPECT_TRUE(applyWithAlarms(store, alarms, quota, del, 0).status.ok());
}

TEST(QuotaTest, NospaceCapsPutsAndGrantsButNotDeletesOrPutlessTxns) {
  mvcc::KvStore store;
  AlarmStore alarms;
  const BackendQuota quota(-1);
  ASSERT_TRUE(applyWithAlarms(store, alarms, quota, putOf("a", "1"), 0).status.ok());
  serverpb::InternalRaftRequest raise;
  *raise.mutable_alarm() = alarmReq(AlarmRequest::ACTIVATE, 7, etcdserverpb::NOSPACE);
  const ApplyResult raised = applyWithAlarms(store, alarms, quota, raise, 0);
  ASSERT_TRUE(raised.status.ok());
  ASSERT_NE(raised.response, nullptr);
  EXPECT_TRUE(alarms.active(etcdserverpb::NOSPACE));
  EXPECT_EQ(applyWithAlarms(store, alarms, quota, putOf("b", "1"), 0).status, errors::noSpace());
  serverpb::InternalRaftRequest grant;
  grant.mutable_lease_grant()->set_ttl(100);
  EXPECT_EQ(applyWithAlarms(store, alarms, quota, grant, 0).status, errors::noSpace());
  serverpb::InternalRaftRequest txnPut;
  txnPut.mutable_txn()->add_success()->mutable_request_put()->set_key("c");
  EXPECT_EQ(applyWithAlarms(store, alarms, quota, txnPut, 0).status, errors::noSpace());
  serverpb::InternalRaftRequest txnDel;
  txnDel.mutable_txn()->add_success()->mutable_request_delete_range()->set_key("a");
  EXPECT_TRUE(applyWithAlarms(store, alarms, quota, txnDel, 0).status.ok());
  serverpb::InternalRaftRequest compact;
  compact.mutable_compaction()->set_revision(store.currentRevision());
  EXPECT_TRUE(applyWithAlarms(store, alarms, quota, compact, 0).status.ok());
  EXPECT_EQ(store.currentRevision(), 3);

  serverpb::InternalRaftRequest disarm;
  *disarm.mutable_alarm() = alarmReq(AlarmRequest::DEACTIVATE, 7, etcdserverpb::NOSPACE);
  ASSERT_TRUE(applyWithAlarms(store, alarms, quota, disarm, 0).status.ok());
  EXPECT_TRUE(applyWithAlarms(store, alarms, quota, putOf("b", "1"), 0).status.ok());
}

TEST(QuotaTest, CorruptRefusesEveryWrite) {
  mvcc::KvStore store;
  AlarmStore alarms;
  const BackendQuota quota(0);
  serverpb::InternalRaftRequest raise;
  *raise.mutable_alarm() = alarmReq(AlarmRequest::ACTIVATE, 1, etcdserverpb::CORRUPT);
  ASSERT_TRUE(applyWithAlarms(store, alarms, quota, raise, 0).status.ok());
  serverpb::InternalRaftRequest del;
  del.mutable_delete_range()->set_key("a");
  serverpb::InternalRaftRequest revoke;
  revoke.mutable_lease_revoke()->set_id(5);
  for (const auto& r : {putOf("a", "1"), del, revoke}) {
    const ApplyResult out = applyWithAlarms(store, alarms, quota, r, 0);
    EXPECT_EQ(out.status, errors::corrupt()) << r.DebugString();
    EXPECT_EQ(out.status.code, mvcc::StatusCode::kDataLoss);
  }
  EXPECT_EQ(store.currentRevision(), 1);
}

// Random writes, deletes, compactions, grants and alarm changes through the applier chain: the
// backend never reaches the quota, a refused request changes nothing, and no put, grant or
// txn with puts applies while NOSPACE is active.
RC_GTEST_PROP(QuotaTest, TheBackendNeverReachesTheQuotaAndRefusalsChangeNothing, ()) {
  const auto quotaBytes = *rc::gen::inRange<std::int64_t>(300, 5000);
  const BackendQuota quota(quotaBytes);
  mvcc::KvStore store;
  AlarmStore alarms;
  const auto steps = *rc::gen::container<std::vector<std::tuple<int, int, int>>>(
      rc::gen::tuple(rc::gen::inRange(0, 7), rc::gen::inRange(0, 5), rc::gen::inRange(0, 900)));
  for (const auto& [kind, key, size] : steps) {
    const std::string k = "k" + std::to_string(key);
    serverpb::InternalRaftRequest r;
    switch (kind) {
      case 0:
      case 1:
        r = putOf(k, std::string(static_cast<std::size_t>(size), 'v'));
        break;
      case 2: {
        auto* p = r.mutable_txn()->add_success()->mutable_request_put();
        p->set_key(k);
        p->set_value(std::string(static_cast<std::size_t>(size), 't'));
        r.mutable_txn()->add_failure()->mutable_request_delete_range()->set_key(k);
        break;
      }
      case 3:
        r.mutable_delete_range()->set_key(k);
        break;
      case 4:
        if (store.compactRevision() >= store.currentRevision()) continue;  // nothing to compact
        r.mutable_compaction()->set_revision(store.currentRevision());
        break;
      case 5:
        r.mutable_lease_grant()->set_ttl(100);
        break;
      default:
        *r.mutable_alarm() = alarmReq(size % 2 == 0 ? AlarmRequest::ACTIVATE
                                                    : AlarmRequest::DEACTIVATE,
                                      1, etcdserverpb::NOSPACE);
        break;
    }
    const bool capped = alarms.active(etcdserverpb::NOSPACE);
    const std::int64_t revision = store.currentRevision();
    const std::uint64_t bytes = backendBytes(store);
    const std::size_t leases = store.lessor().leases().size();
    const ApplyResult out = applyWithAlarms(store, alarms, quota, r, 0);
    if (!out.status.ok()) {
      RC_ASSERT(out.status == errors::noSpace());
      RC_ASSERT(store.currentRevision() == revision);
      RC_ASSERT(backendBytes(store) == bytes);
      RC_ASSERT(store.lessor().leases().size() == leases);
    } else if (capped) {
      RC_ASSERT(!r.has_put() && !r.has_lease_grant() && BackendQuota::cost(r) == 0);
    }
    RC_ASSERT(backendBytes(store) < static_cast<std::uint64_t>(quotaBytes));
  }
}

TEST(QuotaTest, AlarmStoreActivatesListsAndDeactivatesAsEtcd) {
  AlarmStore s;
  auto r = s.apply(alarmReq(AlarmRequest::ACTIVATE, 9, etcdserverpb::NOSPACE));
  ASSERT_EQ(r.alarms_size(), 1);
  EXPECT_EQ(r.alarms(0).memberid(), 9u);
  // Activating an active alarm lists it again and changes nothing.
  r = s.apply(alarmReq(AlarmRequest::ACTIVATE, 9, etcdserverpb::NOSPACE));
  EXPECT_EQ(r.alarms_size(), 1);
  s.apply(alarmReq(AlarmRequest::ACTIVATE, 3, etcdserverpb::CORRUPT));
  s.apply(alarmReq(AlarmRequest::ACTIVATE, 2, etcdserverpb::NOSPACE));
  r = s.apply(alarmReq(AlarmRequest::GET, 0, etcdserverpb::NONE));
  ASSERT_EQ(r.alarms_size(), 3);  // ordered by (type, member)
  EXPECT_EQ(r.alarms(0).memberid(), 2u);
  EXPECT_EQ(r.alarms(1).memberid(), 9u);
  EXPECT_EQ(r.alarms(2).alarm(), etcdserverpb::CORRUPT);
  r = s.apply(alarmReq(AlarmRequest::GET, 0, etcdserverpb::CORRUPT));
  ASSERT_EQ(r.alarms_size(), 1);
  EXPECT_EQ(r.alarms(0).memberid(), 3u);

  // Deactivating an absent alarm answers an empty list.
  EXPECT_EQ(s.apply(alarmReq(AlarmRequest::DEACTIVATE, 4, etcdserverpb::NOSPACE)).alarms_size(),
            0);
  EXPECT_EQ(s.apply(alarmReq(AlarmRequest::DEACTIVATE, 9, etcdserverpb::NOSPACE)).alarms_size(),
            1);
  EXPECT_TRUE(s.active(etcdserverpb::NOSPACE));
  EXPECT_FALSE(s.active(etcdserverpb::NOSPACE, 9));
  s.apply(alarmReq(AlarmRequest::DEACTIVATE, 2, etcdserverpb::NOSPACE));
  EXPECT_FALSE(s.active(etcdserverpb::NOSPACE));
  EXPECT_TRUE(s.active(etcdserverpb::CORRUPT));

  // Snapshots carry them.
  serverpb::SnapshotData d;
  s.save(&d);
  AlarmStore restored;
  restored.assign(d);
  EXPECT_TRUE(restored.active(etcdserverpb::CORRUPT, 3));
  EXPECT_FALSE(restored.active(etcdserverpb::NOSPACE));
}

TEST(QuotaTest, AlarmTextIsEtcdsCompactText) {
  etcdserverpb::AlarmMember m;
  m.set_memberid(10276657743932975437u);
  m.set_alarm(etcdserverpb::NOSPACE);
  EXPECT_EQ(AlarmStore::text(m), "memberID:10276657743932975437 alarm:NOSPACE ");
  m.set_alarm(etcdserverpb::NONE);
  EXPECT_EQ(AlarmStore::text(m), "memberID:10276657743932975437 ");
}

}  // namespace
}  // namespace detcd::server

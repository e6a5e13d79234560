#include <gtest/gtest.h>

#include <map>

#include "mvcc/KvStore.h"
#include "mvcc/Lessor.h"
#include "mvcc/tests/StoreTestUtil.h"

namespace detcd::mvcc {
namespace {

using namespace testutil;  // NOLINT: request builders
constexpr int64_t kSec = 1'000'000'000;

TEST(LessorTest, MinimumTtlFollowsEtcdFormula) {
  EXPECT_EQ(Lessor::minLeaseTtlSeconds(10, 100), 2);  // etcd defaults: 1.5 s -> 2 s
  EXPECT_EQ(Lessor::minLeaseTtlSeconds(10, 200), 3);  // 3 s
  EXPECT_EQ(Lessor::minLeaseTtlSeconds(5, 100), 1);   // (15/2)=7 ticks * 100 ms = 0.7 s -> 1
  EXPECT_EQ(Lessor::minLeaseTtlSeconds(50, 100), 8);  // 7.5 s -> 8
}

TEST(LessorTest, GrantRaisesTtlToTheMinimumAndRejectsBadInput) {
  Lessor l(2);
  ASSERT_TRUE(l.grant(1, 1, 0).ok());
  EXPECT_EQ(l.lookup(1)->ttlSeconds, 2);
  ASSERT_TRUE(l.grant(2, -5, 0).ok());
  EXPECT_EQ(l.lookup(2)->ttlSeconds, 2);
  ASSERT_TRUE(l.grant(3, 60, 0).ok());
  EXPECT_EQ(l.lookup(3)->ttlSeconds, 60);
  EXPECT_EQ(l.grant(3, 60, 0), errors::leaseExists());
  EXPECT_EQ(errors::leaseExists().message, "etcdserver: lease already exists");
  EXPECT_EQ(l.grant(4, Lessor::kMaxLeaseTtlSeconds + 1, 0), errors::leaseTtlTooLarge());
  EXPECT_TRUE(l.grant(4, Lessor::kMaxLeaseTtlSeconds, 0).ok());
  EXPECT_EQ(l.grant(0, 10, 0), errors::leaseNotFound());
}

TEST(LessorTest, OnlyThePrimaryExpiresLeases) {
  Lessor l(2);
  ASSERT_TRUE(l.grant(1, 10, 0).ok());
  EXPECT_TRUE(l.expired(100 * kSec, 10).empty());  // follower: never
  l.promote(5 * kSec, 1 * kSec);                   // leader at t=5 s, election timeout 1 s
  EXPECT_TRUE(l.expired(15 * kSec, 10).empty());
  EXPECT_EQ(l.expired(16 * kSec, 10), (std::vector<int64_t>{1}));  // 5 + 10 + 1
  ASSERT_TRUE(l.grant(2, 3, 16 * kSec).ok());                      // primary: now + TTL
  EXPECT_EQ(l.lookup(2)->expiryNs, 19 * kSec);
  EXPECT_EQ(l.expired(20 * kSec, 10), (std::vector<int64_t>{1, 2}));  // oldest first
  EXPECT_EQ(l.expired(20 * kSec, 1), (std::vector<int64_t>{1}));
  l.demote();
  EXPECT_TRUE(l.expired(100 * kSec, 10).empty());
}

TEST(LessorTest, RenewOnThePrimaryResetsExpiryAndReturnsTtl) {
  Lessor l(2);
  ASSERT_TRUE(l.grant(1, 10, 0).ok());
  int64_t ttl = 0;
  EXPECT_EQ(l.renew(1, 0, &ttl), errors::notPrimary());
  l.promote(0, 0);
  ASSERT_TRUE(l.renew(1, 8 * kSec, &ttl).ok());
  EXPECT_EQ(ttl, 10);
  EXPECT_EQ(l.lookup(1)->expiryNs, 18 * kSec);
  EXPECT_EQ(l.renew(1, 18 * kSec, &ttl), errors::leaseNotFound());  // expired, revoke pending
  EXPECT_EQ(l.renew(9, 0, &ttl), errors::leaseNotFound());
}

TEST(LessorTest, RemainingSecondsTruncateTowardZero) {
  Lessor l(2);
  l.promote(0, 0);
  ASSERT_TRUE(l.grant(1, 10, 0).ok());
  EXPECT_EQ(Lessor::remainingSeconds(*l.lookup(1), 0), 10);
  EXPECT_EQ(Lessor::remainingSeconds(*l.lookup(1), 1), 9);
  EXPECT_EQ(Lessor::remainingSeconds(*l.lookup(1), 9 * kSec + 1), 0);
}

TEST(LessorTest, RevokeReturnsAttachedKeysInKeyOrder) {
  Lessor l(2);
  ASSERT_TRUE(l.grant(1, 10, 0).ok());
  l.attach(1, "b");
  l.attach(1, "a");
  l.attach(1, "c");
  l.detach(1, "c");
  std::vector<std::string> keys;
  ASSERT_TRUE(l.revoke(1, &keys).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(l.revoke(1, &keys), errors::leaseNotFound());
}

TEST(LessorTest, PromoteSpreadsAPileUpOfExpiries) {
  Lessor l(2);
  for (int64_t id = 1; id <= 2000; ++id) {
    ASSERT_TRUE(l.grant(id, 10, 0).ok());
  }
  l.promote(0, 0);
  // All 2000 would expire at 10 s; at most 750 may expire in any one-second window.
  std::map<int64_t, int> perSecond;
  int64_t latest = 0;
  for (const Lessor::Lease* lease : l.leases()) {
    EXPECT_GE(lease->expiryNs, 10 * kSec);
    ++perSecond[lease->expiryNs / kSec];
    latest = std::max(latest, lease->expiryNs);
  }
  for (const auto& [second, n] : perSecond) {
    EXPECT_LE(n, 750) << "second " << second;
  }
  EXPECT_LT(latest, 13 * kSec);
  // Below the revoke rate nothing moves.
  Lessor few(2);
  ASSERT_TRUE(few.grant(1, 10, 0).ok());
  ASSERT_TRUE(few.grant(2, 10, 0).ok());
  few.promote(0, 0);
  EXPECT_EQ(few.lookup(2)->expiryNs, 10 * kSec);
}

class StoreLeaseTest : public ::testing::Test {
 protected:
  void grant(int64_t id, int64_t ttl) {
    etcdserverpb::LeaseGrantRequest g;
    g.set_id(id);
    g.set_ttl(ttl);
    etcdserverpb::LeaseGrantResponse gr;
    ASSERT_TRUE(store_.leaseGrant(g, 0, &gr).ok());
  }
  KvStore store_;
};

TEST_F(StoreLeaseTest, GrantResponseAndServerChosenIds) {
  etcdserverpb::LeaseGrantRequest g;
  g.set_ttl(1);
  etcdserverpb::LeaseGrantResponse a;
  ASSERT_TRUE(store_.leaseGrant(g, 0, &a).ok());
  EXPECT_NE(a.id(), 0);
  EXPECT_GT(a.id(), 0);
  EXPECT_EQ(a.ttl(), 2);
  EXPECT_EQ(a.header().revision(), 1);
  etcdserverpb::LeaseGrantResponse b;
  ASSERT_TRUE(store_.leaseGrant(g, 0, &b).ok());
  EXPECT_NE(a.id(), b.id());
  // Deterministic: another store with the same history chooses the same IDs.
  KvStore other;
  etcdserverpb::LeaseGrantResponse c;
  ASSERT_TRUE(other.leaseGrant(g, 0, &c).ok());
  EXPECT_EQ(a.id(), c.id());
  g.set_id(a.id());
  EXPECT_EQ(store_.leaseGrant(g, 0, &c), errors::leaseExists());
}

TEST_F(StoreLeaseTest, RevokeDeletesEveryAttachedKeyInOneRevision) {
  grant(1, 10);
  mustPut(store_, "a", "1", 1);
  mustPut(store_, "b", "1", 1);
  mustPut(store_, "c", "1");
  etcdserverpb::LeaseRevokeRequest r;
  r.set_id(1);
  etcdserverpb::LeaseRevokeResponse rr;
  ASSERT_TRUE(store_.leaseRevoke(r, &rr).ok());
  EXPECT_EQ(rr.header().revision(), 5);
  EXPECT_EQ(store_.currentRevision(), 5);
  EXPECT_EQ(keysOf(mustRange(store_, rangeReq("a", "z"))), (std::vector<std::string>{"c"}));
  EXPECT_EQ(store_.leaseRevoke(r, &rr), errors::leaseNotFound());
  // A lease without keys revokes without a new revision.
  grant(2, 10);
  ASSERT_TRUE(store_
                  .leaseRevoke(
                      [] {
                        etcdserverpb::LeaseRevokeRequest x;
                        x.set_id(2);
                        return x;
                      }(),
                      &rr)
                  .ok());
  EXPECT_EQ(rr.header().revision(), 5);
}

TEST_F(StoreLeaseTest, OverwriteAndDeleteDetachKeys) {
  grant(1, 10);
  grant(2, 10);
  mustPut(store_, "a", "1", 1);
  mustPut(store_, "b", "1", 1);
  mustPut(store_, "a", "2", 2);  // moves a to lease 2
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(store_.deleteRange(delReq("b"), &d).ok());
  mustPut(store_, "b", "again");  // no lease: must survive revoke of 1
  etcdserverpb::LeaseTimeToLiveRequest t;
  t.set_id(2);
  t.set_keys(true);
  etcdserverpb::LeaseTimeToLiveResponse tr;
  ASSERT_TRUE(store_.leaseTimeToLive(t, 0, &tr).ok());
  ASSERT_EQ(tr.keys_size(), 1);
  EXPECT_EQ(tr.keys(0), "a");
  etcdserverpb::LeaseRevokeRequest r;
  r.set_id(1);
  etcdserverpb::LeaseRevokeResponse rr;
  const int64_t before = store_.currentRevision();
  ASSERT_TRUE(store_.leaseRevoke(r, &rr).ok());
  EXPECT_EQ(store_.currentRevision(), before);
  EXPECT_EQ(mustRange(store_, rangeReq("a", "z")).count(), 2);
}

TEST_F(StoreLeaseTest, KeepAliveAndTimeToLive) {
  grant(1, 10);
  etcdserverpb::LeaseKeepAliveRequest k;
  k.set_id(1);
  etcdserverpb::LeaseKeepAliveResponse kr;
  EXPECT_EQ(store_.leaseKeepAlive(k, 0, &kr), errors::notPrimary());
  store_.lessor().promote(0, 0);
  ASSERT_TRUE(store_.leaseKeepAlive(k, 4 * kSec, &kr).ok());
  EXPECT_EQ(kr.ttl(), 10);
  EXPECT_EQ(kr.id(), 1);
  etcdserverpb::LeaseTimeToLiveRequest t;
  t.set_id(1);
  etcdserverpb::LeaseTimeToLiveResponse tr;
  ASSERT_TRUE(store_.leaseTimeToLive(t, 6 * kSec, &tr).ok());
  EXPECT_EQ(tr.ttl(), 8);
  EXPECT_EQ(tr.grantedttl(), 10);
  EXPECT_EQ(tr.keys_size(), 0);
  // Missing lease: keep-alive answers TTL 0, time-to-live answers TTL -1 (etcd).
  k.set_id(99);
  kr.Clear();
  ASSERT_TRUE(store_.leaseKeepAlive(k, 0, &kr).ok());
  EXPECT_EQ(kr.ttl(), 0);
  EXPECT_EQ(kr.id(), 99);
  t.set_id(99);
  tr.Clear();
  ASSERT_TRUE(store_.leaseTimeToLive(t, 0, &tr).ok());
  EXPECT_EQ(tr.ttl(), -1);
}

TEST_F(StoreLeaseTest, LeasesAndExpiryQuery) {
  store_.lessor().promote(0, 0);
  grant(3, 30);
  grant(1, 10);
  grant(2, 20);
  etcdserverpb::LeaseLeasesResponse lr;
  ASSERT_TRUE(store_.leaseLeases({}, &lr).ok());
  ASSERT_EQ(lr.leases_size(), 3);
  EXPECT_EQ(lr.leases(0).id(), 1);  // by expiry
  EXPECT_EQ(lr.leases(2).id(), 3);
  EXPECT_EQ(store_.expiredLeases(25 * kSec, 100), (std::vector<int64_t>{1, 2}));
}

TEST_F(StoreLeaseTest, NewLeaderRenewsLeasesByTtlPlusElectionTimeout) {
  store_.lessor().promote(0, 0);
  grant(1, 10);
  store_.lessor().demote();  // leadership lost at some point
  // A new leader takes over at t = 50 s with a 1 s election timeout.
  store_.lessor().promote(50 * kSec, 1 * kSec);
  EXPECT_TRUE(store_.expiredLeases(60 * kSec, 10).empty());
  EXPECT_EQ(store_.expiredLeases(61 * kSec, 10), (std::vector<int64_t>{1}));
}

TEST_F(StoreLeaseTest, LeasesArePartOfTheSnapshot) {
  grant(1, 10);
  grant(7, 70);
  mustPut(store_, "k", "v", 7);
  KvStore r;
  ASSERT_TRUE(r.restore(store_.snapshot()).ok());
  ASSERT_NE(r.lessor().lookup(7), nullptr);
  EXPECT_EQ(r.lessor().lookup(7)->ttlSeconds, 70);
  EXPECT_EQ(r.lessor().lookup(7)->keys, (std::set<std::string>{"k"}));
  EXPECT_FALSE(r.lessor().primary());
  // Server-chosen IDs continue the same sequence after a restore.
  etcdserverpb::LeaseGrantRequest g;
  g.set_ttl(5);
  etcdserverpb::LeaseGrantResponse a;
  etcdserverpb::LeaseGrantResponse b;
  ASSERT_TRUE(store_.leaseGrant(g, 0, &a).ok());
  ASSERT_TRUE(r.leaseGrant(g, 0, &b).ok());
  EXPECT_EQ(a.id(), b.id());
}

}  // namespace
}  // namespace detcd::mvcc

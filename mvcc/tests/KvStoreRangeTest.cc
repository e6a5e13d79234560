// Range, Put and DeleteRange of KvStore, option by option, against etcd 3.4's rules.

#include <gtest/gtest.h>

#include "mvcc/KvStore.h"
#include "mvcc/tests/StoreTestUtil.h"

namespace detcd::mvcc {
namespace {

using namespace testutil;  // NOLINT: request builders
using etcdserverpb::RangeResponse;
using VS = std::vector<std::string>;

class KvStoreRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mustPut(store_, "a", "1");   // rev 2
    mustPut(store_, "b", "22");  // rev 3
    mustPut(store_, "c", "3");   // rev 4
    mustPut(store_, "b", "0");   // rev 5: b version 2
    mustPut(store_, "ab", "9");  // rev 6
  }
  KvStore store_;
};

TEST(KvStoreTest, FreshStoreIsAtRevisionOneAndFirstPutTakesRevisionTwo) {
  KvStore s;
  EXPECT_EQ(s.currentRevision(), 1);
  EXPECT_EQ(mustRange(s, rangeReq("a")).header().revision(), 1);
  EXPECT_EQ(mustPut(s, "a", "x"), 2);
  EXPECT_EQ(s.currentRevision(), 2);
}

TEST_F(KvStoreRangeTest, SingleKeyReturnsAllFields) {
  RangeResponse r = mustRange(store_, rangeReq("b"));
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).key(), "b");
  EXPECT_EQ(r.kvs(0).value(), "0");
  EXPECT_EQ(r.kvs(0).create_revision(), 3);
  EXPECT_EQ(r.kvs(0).mod_revision(), 5);
  EXPECT_EQ(r.kvs(0).version(), 2);
  EXPECT_EQ(r.count(), 1);
  EXPECT_FALSE(r.more());
  EXPECT_EQ(r.header().revision(), 6);
}

TEST_F(KvStoreRangeTest, MissingKeyGivesEmptyResultAndZeroCount) {
  RangeResponse r = mustRange(store_, rangeReq("zz"));
  EXPECT_EQ(r.kvs_size(), 0);
  EXPECT_EQ(r.count(), 0);
  EXPECT_EQ(r.header().revision(), 6);
}

TEST_F(KvStoreRangeTest, RangeEndSelectsHalfOpenInterval) {
  EXPECT_EQ(keysOf(mustRange(store_, rangeReq("a", "c"))), (VS{"a", "ab", "b"}));
  EXPECT_EQ(keysOf(mustRange(store_, rangeReq("a", "b"))), (VS{"a", "ab"}));  // prefix "a"
}

TEST_F(KvStoreRangeTest, ZeroByteRangeEndMeansEveryKeyFromKey) {
  EXPECT_EQ(keysOf(mustRange(store_, rangeReq("ab", std::string(1, '\0')))), (VS{"ab", "b", "c"}));
  EXPECT_EQ(keysOf(mustRange(store_, rangeReq(std::string(1, '\0'), std::string(1, '\0')))),
            (VS{"a", "ab", "b", "c"}));
}

TEST_F(KvStoreRangeTest, RangeEndBeforeOrEqualToKeyIsEmpty) {
  EXPECT_TRUE(keysOf(mustRange(store_, rangeReq("c", "a"))).empty());
  EXPECT_TRUE(keysOf(mustRange(store_, rangeReq("b", "b"))).empty());
  EXPECT_EQ(mustRange(store_, rangeReq("c", "a")).count(), 0);
}

TEST_F(KvStoreRangeTest, EmptyKeyIsRejected) {
  RangeResponse r;
  Status s = store_.range(rangeReq(""), &r);
  EXPECT_EQ(s, errors::emptyKey());
  EXPECT_EQ(s.message, "etcdserver: key is not provided");
  EXPECT_EQ(s.code, StatusCode::kInvalidArgument);
}

TEST_F(KvStoreRangeTest, LimitSetsMoreAndKeepsTotalCount) {
  RangeRequest req = rangeReq("a", "z");
  req.set_limit(2);
  RangeResponse r = mustRange(store_, req);
  EXPECT_EQ(keysOf(r), (VS{"a", "ab"}));
  EXPECT_TRUE(r.more());
  EXPECT_EQ(r.count(), 4);
  req.set_limit(4);
  r = mustRange(store_, req);
  EXPECT_FALSE(r.more());
  EXPECT_EQ(r.kvs_size(), 4);
  req.set_limit(0);  // no limit
  r = mustRange(store_, req);
  EXPECT_EQ(r.kvs_size(), 4);
  EXPECT_FALSE(r.more());
}

TEST_F(KvStoreRangeTest, HistoricalRevisionShowsThePastWithCurrentHeader) {
  RangeResponse r = mustRange(store_, rangeReq("b", "", 4));
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).value(), "22");
  EXPECT_EQ(r.kvs(0).version(), 1);
  EXPECT_EQ(r.header().revision(), 6);
  EXPECT_TRUE(keysOf(mustRange(store_, rangeReq("c", "", 3))).empty());
}

TEST_F(KvStoreRangeTest, FutureRevisionIsAnError) {
  RangeResponse r;
  Status s = store_.range(rangeReq("a", "", 7), &r);
  EXPECT_EQ(s.message, "etcdserver: mvcc: required revision is a future revision");
  EXPECT_EQ(s.code, StatusCode::kOutOfRange);
}

TEST_F(KvStoreRangeTest, CompactedRevisionIsAnErrorButTheCompactRevisionItselfIsReadable) {
  etcdserverpb::CompactionRequest c;
  c.set_revision(4);
  etcdserverpb::CompactionResponse cr;
  ASSERT_TRUE(store_.compact(c, &cr).ok());
  RangeResponse r;
  EXPECT_EQ(store_.range(rangeReq("b", "", 3), &r), errors::compacted());
  EXPECT_EQ(errors::compacted().message, "etcdserver: mvcc: required revision has been compacted");
  r = mustRange(store_, rangeReq("b", "", 4));
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).value(), "22");
  r = mustRange(store_, rangeReq("b", "", 5));  // compacted + 1
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).value(), "0");
}

TEST_F(KvStoreRangeTest, SortByEveryTargetAndOrder) {
  auto sorted = [&](RangeRequest::SortTarget t, RangeRequest::SortOrder o) {
    RangeRequest req = rangeReq("a", "z");
    req.set_sort_target(t);
    req.set_sort_order(o);
    return keysOf(mustRange(store_, req));
  };
  EXPECT_EQ(sorted(RangeRequest::KEY, RangeRequest::NONE), (VS{"a", "ab", "b", "c"}));
  EXPECT_EQ(sorted(RangeRequest::KEY, RangeRequest::DESCEND), (VS{"c", "b", "ab", "a"}));
  EXPECT_EQ(sorted(RangeRequest::KEY, RangeRequest::ASCEND), (VS{"a", "ab", "b", "c"}));
  // versions: a1 ab1 b2 c1; ties keep key order
  EXPECT_EQ(sorted(RangeRequest::VERSION, RangeRequest::ASCEND), (VS{"a", "ab", "c", "b"}));
  EXPECT_EQ(sorted(RangeRequest::VERSION, RangeRequest::DESCEND), (VS{"b", "a", "ab", "c"}));
  // a non-key target without an order sorts ascending (etcd)
  EXPECT_EQ(sorted(RangeRequest::VERSION, RangeRequest::NONE), (VS{"a", "ab", "c", "b"}));
  // create: a2 b3 c4 ab6
  EXPECT_EQ(sorted(RangeRequest::CREATE, RangeRequest::ASCEND), (VS{"a", "b", "c", "ab"}));
  EXPECT_EQ(sorted(RangeRequest::CREATE, RangeRequest::DESCEND), (VS{"ab", "c", "b", "a"}));
  // mod: a2 c4 b5 ab6
  EXPECT_EQ(sorted(RangeRequest::MOD, RangeRequest::ASCEND), (VS{"a", "c", "b", "ab"}));
  EXPECT_EQ(sorted(RangeRequest::MOD, RangeRequest::DESCEND), (VS{"ab", "b", "c", "a"}));
  // value: b"0" a"1" c"3" ab"9"
  EXPECT_EQ(sorted(RangeRequest::VALUE, RangeRequest::ASCEND), (VS{"b", "a", "c", "ab"}));
  EXPECT_EQ(sorted(RangeRequest::VALUE, RangeRequest::DESCEND), (VS{"ab", "c", "a", "b"}));
}

TEST_F(KvStoreRangeTest, SortAppliesBeforeLimit) {
  RangeRequest req = rangeReq("a", "z");
  req.set_sort_target(RangeRequest::MOD);
  req.set_sort_order(RangeRequest::DESCEND);
  req.set_limit(2);
  RangeResponse r = mustRange(store_, req);
  EXPECT_EQ(keysOf(r), (VS{"ab", "b"}));
  EXPECT_TRUE(r.more());
  EXPECT_EQ(r.count(), 4);
}

TEST_F(KvStoreRangeTest, KeysOnlyDropsValues) {
  RangeRequest req = rangeReq("a", "z");
  req.set_keys_only(true);
  RangeResponse r = mustRange(store_, req);
  ASSERT_EQ(r.kvs_size(), 4);
  for (const auto& kv : r.kvs()) {
    EXPECT_TRUE(kv.value().empty());
    EXPECT_GT(kv.mod_revision(), 0);
  }
}

TEST_F(KvStoreRangeTest, CountOnlyReturnsNoKvs) {
  RangeRequest req = rangeReq("a", "z");
  req.set_count_only(true);
  req.set_limit(1);
  RangeResponse r = mustRange(store_, req);
  EXPECT_EQ(r.kvs_size(), 0);
  EXPECT_EQ(r.count(), 4);
  EXPECT_FALSE(r.more());
}

TEST_F(KvStoreRangeTest, ModAndCreateRevisionFiltersKeepCountUnfiltered) {
  RangeRequest req = rangeReq("a", "z");
  req.set_min_mod_revision(4);
  EXPECT_EQ(keysOf(mustRange(store_, req)), (VS{"ab", "b", "c"}));
  req.set_max_mod_revision(5);
  EXPECT_EQ(keysOf(mustRange(store_, req)), (VS{"b", "c"}));
  EXPECT_EQ(mustRange(store_, req).count(), 4);
  req = rangeReq("a", "z");
  req.set_min_create_revision(3);
  req.set_max_create_revision(4);
  EXPECT_EQ(keysOf(mustRange(store_, req)), (VS{"b", "c"}));
  req.set_limit(1);
  RangeResponse r = mustRange(store_, req);
  EXPECT_EQ(keysOf(r), (VS{"b"}));
  EXPECT_TRUE(r.more());
}

TEST(KvStoreTest, PutIncrementsVersionAndKeepsCreateRevision) {
  KvStore s;
  mustPut(s, "k", "1");
  mustPut(s, "k", "2");
  EXPECT_EQ(mustPut(s, "k", "3"), 4);
  RangeResponse r = mustRange(s, rangeReq("k"));
  EXPECT_EQ(r.kvs(0).version(), 3);
  EXPECT_EQ(r.kvs(0).create_revision(), 2);
  EXPECT_EQ(r.kvs(0).mod_revision(), 4);
}

TEST(KvStoreTest, KeyRecreatedAfterDeleteStartsANewGeneration) {
  KvStore s;
  mustPut(s, "k", "1");
  mustPut(s, "k", "2");
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(s.deleteRange(delReq("k"), &d).ok());
  EXPECT_EQ(d.header().revision(), 4);
  EXPECT_EQ(mustPut(s, "k", "3"), 5);
  RangeResponse r = mustRange(s, rangeReq("k"));
  EXPECT_EQ(r.kvs(0).version(), 1);
  EXPECT_EQ(r.kvs(0).create_revision(), 5);
  // The old generation is still readable at its revisions.
  r = mustRange(s, rangeReq("k", "", 3));
  EXPECT_EQ(r.kvs(0).version(), 2);
  EXPECT_EQ(r.kvs(0).create_revision(), 2);
  EXPECT_EQ(mustRange(s, rangeReq("k", "", 4)).kvs_size(), 0);
}

TEST(KvStoreTest, PutPrevKv) {
  KvStore s;
  PutRequest req = putReq("k", "1");
  req.set_prev_kv(true);
  etcdserverpb::PutResponse resp;
  ASSERT_TRUE(s.put(req, &resp).ok());
  EXPECT_FALSE(resp.has_prev_kv());
  req.set_value("2");
  resp.Clear();
  ASSERT_TRUE(s.put(req, &resp).ok());
  ASSERT_TRUE(resp.has_prev_kv());
  EXPECT_EQ(resp.prev_kv().value(), "1");
  EXPECT_EQ(resp.prev_kv().mod_revision(), 2);
  EXPECT_EQ(resp.header().revision(), 3);
}

TEST(KvStoreTest, PutIgnoreValueAndIgnoreLease) {
  KvStore s;
  etcdserverpb::LeaseGrantRequest g;
  g.set_id(7);
  g.set_ttl(10);
  etcdserverpb::LeaseGrantResponse gr;
  ASSERT_TRUE(s.leaseGrant(g, 0, &gr).ok());
  etcdserverpb::PutResponse resp;
  PutRequest req = putReq("k", "");
  req.set_ignore_value(true);
  EXPECT_EQ(s.put(req, &resp), errors::keyNotFound());
  EXPECT_EQ(s.currentRevision(), 1);
  mustPut(s, "k", "v", 7);
  req.set_lease(0);
  ASSERT_TRUE(s.put(req, &resp).ok());  // keeps "v", sets lease 0
  RangeResponse r = mustRange(s, rangeReq("k"));
  EXPECT_EQ(r.kvs(0).value(), "v");
  EXPECT_EQ(r.kvs(0).lease(), 0);
  EXPECT_EQ(r.kvs(0).version(), 2);

  mustPut(s, "k", "w", 7);
  PutRequest il = putReq("k", "x");
  il.set_ignore_lease(true);
  ASSERT_TRUE(s.put(il, &resp).ok());
  r = mustRange(s, rangeReq("k"));
  EXPECT_EQ(r.kvs(0).value(), "x");
  EXPECT_EQ(r.kvs(0).lease(), 7);
  PutRequest missing = putReq("nokey", "x");
  missing.set_ignore_lease(true);
  EXPECT_EQ(s.put(missing, &resp), errors::keyNotFound());
}

TEST(KvStoreTest, PutValidationErrors) {
  KvStore s;
  etcdserverpb::PutResponse resp;
  EXPECT_EQ(s.put(putReq("", "v"), &resp), errors::emptyKey());
  PutRequest req = putReq("k", "v");
  req.set_ignore_value(true);
  EXPECT_EQ(s.put(req, &resp), errors::valueProvided());
  req = putReq("k", "", 5);
  req.set_ignore_lease(true);
  EXPECT_EQ(s.put(req, &resp), errors::leaseProvided());
  EXPECT_EQ(s.put(putReq("k", "v", 5), &resp), errors::leaseNotFound());
  EXPECT_EQ(errors::leaseNotFound().message, "etcdserver: requested lease not found");
  EXPECT_EQ(s.currentRevision(), 1);
}

TEST(KvStoreTest, DeleteRangeCountsPrevKvsAndRevision) {
  KvStore s;
  mustPut(s, "a", "1");
  mustPut(s, "b", "2");
  mustPut(s, "c", "3");
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(s.deleteRange(delReq("a", "c", true), &d).ok());
  EXPECT_EQ(d.deleted(), 2);
  ASSERT_EQ(d.prev_kvs_size(), 2);
  EXPECT_EQ(d.prev_kvs(0).key(), "a");
  EXPECT_EQ(d.prev_kvs(1).value(), "2");
  EXPECT_EQ(d.header().revision(), 5);
  EXPECT_EQ(keysOf(mustRange(s, rangeReq("a", std::string(1, '\0')))), (VS{"c"}));
}

TEST(KvStoreTest, DeleteOfNothingTakesNoRevision) {
  KvStore s;
  mustPut(s, "a", "1");
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(s.deleteRange(delReq("zz"), &d).ok());
  EXPECT_EQ(d.deleted(), 0);
  EXPECT_EQ(d.header().revision(), 2);
  EXPECT_EQ(s.currentRevision(), 2);
  EXPECT_EQ(s.deleteRange(delReq(""), &d), errors::emptyKey());
}

TEST(KvStoreTest, DeleteFromKeyDeletesEverythingAfter) {
  KvStore s;
  mustPut(s, "a", "1");
  mustPut(s, "b", "2");
  mustPut(s, "c", "3");
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(s.deleteRange(delReq("b", std::string(1, '\0')), &d).ok());
  EXPECT_EQ(d.deleted(), 2);
  EXPECT_EQ(keysOf(mustRange(s, rangeReq("a", std::string(1, '\0')))), (VS{"a"}));
}

TEST(KvStoreTest, CompactErrorsAndPhysicalRemoval) {
  KvStore s;
  mustPut(s, "a", "1");  // 2
  mustPut(s, "a", "2");  // 3
  mustPut(s, "b", "1");  // 4
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(s.deleteRange(delReq("b"), &d).ok());  // 5
  mustPut(s, "a", "3");                              // 6
  etcdserverpb::CompactionRequest c;
  etcdserverpb::CompactionResponse cr;
  c.set_revision(7);
  EXPECT_EQ(s.compact(c, &cr), errors::futureRev());
  c.set_revision(5);
  ASSERT_TRUE(s.compact(c, &cr).ok());
  EXPECT_EQ(cr.header().revision(), 6);
  EXPECT_EQ(s.compactRevision(), 5);
  // a@3 (newest at 5) and a@6 stay; a@2, b@4 and b's tombstone @5 are gone.
  std::vector<int64_t> revs;
  for (const auto& [rev, rec] : s.records()) {
    revs.push_back(rev.main);
  }
  EXPECT_EQ(revs, (std::vector<int64_t>{3, 6}));
  EXPECT_EQ(s.indexedKeys(), 1u);
  EXPECT_EQ(s.compact(c, &cr), errors::compacted());
  c.set_revision(4);
  EXPECT_EQ(s.compact(c, &cr), errors::compacted());
  c.set_revision(6);
  EXPECT_TRUE(s.compact(c, &cr).ok());
  RangeResponse r = mustRange(s, rangeReq("a"));
  EXPECT_EQ(r.kvs(0).version(), 3);
  EXPECT_EQ(r.kvs(0).create_revision(), 2);
}

}  // namespace
}  // namespace detcd::mvcc

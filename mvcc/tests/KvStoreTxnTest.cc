// Txn, HashKV and snapshot/restore of KvStore against etcd 3.4's rules.

#include <gtest/gtest.h>

#include "mvcc/KvStore.h"
#include "mvcc/tests/StoreTestUtil.h"

namespace detcd::mvcc {
namespace {

using namespace testutil;  // NOLINT: request builders
using etcdserverpb::RangeResponse;
using etcdserverpb::TxnResponse;

TxnRequest txnOf(std::vector<Compare> cmps, std::vector<RequestOp> success,
                 std::vector<RequestOp> failure = {}) {
  TxnRequest t;
  for (auto& c : cmps) {
    *t.add_compare() = c;
  }
  for (auto& o : success) {
    *t.add_success() = o;
  }
  for (auto& o : failure) {
    *t.add_failure() = o;
  }
  return t;
}

bool succeeded(KvStore& s, const Compare& c) {
  TxnResponse resp;
  Status st = s.txn(txnOf({c}, {}), &resp);
  EXPECT_TRUE(st.ok()) << st.message;
  return resp.succeeded();
}

Compare cmpInt(const std::string& key, Compare::CompareTarget t, Compare::CompareResult r,
               int64_t v) {
  Compare c;
  c.set_key(key);
  c.set_target(t);
  c.set_result(r);
  switch (t) {
    case Compare::VERSION:
      c.set_version(v);
      break;
    case Compare::CREATE:
      c.set_create_revision(v);
      break;
    case Compare::MOD:
      c.set_mod_revision(v);
      break;
    case Compare::LEASE:
      c.set_lease(v);
      break;
    default:
      break;
  }
  return c;
}

TEST(KvStoreTxnTest, CompareEveryTargetAndResult) {
  KvStore s;
  etcdserverpb::LeaseGrantRequest g;
  g.set_id(9);
  g.set_ttl(60);
  etcdserverpb::LeaseGrantResponse gr;
  ASSERT_TRUE(s.leaseGrant(g, 0, &gr).ok());
  mustPut(s, "k", "m");     // 2
  mustPut(s, "k", "m", 9);  // 3: version 2, create 2, mod 3, lease 9
  using C = Compare;
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::VERSION, C::EQUAL, 2)));
  EXPECT_FALSE(succeeded(s, cmpInt("k", C::VERSION, C::EQUAL, 1)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::VERSION, C::NOT_EQUAL, 1)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::VERSION, C::GREATER, 1)));
  EXPECT_FALSE(succeeded(s, cmpInt("k", C::VERSION, C::GREATER, 2)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::VERSION, C::LESS, 3)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::CREATE, C::EQUAL, 2)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::MOD, C::EQUAL, 3)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::MOD, C::GREATER, 2)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::LEASE, C::EQUAL, 9)));
  EXPECT_TRUE(succeeded(s, cmpInt("k", C::LEASE, C::NOT_EQUAL, 0)));
  EXPECT_TRUE(succeeded(s, cmpValue("k", C::EQUAL, "m")));
  EXPECT_TRUE(succeeded(s, cmpValue("k", C::GREATER, "a")));
  EXPECT_TRUE(succeeded(s, cmpValue("k", C::LESS, "n")));
  EXPECT_TRUE(succeeded(s, cmpValue("k", C::NOT_EQUAL, "x")));
  EXPECT_FALSE(succeeded(s, cmpValue("k", C::NOT_EQUAL, "m")));
}

TEST(KvStoreTxnTest, CompareOnAMissingKey) {
  KvStore s;
  using C = Compare;
  // A missing key compares as zeros: version 0, create 0, mod 0, lease 0 ...
  EXPECT_TRUE(succeeded(s, cmpInt("nokey", C::VERSION, C::EQUAL, 0)));
  EXPECT_TRUE(succeeded(s, cmpInt("nokey", C::CREATE, C::EQUAL, 0)));
  EXPECT_TRUE(succeeded(s, cmpInt("nokey", C::MOD, C::LESS, 1)));
  EXPECT_TRUE(succeeded(s, cmpInt("nokey", C::LEASE, C::EQUAL, 0)));
  // ... but a value compare on a missing key always fails, even NOT_EQUAL.
  EXPECT_FALSE(succeeded(s, cmpValue("nokey", C::EQUAL, "")));
  EXPECT_FALSE(succeeded(s, cmpValue("nokey", C::NOT_EQUAL, "x")));
}

TEST(KvStoreTxnTest, CompareOverARangeNeedsEveryKeyToMatch) {
  KvStore s;
  mustPut(s, "p/a", "1");
  mustPut(s, "p/b", "1");
  Compare c = cmpValue("p/", Compare::EQUAL, "1");
  c.set_range_end("p0");
  EXPECT_TRUE(succeeded(s, c));
  mustPut(s, "p/c", "2");
  EXPECT_FALSE(succeeded(s, c));
}

TEST(KvStoreTxnTest, BranchesRunInOneRevisionAndRangesSeeEarlierWrites) {
  KvStore s;
  mustPut(s, "a", "0");  // 2
  mustPut(s, "c", "0");  // 3
  TxnResponse resp;
  TxnRequest t =
      txnOf({cmpVersion("a", Compare::EQUAL, 1)},
            {putOp("a", "1"), putOp("b", "1"), rangeOp("a", "c"), delOp("c")}, {putOp("z", "z")});
  ASSERT_TRUE(s.txn(t, &resp).ok());
  EXPECT_TRUE(resp.succeeded());
  EXPECT_EQ(resp.header().revision(), 4);
  EXPECT_EQ(s.currentRevision(), 4);
  ASSERT_EQ(resp.responses_size(), 4);
  EXPECT_EQ(resp.responses(0).response_put().header().revision(), 4);
  const auto& rr = resp.responses(2).response_range();
  ASSERT_EQ(rr.kvs_size(), 2);
  EXPECT_EQ(rr.kvs(0).value(), "1");
  EXPECT_EQ(rr.kvs(0).mod_revision(), 4);
  EXPECT_EQ(rr.header().revision(), 4);
  EXPECT_EQ(resp.responses(3).response_delete_range().deleted(), 1);
  EXPECT_EQ(keysOf(mustRange(s, rangeReq("a", "z"))), (std::vector<std::string>{"a", "b"}));
  // Failure branch.
  resp.Clear();
  ASSERT_TRUE(s.txn(t, &resp).ok());
  EXPECT_FALSE(resp.succeeded());
  EXPECT_EQ(resp.header().revision(), 5);
  ASSERT_EQ(resp.responses_size(), 1);
  EXPECT_TRUE(resp.responses(0).has_response_put());
}

TEST(KvStoreTxnTest, ReadOnlyOrNoOpTxnTakesNoRevision) {
  KvStore s;
  mustPut(s, "a", "0");
  TxnResponse resp;
  ASSERT_TRUE(s.txn(txnOf({}, {rangeOp("a"), delOp("zz")}), &resp).ok());
  EXPECT_EQ(resp.header().revision(), 2);
  EXPECT_EQ(s.currentRevision(), 2);
}

TEST(KvStoreTxnTest, NestedTxnComparesSeeTheStateBeforeTheTxn) {
  KvStore s;
  mustPut(s, "a", "0");  // 2
  TxnRequest inner = txnOf({cmpValue("a", Compare::EQUAL, "0")}, {putOp("b", "inner-ok")},
                           {putOp("b", "inner-failed")});
  TxnRequest outer = txnOf({}, {putOp("a", "1"), txnOp(inner)});
  TxnResponse resp;
  ASSERT_TRUE(s.txn(outer, &resp).ok());
  EXPECT_EQ(resp.header().revision(), 3);
  ASSERT_EQ(resp.responses_size(), 2);
  const auto& nested = resp.responses(1).response_txn();
  EXPECT_TRUE(nested.succeeded());
  EXPECT_TRUE(nested.has_header());
  EXPECT_EQ(nested.header().revision(), 0);  // etcd leaves nested txn headers empty
  EXPECT_EQ(mustRange(s, rangeReq("b")).kvs(0).value(), "inner-ok");
}

TEST(KvStoreTxnTest, DuplicateKeysAreRejected) {
  KvStore s;
  TxnResponse resp;
  EXPECT_EQ(s.txn(txnOf({}, {putOp("a", "1"), putOp("a", "2")}), &resp), errors::duplicateKey());
  EXPECT_EQ(s.txn(txnOf({}, {putOp("a", "1"), delOp("a")}), &resp), errors::duplicateKey());
  EXPECT_EQ(s.txn(txnOf({}, {delOp("a", "c"), putOp("b", "2")}), &resp), errors::duplicateKey());
  EXPECT_EQ(s.txn(txnOf({}, {putOp("a", "1"), txnOp(txnOf({}, {putOp("a", "2")}))}), &resp),
            errors::duplicateKey());
  EXPECT_EQ(s.txn(txnOf({}, {delOp("a"), txnOp(txnOf({}, {putOp("a", "2")}))}), &resp),
            errors::duplicateKey());
  EXPECT_EQ(s.currentRevision(), 1);
  // Allowed: overlapping deletes, the same key in both branches, in both branches of a
  // nested txn, a delete and a put of different keys.
  EXPECT_TRUE(s.txn(txnOf({}, {delOp("a", "c"), delOp("b")}), &resp).ok());
  EXPECT_TRUE(s.txn(txnOf({}, {putOp("a", "1")}, {putOp("a", "2")}), &resp).ok());
  EXPECT_TRUE(
      s.txn(txnOf({}, {txnOp(txnOf({}, {putOp("k", "1")}, {putOp("k", "2")}))}), &resp).ok());
  EXPECT_TRUE(s.txn(txnOf({}, {delOp("a"), putOp("b", "1")}), &resp).ok());
}

TEST(KvStoreTxnTest, IgnoreValuePutAfterAFromKeyDeleteOfItsKeyIsRejected) {
  KvStore s;
  mustPut(s, "b", "1");
  RequestOp ignore = putOp("b", "");
  ignore.mutable_request_put()->set_ignore_value(true);
  TxnResponse resp;
  // etcd 3.4's duplicate check misses this pair and etcd then panics applying it.
  EXPECT_EQ(s.txn(txnOf({}, {delOp("a", std::string(1, '\0')), ignore}), &resp),
            errors::keyNotFound());
  EXPECT_EQ(s.txn(txnOf({}, {delOp("a", std::string(1, '\0')), txnOp(txnOf({}, {ignore}))}), &resp),
            errors::keyNotFound());
  EXPECT_EQ(s.currentRevision(), 2);
  // Allowed: the same pair in the other order, a delete starting after the key, and a
  // plain put after a from-key delete (etcd accepts and applies it).
  EXPECT_TRUE(s.txn(txnOf({}, {delOp("c", std::string(1, '\0')), ignore}), &resp).ok());
  EXPECT_TRUE(s.txn(txnOf({}, {delOp("a", std::string(1, '\0')), putOp("b", "2")}), &resp).ok());
  RangeResponse r = mustRange(s, rangeReq("b"));
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).version(), 1);  // deleted and created again in one revision
  EXPECT_EQ(r.kvs(0).create_revision(), s.currentRevision());
}

TEST(KvStoreTxnTest, TooManyOperations) {
  KvStore s;
  TxnRequest t;
  for (int i = 0; i < 129; ++i) {
    *t.add_success() = putOp("k" + std::to_string(i), "v");
  }
  TxnResponse resp;
  EXPECT_EQ(s.txn(t, &resp), errors::tooManyOps());
  t.mutable_success()->RemoveLast();
  EXPECT_TRUE(s.txn(t, &resp).ok());
  KvStore small(KvStoreOptions{.maxTxnOps = 2, .minLeaseTtlSeconds = 2});
  TxnRequest cmps = txnOf({cmpVersion("a", Compare::EQUAL, 0), cmpVersion("b", Compare::EQUAL, 0),
                           cmpVersion("c", Compare::EQUAL, 0)},
                          {});
  EXPECT_EQ(small.txn(cmps, &resp), errors::tooManyOps());
}

TEST(KvStoreTxnTest, ValidationErrors) {
  KvStore s;
  TxnResponse resp;
  EXPECT_EQ(s.txn(txnOf({cmpVersion("", Compare::EQUAL, 0)}, {}), &resp), errors::emptyKey());
  EXPECT_EQ(s.txn(txnOf({}, {putOp("", "v")}), &resp), errors::emptyKey());
  EXPECT_EQ(s.txn(txnOf({}, {RequestOp()}), &resp), errors::keyNotFound());
  // Checks against the key space happen for the chosen branch only.
  RequestOp leased = putOp("k", "v");
  leased.mutable_request_put()->set_lease(77);
  EXPECT_EQ(s.txn(txnOf({}, {leased}), &resp), errors::leaseNotFound());
  EXPECT_TRUE(s.txn(txnOf({}, {}, {leased}), &resp).ok());
  RequestOp ignore = putOp("missing", "");
  ignore.mutable_request_put()->set_ignore_value(true);
  EXPECT_EQ(s.txn(txnOf({}, {ignore}), &resp), errors::keyNotFound());
  RequestOp future = rangeOp("a");
  future.mutable_request_range()->set_revision(2);
  EXPECT_EQ(s.txn(txnOf({}, {putOp("x", "1"), future}), &resp), errors::futureRev());
  EXPECT_EQ(s.currentRevision(), 1);
}

TEST(KvStoreTxnTest, CompactedRangeRevisionInTxn) {
  KvStore s;
  mustPut(s, "a", "1");
  mustPut(s, "a", "2");
  etcdserverpb::CompactionRequest c;
  c.set_revision(3);
  etcdserverpb::CompactionResponse cr;
  ASSERT_TRUE(s.compact(c, &cr).ok());
  RequestOp old = rangeOp("a");
  old.mutable_request_range()->set_revision(2);
  TxnResponse resp;
  EXPECT_EQ(s.txn(txnOf({}, {old}), &resp), errors::compacted());
}

TEST(KvStoreTxnTest, HashKvIsEqualForEqualHistoriesAndDependsOnRevision) {
  KvStore a;
  KvStore b;
  for (KvStore* s : {&a, &b}) {
    mustPut(*s, "x", "1");
    mustPut(*s, "y", "2");
    etcdserverpb::DeleteRangeResponse d;
    ASSERT_TRUE(s->deleteRange(delReq("x"), &d).ok());
  }
  etcdserverpb::HashKVRequest req;
  etcdserverpb::HashKVResponse ha;
  etcdserverpb::HashKVResponse hb;
  ASSERT_TRUE(a.hashKV(req, &ha).ok());
  ASSERT_TRUE(b.hashKV(req, &hb).ok());
  EXPECT_EQ(ha.hash(), hb.hash());
  EXPECT_EQ(ha.header().revision(), 4);
  EXPECT_EQ(ha.compact_revision(), -1);
  mustPut(b, "z", "3");
  hb.Clear();
  ASSERT_TRUE(b.hashKV(req, &hb).ok());
  EXPECT_NE(ha.hash(), hb.hash());
  req.set_revision(4);  // b's history up to 4 equals a's
  hb.Clear();
  ASSERT_TRUE(b.hashKV(req, &hb).ok());
  EXPECT_EQ(ha.hash(), hb.hash());
  req.set_revision(9);
  EXPECT_EQ(b.hashKV(req, &hb), errors::futureRev());
  etcdserverpb::CompactionRequest c;
  c.set_revision(3);
  etcdserverpb::CompactionResponse cr;
  ASSERT_TRUE(b.compact(c, &cr).ok());
  req.set_revision(3);
  EXPECT_EQ(b.hashKV(req, &hb), errors::compacted());
}

TEST(KvStoreTxnTest, SnapshotRestoresEveryObservableResult) {
  KvStore s;
  etcdserverpb::LeaseGrantRequest g;
  g.set_id(5);
  g.set_ttl(30);
  etcdserverpb::LeaseGrantResponse gr;
  ASSERT_TRUE(s.leaseGrant(g, 0, &gr).ok());
  mustPut(s, "a", "1");
  mustPut(s, "a", "2", 5);
  mustPut(s, "b", "1");
  etcdserverpb::DeleteRangeResponse d;
  ASSERT_TRUE(s.deleteRange(delReq("b"), &d).ok());
  mustPut(s, "b", "2");
  etcdserverpb::CompactionRequest c;
  c.set_revision(3);
  etcdserverpb::CompactionResponse cr;
  ASSERT_TRUE(s.compact(c, &cr).ok());

  std::string bytes;
  ASSERT_TRUE(s.snapshot().SerializeToString(&bytes));
  detcd::mvccsnappb::Snapshot snap;
  ASSERT_TRUE(snap.ParseFromString(bytes));
  KvStore r;
  ASSERT_TRUE(r.restore(snap).ok());
  EXPECT_EQ(r.currentRevision(), s.currentRevision());
  EXPECT_EQ(r.compactRevision(), 3);
  etcdserverpb::HashKVRequest hreq;
  etcdserverpb::HashKVResponse h1;
  etcdserverpb::HashKVResponse h2;
  ASSERT_TRUE(s.hashKV(hreq, &h1).ok());
  ASSERT_TRUE(r.hashKV(hreq, &h2).ok());
  EXPECT_EQ(h1.hash(), h2.hash());
  for (int64_t rev = 3; rev <= s.currentRevision(); ++rev) {
    auto q = rangeReq("a", "z", rev);
    EXPECT_EQ(mustRange(s, q).SerializeAsString(), mustRange(r, q).SerializeAsString()) << rev;
  }
  // Lease attachments were rebuilt: revoking deletes "a".
  etcdserverpb::LeaseRevokeRequest rv;
  rv.set_id(5);
  etcdserverpb::LeaseRevokeResponse rvr;
  ASSERT_TRUE(r.leaseRevoke(rv, &rvr).ok());
  EXPECT_EQ(mustRange(r, rangeReq("a")).kvs_size(), 0);
  // Versions continue across the restore.
  mustPut(r, "b", "3");
  EXPECT_EQ(mustRange(r, rangeReq("b")).kvs(0).version(), 2);
}

TEST(KvStoreTxnTest, RestoreRejectsMalformedSnapshots) {
  detcd::mvccsnappb::Snapshot snap;
  snap.set_current_revision(5);
  auto* r1 = snap.add_records();
  r1->set_main(3);
  r1->set_key("a");
  r1->set_create_revision(3);
  r1->set_version(1);
  auto* r2 = snap.add_records();
  r2->set_main(2);
  r2->set_key("b");
  KvStore s;
  Status st = s.restore(snap);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("out of order"), std::string::npos) << st.message;
  r2->set_main(4);
  r2->set_tombstone(true);
  st = s.restore(snap);
  EXPECT_NE(st.message.find("not live"), std::string::npos) << st.message;
  EXPECT_EQ(s.currentRevision(), 1);  // a failed restore changes nothing
}

}  // namespace
}  // namespace detcd::mvcc

#include "scenarios/HistoryRecorder.h"

#include <gtest/gtest.h>

#include <sstream>

#include "checkers/History.h"

namespace detcd::scenarios {
namespace {

namespace pb = etcdserverpb;
using checkers::EtcdRequest;
using checkers::Outcome;
using checkers::RequestOp;
using env::Nanos;

mvccpb::KeyValue kv(const std::string& key, const std::string& value, int64_t rev) {
  mvccpb::KeyValue out;
  out.set_key(key);
  out.set_value(value);
  out.set_create_revision(rev);
  out.set_mod_revision(rev);
  out.set_version(1);
  return out;
}

TEST(HistoryRecorderTest, EveryRequestKindRoundTripsThroughTheDetcdParser) {
  std::ostringstream file;
  HistoryRecorder rec(&file);

  pb::PutRequest put;
  put.set_key("k1");
  put.set_value("c1-1");
  put.set_prev_kv(true);
  pb::PutResponse putResp;
  putResp.mutable_header()->set_revision(2);
  rec.invoke(1, Nanos(10), put);
  rec.ok(1, Nanos(20), put, putResp);

  pb::RangeRequest get;
  get.set_key("k");
  get.set_range_end("l");
  pb::RangeResponse getResp;
  getResp.mutable_header()->set_revision(2);
  *getResp.add_kvs() = kv("k1", "c1-1", 2);
  getResp.set_count(1);
  rec.invoke(2, Nanos(30), get);
  rec.ok(2, Nanos(40), get, getResp);

  pb::TxnRequest txn;
  auto* cmp = txn.add_compare();
  cmp->set_key("k1");
  cmp->set_target(pb::Compare::VALUE);
  cmp->set_result(pb::Compare::EQUAL);
  cmp->set_value("c1-1");
  auto* sput = txn.add_success()->mutable_request_put();
  sput->set_key("k1");
  sput->set_value("c2-1");
  txn.add_failure()->mutable_request_range()->set_key("k1");
  pb::TxnResponse txnResp;
  txnResp.mutable_header()->set_revision(3);
  txnResp.set_succeeded(true);
  txnResp.add_responses()->mutable_response_put();
  rec.invoke(2, Nanos(50), txn);
  rec.ok(2, Nanos(60), txn, txnResp);

  pb::LeaseGrantRequest grant;
  grant.set_ttl(5);
  pb::LeaseGrantResponse grantResp;
  grantResp.mutable_header()->set_revision(3);
  grantResp.set_id(7);
  grantResp.set_ttl(5);
  rec.invoke(3, Nanos(70), grant);
  rec.ok(3, Nanos(80), grant, grantResp);

  pb::DeleteRangeRequest del;
  del.set_key("k1");
  rec.invoke(3, Nanos(90), del);
  rec.info(3, Nanos(95), "etcdserver: request timed out");

  pb::RangeRequest stale;
  stale.set_key("k1");
  stale.set_serializable(true);
  rec.invoke(4, Nanos(100), stale);
  rec.ok(4, Nanos(110), stale, getResp);

  pb::CompactionRequest compact;
  compact.set_revision(9);
  rec.invoke(4, Nanos(120), compact);
  rec.fail(4, Nanos(130), "etcdserver: mvcc: required revision is a future revision");

  pb::WatchCreateRequest create;
  create.set_key("k");
  create.set_range_end("l");
  create.set_start_revision(1);
  create.set_prev_kv(true);
  int64_t w1 = rec.watch(5, Nanos(1), create);
  int64_t w2 = rec.watch(5, Nanos(2), create);
  EXPECT_EQ(w1, 1);
  EXPECT_EQ(w2, 2);
  pb::WatchResponse wr;
  wr.mutable_header()->set_revision(2);
  auto* ev = wr.add_events();
  *ev->mutable_kv() = kv("k1", "c1-1", 2);
  rec.watchResponse(5, Nanos(25), w1, wr);

  EXPECT_EQ(file.str(), rec.text());
  EXPECT_EQ(rec.lines(), 17u);
  EXPECT_NE(rec.text().find("\"serializable\":true"), std::string::npos);

  checkers::History h = checkers::parseHistory(rec.text(), checkers::Format::kDetcd);
  ASSERT_EQ(h.operations.size(), 6u);  // the serializable get is left out
  const auto& p = *h.operations[0].etcd;
  EXPECT_EQ(p.request.op.kind, RequestOp::Kind::kPut);
  EXPECT_EQ(p.request.op.value, "c1-1");
  EXPECT_EQ(p.response.revision, 2);
  ASSERT_TRUE(p.response.responses.at(0).prevKvs.has_value());
  EXPECT_TRUE(p.response.responses[0].prevKvs->empty());  // prev_kv null: the key was new
  EXPECT_EQ(h.operations[0].invokeTime, 10);
  EXPECT_EQ(h.operations[0].returnTime, 20);
  const auto& r = *h.operations[1].etcd;
  EXPECT_EQ(r.request.op.rangeEnd, "l");
  EXPECT_EQ(r.response.responses.at(0).kvs->at(0).value, "c1-1");
  const auto& t = *h.operations[2].etcd;
  EXPECT_EQ(t.request.kind, EtcdRequest::Kind::kTxn);
  EXPECT_EQ(t.request.compares.at(0).value, "c1-1");
  EXPECT_EQ(t.response.succeeded, true);
  ASSERT_EQ(t.response.responses.size(), 1u);
  EXPECT_FALSE(t.response.responses[0].prevKvs.has_value());  // not asked for: not observed
  EXPECT_EQ(h.operations[3].etcd->response.leaseId, 7);
  EXPECT_EQ(h.operations[4].outcome, Outcome::kInfo);
  EXPECT_EQ(h.operations[5].outcome, Outcome::kFail);
  ASSERT_EQ(h.watches.size(), 2u);
  EXPECT_TRUE(h.watches[0].prevKv);
  EXPECT_EQ(h.watches[0].rangeEnd, "l");
  ASSERT_EQ(h.watchResponses.size(), 1u);
  EXPECT_EQ(h.watchResponses[0].events.at(0).kv.value, "c1-1");
}

TEST(HistoryRecorderTest, RejectsAResponseOfAnotherKind) {
  HistoryRecorder rec;
  pb::PutRequest put;
  put.set_key("a");
  rec.invoke(1, Nanos(1), put);
  EXPECT_THROW(rec.ok(1, Nanos(2), put, pb::RangeResponse()), std::invalid_argument);
}

TEST(HistoryRecorderTest, RejectsANestedTxn) {
  HistoryRecorder rec;
  pb::TxnRequest txn;
  txn.add_success()->mutable_request_txn();
  EXPECT_THROW(rec.invoke(1, Nanos(1), txn), std::invalid_argument);
}

}  // namespace
}  // namespace detcd::scenarios

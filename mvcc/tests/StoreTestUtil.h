#pragma once

// Small builders for etcd request messages, shared by the mvcc tests.

#include <stdexcept>
#include <string>
#include <vector>

#include "mvcc/KvStore.h"

namespace detcd::mvcc::testutil {

using etcdserverpb::Compare;
using etcdserverpb::DeleteRangeRequest;
using etcdserverpb::PutRequest;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;

inline PutRequest putReq(const std::string& key, const std::string& value, int64_t lease = 0) {
  PutRequest r;
  r.set_key(key);
  r.set_value(value);
  r.set_lease(lease);
  return r;
}

inline RangeRequest rangeReq(const std::string& key, const std::string& end = "", int64_t rev = 0) {
  RangeRequest r;
  r.set_key(key);
  r.set_range_end(end);
  r.set_revision(rev);
  return r;
}

inline DeleteRangeRequest delReq(const std::string& key, const std::string& end = "",
                                 bool prevKv = false) {
  DeleteRangeRequest r;
  r.set_key(key);
  r.set_range_end(end);
  r.set_prev_kv(prevKv);
  return r;
}

inline RequestOp putOp(const std::string& key, const std::string& value) {
  RequestOp op;
  *op.mutable_request_put() = putReq(key, value);
  return op;
}

inline RequestOp rangeOp(const std::string& key, const std::string& end = "") {
  RequestOp op;
  *op.mutable_request_range() = rangeReq(key, end);
  return op;
}

inline RequestOp delOp(const std::string& key, const std::string& end = "") {
  RequestOp op;
  *op.mutable_request_delete_range() = delReq(key, end);
  return op;
}

inline RequestOp txnOp(const TxnRequest& t) {
  RequestOp op;
  *op.mutable_request_txn() = t;
  return op;
}

inline Compare cmpVersion(const std::string& key, Compare::CompareResult result, int64_t v) {
  Compare c;
  c.set_key(key);
  c.set_target(Compare::VERSION);
  c.set_result(result);
  c.set_version(v);
  return c;
}

inline Compare cmpValue(const std::string& key, Compare::CompareResult result,
                        const std::string& v) {
  Compare c;
  c.set_key(key);
  c.set_target(Compare::VALUE);
  c.set_result(result);
  c.set_value(v);
  return c;
}

/// Puts and asserts success; returns the response's revision.
inline int64_t mustPut(KvStore& s, const std::string& key, const std::string& value,
                       int64_t lease = 0) {
  etcdserverpb::PutResponse resp;
  Status st = s.put(putReq(key, value, lease), &resp);
  if (!st.ok()) {
    throw std::runtime_error("put " + key + ": " + st.message);
  }
  return resp.header().revision();
}

/// Range and assert success.
inline etcdserverpb::RangeResponse mustRange(const KvStore& s, const RangeRequest& req) {
  etcdserverpb::RangeResponse resp;
  Status st = s.range(req, &resp);
  if (!st.ok()) {
    throw std::runtime_error("range " + req.key() + ": " + st.message);
  }
  return resp;
}

/// The keys of a Range response, in order.
inline std::vector<std::string> keysOf(const etcdserverpb::RangeResponse& r) {
  std::vector<std::string> out;
  for (const auto& kv : r.kvs()) {
    out.push_back(kv.key());
  }
  return out;
}

}  // namespace detcd::mvcc::testutil

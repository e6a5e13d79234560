#include "server/Applier.h"

namespace detcd::server {

namespace {

template <class Response, class Fn>
ApplyResult run(Fn&& fn) {
  auto resp = std::make_unique<Response>();
  ApplyResult out;
  out.status = fn(resp.get());
  out.response = std::move(resp);
  return out;
}

bool readOnlyOps(const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops) {
  for (const auto& op : ops) {
    switch (op.request_case()) {
      case etcdserverpb::RequestOp::kRequestPut:
      case etcdserverpb::RequestOp::kRequestDeleteRange:
        return false;
      case etcdserverpb::RequestOp::kRequestTxn:
        if (!isReadOnlyTxn(op.request_txn())) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace

bool isReadOnlyTxn(const etcdserverpb::TxnRequest& txn) {
  return readOnlyOps(txn.success()) && readOnlyOps(txn.failure());
}

ApplyResult applyRequest(mvcc::KvStore& store, const serverpb::InternalRaftRequest& req,
                         std::int64_t nowNs) {
  using namespace etcdserverpb;
  switch (req.request_case()) {
    case serverpb::InternalRaftRequest::kPut:
      return run<PutResponse>([&](PutResponse* r) { return store.put(req.put(), r); });
    case serverpb::InternalRaftRequest::kDeleteRange:
      return run<DeleteRangeResponse>(
          [&](DeleteRangeResponse* r) { return store.deleteRange(req.delete_range(), r); });
    case serverpb::InternalRaftRequest::kTxn:
      return run<TxnResponse>([&](TxnResponse* r) { return store.txn(req.txn(), r); });
    case serverpb::InternalRaftRequest::kCompaction:
      return run<CompactionResponse>(
          [&](CompactionResponse* r) { return store.compact(req.compaction(), r); });
    case serverpb::InternalRaftRequest::kLeaseGrant:
      return run<LeaseGrantResponse>(
          [&](LeaseGrantResponse* r) { return store.leaseGrant(req.lease_grant(), nowNs, r); });
    case serverpb::InternalRaftRequest::kLeaseRevoke:
      return run<LeaseRevokeResponse>(
          [&](LeaseRevokeResponse* r) { return store.leaseRevoke(req.lease_revoke(), r); });
    case serverpb::InternalRaftRequest::kAlarm:  // the alarm store's: applyWithAlarms (Quota.h)
    case serverpb::InternalRaftRequest::kMemberAttrSet:  // the member list's, not the store's
    case serverpb::InternalRaftRequest::REQUEST_NOT_SET:
      break;
  }
  return {mvcc::errors::make(mvcc::StatusCode::kInvalidArgument,
                             "etcdserver: proposal holds no request"),
          nullptr};
}

}  // namespace detcd::server

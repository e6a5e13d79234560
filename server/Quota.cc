#include "server/Quota.h"

#include <algorithm>
#include <memory>

#include "server/Errors.h"
#include "server/Node.h"

namespace detcd::server {

namespace {

using Ops = google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>;

std::uint64_t putCost(const etcdserverpb::PutRequest& p) {
  return BackendQuota::kKvOverheadBytes + p.key().size() + p.value().size();
}

std::uint64_t opsCost(const Ops& ops) {
  std::uint64_t sum = 0;
  for (const auto& op : ops) {
    if (op.has_request_put()) sum += putCost(op.request_put());
    if (op.has_request_txn()) sum += BackendQuota::txnCost(op.request_txn());
  }
  return sum;
}

bool writes(const serverpb::InternalRaftRequest& req) {
  switch (req.request_case()) {
    case serverpb::InternalRaftRequest::kPut:
    case serverpb::InternalRaftRequest::kDeleteRange:
    case serverpb::InternalRaftRequest::kCompaction:
    case serverpb::InternalRaftRequest::kLeaseGrant:
    case serverpb::InternalRaftRequest::kLeaseRevoke:
      return true;
    case serverpb::InternalRaftRequest::kTxn:
      return !isReadOnlyTxn(req.txn());
    default:
      return false;
  }
}

}  // namespace

std::uint64_t backendBytes(const mvcc::KvStore& store) {
  return store.recordBytes() + store.records().size() * NodeStatus::kRevisionOverheadBytes;
}

BackendQuota::BackendQuota(std::int64_t configured)
    : limit_(configured == 0 ? kDefaultBytes : configured) {}

bool BackendQuota::available(std::uint64_t backend, std::uint64_t cost) const {
  if (limit_ < 0) return true;
  return backend + cost < static_cast<std::uint64_t>(limit_);
}

std::uint64_t BackendQuota::txnCost(const etcdserverpb::TxnRequest& txn) {
  return std::max(opsCost(txn.success()), opsCost(txn.failure()));
}

bool BackendQuota::checks(const serverpb::InternalRaftRequest& req) {
  return req.has_put() || req.has_txn() || req.has_lease_grant();
}

std::uint64_t BackendQuota::cost(const serverpb::InternalRaftRequest& req) {
  if (req.has_put()) return putCost(req.put());
  if (req.has_txn()) return txnCost(req.txn());
  if (req.has_lease_grant()) return kLeaseOverheadBytes;
  return 0;
}

ApplyResult applyWithAlarms(mvcc::KvStore& store, AlarmStore& alarms, const BackendQuota& quota,
                            const serverpb::InternalRaftRequest& req, std::int64_t nowNs) {
  if (req.has_alarm()) {
    return {{}, std::make_unique<etcdserverpb::AlarmResponse>(alarms.apply(req.alarm()))};
  }
  if (alarms.active(etcdserverpb::CORRUPT) && writes(req)) return {errors::corrupt(), nullptr};
  if (BackendQuota::checks(req)) {
    const std::uint64_t cost = BackendQuota::cost(req);
    if (alarms.active(etcdserverpb::NOSPACE)) {
      // Capped: only a txn whose branches put nothing passes, unchecked (etcd's capped applier
      // hands it straight to the backend).
      if (!req.has_txn() || cost > 0) return {errors::noSpace(), nullptr};
    } else if (!quota.available(backendBytes(store), cost)) {
      return {errors::noSpace(), nullptr};
    }
  }
  return applyRequest(store, req, nowNs);
}

}  // namespace detcd::server

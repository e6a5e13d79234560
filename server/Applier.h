#pragma once
// Applies one committed proposal (serverpb::InternalRaftRequest) to the store: etcd's
// applierV3. Deterministic: every member applying the same entry makes the same change.

#include <cstdint>
#include <memory>

#include "google/protobuf/message.h"
#include "mvcc/KvStore.h"
#include "proto/serverpb.pb.h"

namespace detcd::server {

/// The outcome of applying a request: the store's status and, when ok, the response message of
/// the request's type (PutResponse for a put, ...); the header holds only the revision.
struct ApplyResult {
  mvcc::Status status;
  std::unique_ptr<google::protobuf::Message> response;
};

/// Applies `req` to `store` at `nowNs` (the node's clock, for lease grants). A request with no
/// operation set (never proposed by detcd) is applied as a no-op with an error status.
ApplyResult applyRequest(mvcc::KvStore& store, const serverpb::InternalRaftRequest& req,
                         std::int64_t nowNs);

/// Whether a Txn only reads (no put or delete in any branch, nested ones included): such a
/// Txn is served as a linearizable read, not proposed (etcd's isTxnReadonly).
bool isReadOnlyTxn(const etcdserverpb::TxnRequest& txn);

}  // namespace detcd::server

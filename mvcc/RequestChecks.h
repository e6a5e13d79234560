#pragma once

#include "mvcc/Status.h"
#include "proto/rpc.pb.h"

namespace detcd::mvcc {

/// Validation that etcd 3.4 performs on a request before it is proposed (api/v3rpc), so
/// that the same bad input gets the same error here. None of these read the key space.

/// Range: the key must not be empty.
Status checkRangeRequest(const etcdserverpb::RangeRequest& r);
/// Put: non-empty key; ignore_value excludes a value; ignore_lease excludes a lease.
Status checkPutRequest(const etcdserverpb::PutRequest& r);
/// DeleteRange: the key must not be empty.
Status checkDeleteRequest(const etcdserverpb::DeleteRangeRequest& r);

/// Txn: at most `maxTxnOps` compares, success ops and failure ops each (nested Txns get the
/// budget left by their parent); non-empty compare keys; every operation valid; and no key
/// written twice in one branch (etcd's interval rules: a key put twice, or put and covered
/// by a delete of the same branch, is a duplicate; overlapping deletes are allowed; a put
/// in both branches of one nested Txn is allowed since only one branch runs). An operation
/// with no request set is rejected as etcd does ("key not found").
Status checkTxnRequest(const etcdserverpb::TxnRequest& r, int maxTxnOps);

}  // namespace detcd::mvcc

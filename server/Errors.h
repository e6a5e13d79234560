#pragma once
// The node's client-visible errors, with etcd 3.4's gRPC codes and exact messages
// (api/v3rpc/rpctypes). The store's own validation errors live in mvcc/Status.h.

#include "mvcc/Status.h"

namespace detcd::server::errors {

using mvcc::Status;
using mvcc::StatusCode;

/// No leader is known when proposing or reading; the request had no effect.
inline Status noLeader() { return {StatusCode::kUnavailable, "etcdserver: no leader"}; }
/// A leader-only request (MoveLeader, a forwarded lease request) reached a follower.
inline Status notLeader() { return {StatusCode::kFailedPrecondition, "etcdserver: not leader"}; }
/// A ReadIndex was lost to a leadership change; no effect.
inline Status leaderChanged() { return {StatusCode::kUnavailable, "etcdserver: leader changed"}; }
/// The node stopped (fail-stop or removed); the outcome of a proposal is unknown.
inline Status stopped() { return {StatusCode::kUnavailable, "etcdserver: server stopped"}; }
/// No answer within requestTimeout; the outcome is unknown.
inline Status timedOut() { return {StatusCode::kUnavailable, "etcdserver: request timed out"}; }
/// The applied index is more than maxApplyGap behind the commit index; no effect.
inline Status tooManyRequests() {
  return {StatusCode::kResourceExhausted, "etcdserver: too many requests"};
}
/// The encoded proposal exceeds maxRequestBytes; no effect.
inline Status requestTooLarge() {
  return {StatusCode::kInvalidArgument, "etcdserver: request is too large"};
}
/// A write (put, txn with puts, lease grant) that would take the backend over its quota, or any
/// such write while a NOSPACE alarm is active (etcd's ErrGRPCNoSpace).
inline Status noSpace() {
  return {StatusCode::kResourceExhausted, "etcdserver: mvcc: database space exceeded"};
}
/// A write while a CORRUPT alarm is active (etcd's ErrGRPCCorrupt).
inline Status corrupt() { return {StatusCode::kDataLoss, "etcdserver: corrupt cluster"}; }
inline Status memberExists() {
  return {StatusCode::kFailedPrecondition, "etcdserver: member ID already exist"};
}
inline Status memberNotFound() { return {StatusCode::kNotFound, "etcdserver: member not found"}; }
inline Status memberNotLearner() {
  return {StatusCode::kFailedPrecondition, "etcdserver: can only promote a learner member"};
}

}  // namespace detcd::server::errors

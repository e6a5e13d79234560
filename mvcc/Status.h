#pragma once

#include <string>
#include <utility>

namespace detcd::mvcc {

/// gRPC status codes (same numbers as grpc::StatusCode) so that the server can turn a
/// Status into a grpc::Status without a table, and clients see etcd's codes.
enum class StatusCode : int {
  kOk = 0,
  kCanceled = 1,
  kInvalidArgument = 3,
  kNotFound = 5,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kOutOfRange = 11,
  kUnavailable = 14,
  kDataLoss = 15,
};

/// The outcome of a store operation: ok, or etcd's gRPC error (code + exact message, as
/// etcd 3.4's api/v3rpc/rpctypes returns it to clients).
struct Status {
  StatusCode code = StatusCode::kOk;
  std::string message;

  bool ok() const { return code == StatusCode::kOk; }
  friend bool operator==(const Status&, const Status&) = default;
};

/// etcd's client-visible errors. Each returns a Status whose message is etcd's verbatim.
namespace errors {
inline Status make(StatusCode code, std::string message) { return {code, std::move(message)}; }
inline Status emptyKey() {
  return make(StatusCode::kInvalidArgument, "etcdserver: key is not provided");
}
inline Status keyNotFound() {
  return make(StatusCode::kInvalidArgument, "etcdserver: key not found");
}
inline Status valueProvided() {
  return make(StatusCode::kInvalidArgument, "etcdserver: value is provided");
}
inline Status leaseProvided() {
  return make(StatusCode::kInvalidArgument, "etcdserver: lease is provided");
}
inline Status tooManyOps() {
  return make(StatusCode::kInvalidArgument, "etcdserver: too many operations in txn request");
}
inline Status duplicateKey() {
  return make(StatusCode::kInvalidArgument, "etcdserver: duplicate key given in txn request");
}
inline Status compacted() {
  return make(StatusCode::kOutOfRange, "etcdserver: mvcc: required revision has been compacted");
}
inline Status futureRev() {
  return make(StatusCode::kOutOfRange, "etcdserver: mvcc: required revision is a future revision");
}
inline Status leaseNotFound() {
  return make(StatusCode::kNotFound, "etcdserver: requested lease not found");
}
inline Status leaseExists() {
  return make(StatusCode::kFailedPrecondition, "etcdserver: lease already exists");
}
inline Status leaseTtlTooLarge() {
  return make(StatusCode::kOutOfRange, "etcdserver: too large lease TTL");
}
/// Returned by KeepAlive on a lessor that is not the primary (the leader's); the server
/// forwards the request to the leader instead (etcd: lease.ErrNotPrimary).
inline Status notPrimary() { return make(StatusCode::kFailedPrecondition, "not a primary lessor"); }
}  // namespace errors

}  // namespace detcd::mvcc

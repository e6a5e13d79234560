#pragma once
// The etcd v3 requests and responses a detcd history records (docs/history.md).
// Field names and meanings follow etcd's etcdserverpb / mvccpb messages; keys and
// values are raw byte strings (not base64). Revisions are etcd main revisions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace detcd::checkers {

/// mvccpb.KeyValue: one key as a response or an event reports it.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t createRevision = 0;  ///< revision of the put that created this generation
  int64_t modRevision = 0;     ///< revision of the last put
  int64_t version = 0;         ///< puts since creation (1 after the creating put)
  int64_t lease = 0;           ///< attached lease ID, 0 = none
  bool operator==(const KeyValue&) const = default;
};

/// etcdserverpb.Compare of a Txn. For a missing key etcd compares version,
/// create and mod revision as 0, value as "" and lease as 0.
struct Compare {
  enum class Target { kVersion, kCreate, kMod, kValue, kLease };
  enum class Result { kEqual, kNotEqual, kGreater, kLess };
  std::string key;
  Target target = Target::kVersion;
  Result result = Result::kEqual;
  int64_t number = 0;  ///< for version / create / mod / lease
  std::string value;   ///< for value
};

/// A Range, Put or DeleteRange request, alone or inside a Txn.
struct RequestOp {
  enum class Kind { kRange, kPut, kDeleteRange };
  Kind kind = Kind::kRange;
  std::string key;
  std::string rangeEnd;  ///< "" = the single key; "\0" = every key >= key (etcd)
  std::string value;     ///< put only
  int64_t lease = 0;     ///< put only
  bool prevKv = false;   ///< put / delete: return the previous key-values
  int64_t revision = 0;  ///< range only: read at this revision, 0 = current
  int64_t limit = 0;     ///< range only: at most this many kvs, 0 = no limit
  bool countOnly = false;
  bool keysOnly = false;
};

/// The response to one RequestOp. Only the fields the client recorded are
/// checked: an absent optional is "not observed".
struct ResponseOp {
  std::optional<std::vector<KeyValue>> kvs;      ///< range
  std::optional<int64_t> count;                  ///< range
  std::optional<bool> more;                      ///< range
  std::optional<int64_t> deleted;                ///< delete
  std::optional<std::vector<KeyValue>> prevKvs;  ///< put (0 or 1 kv) / delete
};

/// A client call against the etcd API.
struct EtcdRequest {
  enum class Kind { kRequestOp, kTxn, kLeaseGrant, kLeaseRevoke, kLeaseKeepAlive, kCompact };
  Kind kind = Kind::kRequestOp;
  RequestOp op;                   ///< kRequestOp
  std::vector<Compare> compares;  ///< kTxn
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
  int64_t leaseId = 0;   ///< grant (0 = server chooses) / revoke / keep-alive
  int64_t ttl = 0;       ///< grant, seconds
  int64_t revision = 0;  ///< compact
};

/// What the client saw. For an error completion only `error` is meaningful.
struct EtcdResponse {
  std::optional<int64_t> revision;  ///< response header revision
  std::optional<bool> succeeded;    ///< txn
  std::vector<ResponseOp> responses;  ///< one per executed RequestOp (kRequestOp: exactly one)
  std::optional<int64_t> leaseId;   ///< grant
  std::optional<int64_t> ttl;       ///< grant / keep-alive
  std::string error;                ///< etcd error text, "" on success
};

/// Whether `k` lies in etcd's key range [key, rangeEnd): rangeEnd "" means
/// the single key, "\0" every key >= key.
bool inKeyRange(const std::string& k, const std::string& key, const std::string& rangeEnd);

/// The errors the etcd model produces itself; a completion carrying one of
/// them is an observed outcome that the model checks. Any other error is a
/// definite failure: the request did not take effect.
enum class EtcdError { kNone, kCompacted, kFutureRevision, kLeaseNotFound };

/// Maps etcd's error text ("etcdserver: mvcc: required revision has been
/// compacted", "...future revision", "...requested lease not found") or the
/// short names "compacted", "future_revision", "lease_not_found" to EtcdError.
/// Returns nullopt for any other text (a failure the model does not produce).
std::optional<EtcdError> parseEtcdError(const std::string& text);

/// One event of a watch response (mvccpb.Event).
struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  ///< for a delete: key and mod revision (the delete's revision)
  std::optional<KeyValue> prevKv;
};

}  // namespace detcd::checkers

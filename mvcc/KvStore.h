#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mvcc/KeyIndex.h"
#include "mvcc/Lessor.h"
#include "mvcc/Revision.h"
#include "mvcc/Status.h"
#include "proto/kv.pb.h"
#include "proto/mvcc_snapshot.pb.h"
#include "proto/rpc.pb.h"

namespace detcd::mvcc {

/// Configuration of a KvStore (etcd's server flags of the same meaning).
struct KvStoreOptions {
  /// etcd's --max-txn-ops: the most compares, success ops or failure ops of one Txn.
  int maxTxnOps = 128;
  /// Minimum lease TTL in seconds (see Lessor::minLeaseTtlSeconds; 2 with etcd defaults).
  int64_t minLeaseTtlSeconds = 2;
};

/// Receives the changes of every write transaction once it is committed: the main
/// revision and its events in sub-revision order (PUT with the full kv; DELETE with the
/// key and mod_revision = rev only, as etcd's watchable store delivers them).
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  virtual void onCommit(int64_t rev, const std::vector<mvccpb::Event>& events) = 0;
};

/// The revisioned key space and the lessor: the state machine of detcd, with etcd 3.4's
/// observable behaviour (etcdserver/apply.go over mvcc/kvstore*.go and lease/lessor.go).
///
/// Requests and responses are etcd's own protobuf messages, so the gRPC server passes
/// them through; a non-ok Status carries etcd's gRPC code and message. Each method applies
/// etcd's request validation first (the same errors as api/v3rpc), then the operation.
/// Only the `revision` of response headers is set here; the server fills cluster_id,
/// member_id and raft_term.
///
/// Revisions: the store starts at revision 1 with no keys (as a fresh etcd); every write
/// transaction that changes something takes the next main revision. Compacted revision
/// starts at -1 (etcd's "never compacted").
///
/// Single-threaded and deterministic: ordered maps only, no clock (lease methods take the
/// caller's monotonic time in nanoseconds), no randomness (server-chosen lease IDs come
/// from a counter that is part of the snapshot).
class KvStore {
 public:
  /// One stored revision of one key (a row of etcd's "key" bucket).
  struct Record {
    std::string key;
    std::string value;
    int64_t createRevision = 0;
    int64_t version = 0;
    int64_t lease = 0;
    bool tombstone = false;
  };

  explicit KvStore(KvStoreOptions options = {});

  /// Range: range_end "" = one key, "\0" = every key >= key, else [key, range_end).
  /// Errors: emptyKey, futureRev (revision > current), compacted (revision < compacted).
  /// `count` is the number of keys in the range before min/max filters and limit; `more`
  /// says the limit cut the (filtered) result.
  Status range(const etcdserverpb::RangeRequest& req, etcdserverpb::RangeResponse* resp) const;
  /// Put. Errors: emptyKey, valueProvided, leaseProvided, leaseNotFound, keyNotFound
  /// (ignore_value / ignore_lease on a missing key).
  Status put(const etcdserverpb::PutRequest& req, etcdserverpb::PutResponse* resp);
  /// DeleteRange; takes a new revision only when something was deleted. Error: emptyKey.
  Status deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                     etcdserverpb::DeleteRangeResponse* resp);
  /// Txn: compares (all of them, nested ones included) are evaluated on the state before
  /// the Txn; the chosen branch runs in one revision; ranges inside see earlier writes of
  /// the same Txn. Errors: checkTxnRequest's, then for the chosen branches keyNotFound /
  /// leaseNotFound of puts and futureRev / compacted of ranges, before anything is written;
  /// also keyNotFound for an ignore_value / ignore_lease put after a from-key delete that
  /// covers its key in the same Txn (etcd 3.4 crashes on that Txn; see docs/mvcc.md).
  Status txn(const etcdserverpb::TxnRequest& req, etcdserverpb::TxnResponse* resp);
  /// Compact(rev): drops every revision superseded at or before rev (physical is ignored:
  /// compaction is always immediate). Errors: compacted (rev <= compacted revision),
  /// futureRev (rev > current).
  Status compact(const etcdserverpb::CompactionRequest& req,
                 etcdserverpb::CompactionResponse* resp);
  /// HashKV(rev, 0 = current): CRC-32C over etcd's bucket encoding of every stored
  /// revision <= rev, the same value etcd 3.4 computes for the same history.
  /// Errors: compacted (0 < rev <= compacted revision), futureRev.
  Status hashKV(const etcdserverpb::HashKVRequest& req, etcdserverpb::HashKVResponse* resp) const;

  /// LeaseGrant at `nowNs`: ID 0 asks for a server-chosen ID (deterministic sequence).
  /// Errors: leaseExists, leaseTtlTooLarge.
  Status leaseGrant(const etcdserverpb::LeaseGrantRequest& req, int64_t nowNs,
                    etcdserverpb::LeaseGrantResponse* resp);
  /// LeaseRevoke: deletes every attached key in one revision. Error: leaseNotFound.
  Status leaseRevoke(const etcdserverpb::LeaseRevokeRequest& req,
                     etcdserverpb::LeaseRevokeResponse* resp);
  /// KeepAlive at `nowNs` (leader only): TTL = granted TTL; a missing or expired lease gets
  /// TTL 0 and no error, as etcd's gRPC layer answers. Error: notPrimary on a follower.
  Status leaseKeepAlive(const etcdserverpb::LeaseKeepAliveRequest& req, int64_t nowNs,
                        etcdserverpb::LeaseKeepAliveResponse* resp);
  /// TimeToLive at `nowNs`: remaining whole seconds (truncated), granted TTL, keys when
  /// asked; a missing lease gets TTL -1 and no error (etcd's gRPC layer).
  Status leaseTimeToLive(const etcdserverpb::LeaseTimeToLiveRequest& req, int64_t nowNs,
                         etcdserverpb::LeaseTimeToLiveResponse* resp) const;
  /// Leases: every lease ID, ordered by (expiry, ID).
  Status leaseLeases(const etcdserverpb::LeaseLeasesRequest& req,
                     etcdserverpb::LeaseLeasesResponse* resp) const;
  /// Leases expired at `nowNs` on the primary, oldest expiry first, at most `limit`. The
  /// node proposes a LeaseRevoke for each; nothing is revoked here.
  std::vector<int64_t> expiredLeases(int64_t nowNs, size_t limit) const;

  /// The lessor, for promote()/demote() on leadership changes and for inspection.
  Lessor& lessor() { return lessor_; }
  const Lessor& lessor() const { return lessor_; }

  /// The whole state (key space + leases) for a Raft snapshot, and its restore. Restore
  /// replaces everything; the restored lessor is not primary. Error: a malformed snapshot
  /// (revisions out of order, tombstone of a missing key) names the problem.
  detcd::mvccsnappb::Snapshot snapshot() const;
  Status restore(const detcd::mvccsnappb::Snapshot& snap);

  /// The main revision of the newest write (1 for a fresh store).
  int64_t currentRevision() const { return currentRev_; }
  /// The revision of the last compaction (-1 before the first one).
  int64_t compactRevision() const { return compactRev_; }
  /// Every stored revision, in revision order (history for watchers).
  const std::map<Revision, Record>& records() const { return records_; }
  /// The kv of a key visible at main revision `atRev` (>= compacted revision), or nullopt.
  std::optional<mvccpb::KeyValue> get(std::string_view key, int64_t atRev) const;
  /// Number of keys in the index (live or with stored history).
  size_t indexedKeys() const { return index_.size(); }
  /// Key plus value bytes of every stored revision (tombstones count their key), kept up to
  /// date by writes, compaction and restore: what the node's backend size (NodeStatus's
  /// dbSizeBytes, the space quota) is made of, without walking records().
  uint64_t recordBytes() const { return recordBytes_; }

  /// At most one listener (the watch hub); nullptr to detach.
  void setCommitListener(CommitListener* listener) { listener_ = listener; }

 private:
  /// A key range after etcd's rules: `end` nullopt = the single key `key`; empty = every
  /// key >= key; otherwise [key, end).
  struct KeyRange {
    std::string_view key;
    std::optional<std::string_view> end;
  };
  struct RangeResult {
    std::vector<std::pair<Revision, const Record*>> kvs;
    int64_t count = 0;
  };
  /// The writes of one transaction in progress.
  struct WriteTxn {
    int64_t changes = 0;
    std::vector<mvccpb::Event> events;
  };

  static KeyRange keyRange(std::string_view key, std::string_view rangeEnd);
  static void fillKv(Revision rev, const Record& r, bool keysOnly, mvccpb::KeyValue* kv);

  int64_t readRevision(const WriteTxn* t) const;
  Status rangeKeys(const KeyRange& r, int64_t reqRev, int64_t limit, bool countOnly, int64_t curRev,
                   RangeResult* out) const;
  void visitIndex(const KeyRange& r,
                  const std::function<void(const std::string&, const KeyIndex&)>& fn) const;

  Status applyRange(const WriteTxn* t, const etcdserverpb::RangeRequest& req,
                    etcdserverpb::RangeResponse* resp) const;
  Status applyPut(WriteTxn& t, const etcdserverpb::PutRequest& req,
                  etcdserverpb::PutResponse* resp);
  void applyDelete(WriteTxn& t, const etcdserverpb::DeleteRangeRequest& req,
                   etcdserverpb::DeleteRangeResponse* resp);
  void applyTxn(WriteTxn& t, const etcdserverpb::TxnRequest& req, const std::vector<bool>& path,
                size_t& pathIdx, etcdserverpb::TxnResponse* resp);

  bool applyCompare(const etcdserverpb::Compare& c) const;
  void compareToPath(const etcdserverpb::TxnRequest& req, std::vector<bool>& path) const;
  Status checkRequests(const etcdserverpb::TxnRequest& req, const std::vector<bool>& path,
                       size_t& pathIdx, bool puts) const;

  void putKey(WriteTxn& t, const std::string& key, const std::string& value, int64_t lease);
  int64_t deleteKeys(WriteTxn& t, const KeyRange& r);
  void deleteKey(WriteTxn& t, const std::string& key);
  void endTxn(WriteTxn& t);

  int64_t nextLeaseId();

  KvStoreOptions options_;
  int64_t currentRev_ = 1;
  int64_t compactRev_ = -1;
  std::map<std::string, KeyIndex, std::less<>> index_;
  std::map<Revision, Record> records_;
  uint64_t recordBytes_ = 0;  // sum of key.size() + value.size() over records_
  Lessor lessor_;
  uint64_t leaseIdSeq_ = 0;
  CommitListener* listener_ = nullptr;
};

}  // namespace detcd::mvcc

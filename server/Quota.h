#pragma once
// The backend space quota (etcd's etcdserver/quota.go) and the applier chain that enforces it
// with the alarms (etcd's quotaApplierV3, applierV3Capped and applierV3Corrupt in apply.go).

#include <cstdint>

#include "mvcc/KvStore.h"
#include "proto/serverpb.pb.h"
#include "server/Alarms.h"
#include "server/Applier.h"

namespace detcd::server {

/// The backend size the quota is compared with, in bytes: key and value of every stored revision
/// (history not yet compacted and tombstones included) plus NodeStatus::kRevisionOverheadBytes
/// each; NodeStatus::dbSizeBytes and Status's dbSize. A function of the replicated store only, so
/// every member computes the same size at the same applied index. Unlike etcd's bolt file, it
/// shrinks as soon as a compaction removes revisions (detcd's Defragment has nothing to do).
std::uint64_t backendBytes(const mvcc::KvStore& store);

/// etcd's --quota-backend-bytes: writes that would take the backend to the quota or beyond are
/// refused with "etcdserver: mvcc: database space exceeded".
class BackendQuota {
 public:
  static constexpr std::int64_t kDefaultBytes = std::int64_t{2} << 30;  ///< etcd: 2 GiB
  /// etcd warns when the quota is set above this (8 GiB: "may lead to degraded performance").
  static constexpr std::int64_t kMaxRecommendedBytes = std::int64_t{8} << 30;
  /// etcd's cost estimates: the metadata of a key-value pair, and a lease.
  static constexpr std::uint64_t kKvOverheadBytes = 256;
  static constexpr std::uint64_t kLeaseOverheadBytes = 64;

  /// `configured`: etcd's flag value in bytes; 0 means kDefaultBytes, a negative value disables
  /// the quota (as etcd's passthroughQuota).
  explicit BackendQuota(std::int64_t configured);
  /// The quota in bytes; the configured negative value when disabled.
  std::int64_t limit() const { return limit_; }
  /// Whether a request costing `cost` bytes fits a backend of `backend` bytes: backend + cost
  /// strictly below the quota (etcd's Available), always when disabled.
  bool available(std::uint64_t backend, std::uint64_t cost) const;
  /// Whether `req` is a write the quota checks: a put, a txn, a lease grant (etcd's quota
  /// servers wrap Put, Txn and LeaseGrant).
  static bool checks(const serverpb::InternalRaftRequest& req);
  /// etcd's estimate of what `req` adds to the backend: a put kKvOverheadBytes + key + value; a
  /// txn the costlier branch's puts (nested txns' puts counted too: etcd 3.4 forgets those, which
  /// lets a nested put through a full backend); a lease grant kLeaseOverheadBytes; else 0.
  static std::uint64_t cost(const serverpb::InternalRaftRequest& req);
  /// cost() of a txn.
  static std::uint64_t txnCost(const etcdserverpb::TxnRequest& txn);

 private:
  std::int64_t limit_;
};

/// Applies one committed proposal behind etcd's applier chain, deterministically (same result on
/// every member at the same applied index):
///  - an AlarmRequest changes `alarms` (AlarmStore::apply) and answers an AlarmResponse;
///  - while a CORRUPT alarm is active, put, delete, txn with writes, compaction, lease grant and
///    revoke fail with errors::corrupt() (etcd's applierV3Corrupt);
///  - while a NOSPACE alarm is active, put, txn with puts and lease grant fail with
///    errors::noSpace() (etcd's applierV3Capped); deletes, compaction, revokes and txns without
///    puts still apply;
///  - otherwise a request the quota checks that does not fit (BackendQuota::available before
///    applying) fails with errors::noSpace() and has no effect (etcd's quotaApplierV3 applies it
///    and then answers the error; detcd refuses it so that the error always means "no effect");
///  - anything else goes to applyRequest().
ApplyResult applyWithAlarms(mvcc::KvStore& store, AlarmStore& alarms, const BackendQuota& quota,
                            const serverpb::InternalRaftRequest& req, std::int64_t nowNs);

}  // namespace detcd::server

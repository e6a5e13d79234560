#pragma once
// The differential test's op sequence (docs/interop.md): KV, Txn, compaction, lease and watch
// operations drawn from one seed, over a small key space so that ops collide, plus the error
// cases etcd 3.4 defines (compacted and future revisions, empty keys, too many txn ops,
// duplicate txn keys, oversized requests, unknown or duplicate leases, too large lease TTLs).

#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "interop/difftest.pb.h"

namespace detcd::interop {

/// Generates the ops one at a time. The generator reads back the reference server's results
/// (observe) to learn the current revision, the compacted revision, the granted leases and the
/// canceled watchers, so that it can aim at past, compacted and future revisions. Hence the
/// sequence is a function of the seed and of the reference's answers: identical for two runs
/// as long as the reference answers identically, which is what the test checks anyway (it
/// stops at the first difference).
///
/// Lease TTLs are >= 600 s so that no lease expires during a run (an expiry deletes keys at a
/// wall-clock moment, which two servers cannot agree on). Watchers are synced right after
/// they are created, so a later compaction never races their catch-up.
class OpGenerator {
 public:
  /// Most watchers open at once.
  static constexpr int kMaxOpenWatchers = 5;
  /// Lease IDs the generator grants, revokes and attaches; some are never granted.
  static constexpr int64_t kFirstLeaseId = 101;
  static constexpr int64_t kLeaseIdCount = 6;
  /// etcd's --max-txn-ops default; the generator sends one more to get the error.
  static constexpr int kMaxTxnOps = 128;

  explicit OpGenerator(uint64_t seed);

  /// The next op. Some ops queue follow-ups (a watcher's sentinel write and sync), which come
  /// out of the following calls.
  Op next();

  /// Feeds back the reference server's result for `op` (the op last returned by next()).
  void observe(const Op& op, const Result& reference);

  /// Queues the closing ops: every open watcher is synced and canceled. Then next() returns
  /// them while hasPending().
  void finish();
  bool hasPending() const { return !pending_.empty(); }

  /// The revision the reference reported last (1 on a fresh server).
  int64_t revision() const { return revision_; }

 private:
  struct Watcher {
    int64_t ordinal;
    std::string sentinelKey;  // a key inside the watched range
    bool noPut;               // NOPUT filter: the sentinel must be a delete
    bool open;
  };
  struct KeyRange {
    std::string key;
    std::string rangeEnd;
  };

  uint64_t below(uint64_t n) { return rng_() % n; }
  bool chance(int percent) { return static_cast<int>(below(100)) < percent; }
  const std::string& anyKey();
  std::string anyValue();
  int64_t anyLeaseId() { return kFirstLeaseId + static_cast<int64_t>(below(kLeaseIdCount)); }
  /// Mostly a lease the reference granted (and did not revoke), else any ID of the pool.
  int64_t someLeaseId();
  KeyRange anyRange();
  int64_t readRevision();
  int64_t pastRevision();

  Op makePut();
  Op makeRange();
  Op makeDelete();
  Op makeTxn();
  Op makeCompaction();
  Op makeLeaseOp();
  Op makeWatchOp();
  Op makeErrorOp();

  etcdserverpb::RangeRequest rangeRequest(bool inTxn);
  etcdserverpb::Compare compare();
  etcdserverpb::TxnRequest txnRequest(std::vector<std::string>& writeKeys, int depth);
  void fillBranch(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops, int count,
                  std::vector<std::string>& writeKeys, int depth);
  void queueSync(Watcher& watcher, bool cancel);

  std::mt19937_64 rng_;  // exactly specified by the standard: same seed, same numbers everywhere
  std::deque<Op> pending_;
  int64_t revision_ = 1;
  int64_t compactRevision_ = 0;
  std::set<int64_t> leases_;
  std::vector<Watcher> watchers_;
  int64_t sentinelCount_ = 0;
};

/// etcd's prefix end (clientv3.GetPrefixRangeEnd): the key with its last byte below 0xff
/// incremented and what follows dropped; "\0" (every key) when no such byte exists.
std::string prefixEnd(const std::string& prefix);

}  // namespace detcd::interop

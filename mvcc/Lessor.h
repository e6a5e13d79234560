#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mvcc/Status.h"

namespace detcd::mvcc {

/// Lease bookkeeping with etcd 3.4's rules (lease/lessor.go). Pure state: time comes in as
/// a parameter in nanoseconds of the caller's monotonic clock (virtual or real); nothing
/// here reads a clock. Expiry is only reported (expired()); the node proposes a revoke
/// for each expired lease through Raft and the revoke is applied on every replica.
///
/// Primary: only the leader's lessor is primary. A primary lease expires at
/// grant/renew time + TTL; a non-primary lessor keeps every lease forever (it must not
/// decide expiry). On promotion (new leader) every lease is renewed to now + its TTL +
/// `extendNs` (the election timeout, etcd's default); on demotion expiry becomes "never".
///
/// TTLs are in whole seconds. A TTL below the minimum is raised to it (etcd: minimum =
/// ceil(1.5 × election timeout) in seconds, see minLeaseTtlSeconds()). A TTL above
/// kMaxLeaseTtlSeconds is an error.
class Lessor {
 public:
  /// etcd's MaxLeaseTTL: 9,000,000,000 seconds.
  static constexpr int64_t kMaxLeaseTtlSeconds = 9'000'000'000;
  /// etcd's leaseRevokeRate: the most leases revoked per second. The node should revoke
  /// at most half of it per 500 ms check (expired()'s `limit`).
  static constexpr size_t kRevokeRatePerSecond = 1000;
  /// Expiry of a lease on a non-primary lessor.
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  /// One lease and the keys attached to it.
  struct Lease {
    int64_t id = 0;
    int64_t ttlSeconds = 0;      ///< granted TTL after the minimum rule
    int64_t expiryNs = kNever;   ///< caller's monotonic clock, kNever when not primary
    std::set<std::string> keys;  ///< attached keys, sorted
  };

  /// `minTtlSeconds`: the minimum TTL (2 with etcd's defaults).
  explicit Lessor(int64_t minTtlSeconds = 2);

  /// etcd's minimum lease TTL for an election timeout of `electionTicks` ticks of
  /// `tickMs` milliseconds: ceil(((3 × electionTicks) / 2) × tickMs / 1000) seconds, the
  /// division by 2 being integer division as in etcd. 10 ticks of 100 ms give 2.
  static int64_t minLeaseTtlSeconds(int64_t electionTicks, int64_t tickMs);

  /// Grants lease `id` (non-zero) with `ttlSeconds` at time `nowNs`.
  /// Errors: leaseNotFound for id 0 (the caller chooses IDs), leaseExists, leaseTtlTooLarge.
  Status grant(int64_t id, int64_t ttlSeconds, int64_t nowNs);
  /// Removes the lease and returns its attached keys in key order (to be deleted in one
  /// revision by the store). Error: leaseNotFound.
  Status revoke(int64_t id, std::vector<std::string>* keys);
  /// Keep-alive: on the primary, resets expiry to now + TTL and returns the TTL.
  /// Errors: notPrimary, leaseNotFound (also for a lease already expired at `nowNs`, which
  /// is waiting for its revoke: etcd answers not-found once that revoke is applied).
  Status renew(int64_t id, int64_t nowNs, int64_t* ttlSeconds);

  /// The lease, or nullptr.
  const Lease* lookup(int64_t id) const;
  /// Remaining time of a lease in whole seconds, truncated toward zero as etcd does
  /// (int64(Remaining().Seconds())); kNever / 1e9 rounded down on a non-primary lessor.
  static int64_t remainingSeconds(const Lease& lease, int64_t nowNs);
  /// Every lease ordered by (expiry, ID) — etcd sorts by expiry.
  std::vector<const Lease*> leases() const;
  /// IDs of the leases expired at `nowNs` (expiry <= now), ordered by (expiry, ID), at most
  /// `limit` (etcd revokes at most leaseRevokeRate per second; the caller picks the batch).
  std::vector<int64_t> expired(int64_t nowNs, size_t limit) const;

  /// Attaches / detaches a key. Attach precondition: the lease exists.
  void attach(int64_t id, const std::string& key);
  void detach(int64_t id, const std::string& key);

  /// Becomes primary at `nowNs`: every lease expires at now + TTL + extendNs. With at
  /// least kRevokeRatePerSecond leases, expiries are then spread as etcd 3.4 does so that
  /// no one-second window holds more than 3/4 of the revoke rate.
  void promote(int64_t nowNs, int64_t extendNs);
  /// Stops being primary: no lease expires.
  void demote();
  /// True on the leader's lessor (between promote() and demote()).
  bool primary() const { return primary_; }

  /// Adds a lease as restored from a snapshot (not primary yet: expiry never).
  void restore(int64_t id, int64_t ttlSeconds);
  /// Drops every lease (before a restore).
  void clear() { leases_.clear(); }
  /// The minimum TTL in seconds this lessor applies.
  int64_t minTtlSeconds() const { return minTtlSeconds_; }

 private:
  int64_t minTtlSeconds_;
  bool primary_ = false;
  std::map<int64_t, Lease> leases_;
};

}  // namespace detcd::mvcc

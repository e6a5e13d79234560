#pragma once
// A simulated etcd client: a closed loop of requests drawn from the scenario's op mix, each
// recorded in the history (docs/history.md) as the client saw it.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/HistoryRecorder.h"
#include "scenarios/MemberAccess.h"
#include "scenarios/Scenario.h"
#include "scenarios/WorkloadRequest.h"
#include "sim/Rng.h"

namespace detcd::scenarios {

/// What a client did, for run summaries and tests.
struct ClientStats {
  std::uint64_t invoked = 0;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;   ///< definite errors (refused, no leader, compacted, ...)
  std::uint64_t unknown = 0;  ///< info: timed out, server stopped
};

/// One client (docs/checks.md "Clients"). Closed loop, one request outstanding: after each
/// completion it thinks for an exponentially distributed time whose mean is
/// `spec.clients / spec.rate` seconds (so that all clients together make about `rate` ops/s),
/// then draws an operation from `spec.mix` over keys "k0".."k<keys-1>":
///  - put of a unique value "c<id>-<n>" (prev_kv asked for half of the time);
///  - linearizable get; serializable get (recorded with "serializable": true);
///  - delete of one key (prev_kv half of the time);
///  - txn compare-and-swap: if the key's value is the one this client last saw (version 0 when
///    it saw none) put a new value, else read the key;
///  - prefix range over every key ("k".."l") or over "k<d>".."k<d+1>";
///  - lease grant (TTL spec.leaseTtlSeconds, ID chosen by the server; a revoke instead when it
///    holds kMaxLeases), put attached to one of the client's granted leases, revoke or
///    keep-alive of one (a grant when it holds none);
///  - compact at a revision this client saw, up to 10 behind.
/// Members: it starts on member members()[(id - 1) % n] and moves to the next one in
/// ascending ID order (wrapping) when a request is refused or times out, or fails with "no
/// leader", "server stopped", "leader changed", "too many requests" or "request timed out" —
/// as etcd's client balancer moves off an unhealthy endpoint.
/// Outcomes: ok -> `ok`; "etcdserver: request timed out" and "etcdserver: server stopped" ->
/// `info` (unknown); any other error, a refused connection ("connection refused") and a
/// keep-alive answered with TTL 0 (etcd's client reports "requested lease not found") ->
/// `fail`. No answer within spec.requestTimeout -> `info` ("context deadline exceeded"), and a
/// late answer is ignored.
///
/// Deterministic: every draw comes from `rng` (the run's stream "workload/client/<id>").
/// Callbacks hold only a weak token, so the client may be destroyed while requests are in
/// flight.
class Client {
 public:
  /// `id` >= 1 (the history's client number). `access` gives time, timers and the member list;
  /// `channel` carries the requests. All must outlive the client.
  Client(std::int64_t id, sim::Rng rng, const WorkloadSpec& spec, MemberAccess& access,
         WorkloadChannel& channel, HistoryRecorder& recorder);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Starts the loop: the first request after one think time.
  void start();
  /// No new requests from now on; one in flight still completes (or times out) and is recorded.
  void stop();

  std::int64_t id() const { return id_; }
  const ClientStats& stats() const { return stats_; }
  /// The member the next request goes to.
  std::uint64_t member() const { return member_; }

 private:
  /// Leases a client holds at once: a grant beyond them becomes a revoke. Few leases, kept
  /// alive often, rarely expire unseen; every lease left to expire is an operation of unknown
  /// time for the linearizability search (checkers::EtcdModel::internalOperations).
  static constexpr std::size_t kMaxLeases = 2;

  enum class Op {
    kPut, kGet, kSerializableGet, kDelete, kTxn, kRange, kLeaseGrant, kLeasePut, kLeaseRevoke,
    kLeaseKeepAlive, kCompact
  };

  void scheduleNext();
  void issue();
  Op drawOp();
  WorkloadRequest makeRequest(Op op);
  std::string drawKey();
  void onAnswer(std::uint64_t seq, const mvcc::Status& status, const WorkloadResponse& response);
  void onRefused(std::uint64_t seq);
  void onTimeout(std::uint64_t seq);
  /// Ends the pending request and goes on.
  void complete(bool moveOn);
  void learn(const WorkloadResponse& response);
  void forgetLease(std::int64_t lease);
  void nextMember();

  std::int64_t id_;
  sim::Rng rng_;
  WorkloadSpec spec_;
  MemberAccess& access_;
  WorkloadChannel& channel_;
  HistoryRecorder& recorder_;
  /// Callbacks hold a weak_ptr to it: expired once the client is destroyed.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::uint64_t member_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  bool pending_ = false;
  std::uint64_t seq_ = 0;  ///< number of the pending (or last) request
  WorkloadRequest request_;
  std::uint64_t values_ = 0;  ///< values written so far ("c<id>-<values_>")
  std::map<std::string, std::string> lastSeen_;  ///< key -> value last seen ("" = absent)
  std::int64_t maxRevision_ = 0;                 ///< highest header revision seen
  std::vector<std::int64_t> leases_;             ///< leases granted to this client, alive
  ClientStats stats_;
};

}  // namespace detcd::scenarios

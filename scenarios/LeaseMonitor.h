#pragma once
// Lease safety: no lease expires before its holder's last renewal plus its TTL (etcd's lease
// guarantee, https://etcd.io/docs/v3.4/learning/api_guarantees/ "Lease"), up to the clock
// drift the scenario allows.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkers/History.h"
#include "env/Time.h"
#include "env/Tracer.h"
#include "env/Transport.h"

namespace detcd::scenarios {

struct Scenario;

/// A member's clock jumped forward at `at` (virtual time). `node` 0: some member, unknown which
/// (e.g. a fault aimed at "leader"): it exempts leases expired on any member.
struct ClockStep {
  env::Nanos at{0};
  env::NodeId node = 0;
  env::Nanos by{0};  ///< how far the clock jumped
};

struct LeaseMonitorOptions {
  /// The largest relative clock drift of any member (e.g. 0.0005 for 500 ppm): a leader whose
  /// clock runs fast measures a TTL in TTL × (1 − drift) of virtual time.
  double driftTolerance = 0;
  /// Forward clock steps: a lease that expired on a member whose clock stepped between the
  /// lease's last renewal and its expiry is exempt.
  std::vector<ClockStep> clockSteps;
};

/// The options a scenario implies: its largest |driftPpm| × 1e-6, and the times of its
/// kClockStep faults (node 0 when aimed at a role such as "leader").
LeaseMonitorOptions leaseOptionsFor(const Scenario& scenario);

/// A lease that expired too early.
struct LeaseViolation {
  std::int64_t lease = 0;
  env::NodeId node = 0;         ///< the leader that decided the expiry
  env::Nanos expiredAt{0};      ///< virtual time of the "lease-expire" event
  env::Nanos earliest{0};       ///< the earliest expiry the history allows
  std::string message;          ///< one line with the values
};

/// Collects the leaders' "lease-expire" {lease} events live (sim::Trace observer) — except
/// those of a deposed leader: a member whose term (from its "raft-state" events) is below the
/// term of a leader elected since cannot commit the revoke it proposes, since the members that
/// elected the newer leader reject its term (Raft §5.1); such expiries are only counted — then
/// checks
/// them against the history: an expiry at time t on member m is early when some ok lease_grant
/// or lease_keepalive (TTL > 0) of that lease, invoked at time i <= t with granted TTL s,
/// gives t < i + s × (1 − driftTolerance) — the leader starts counting no earlier than it
/// received the request, which is after its invocation — unless m's clock (or an unknown
/// member's) stepped forward in [i, t]. Renewals of unknown outcome are ignored: they can only
/// make the true expiry later.
class LeaseMonitor {
 public:
  explicit LeaseMonitor(LeaseMonitorOptions options = {}) : options_(std::move(options)) {}

  /// The sim::Trace::Observer signature; reads "lease-expire" and "raft-state" events.
  void observe(env::Nanos time, env::NodeId node, std::string_view kind,
               std::initializer_list<env::TraceField> fields);

  struct Expiry {
    env::Nanos time{0};
    env::NodeId node = 0;
    std::int64_t lease = 0;
  };
  const std::vector<Expiry>& expiries() const { return expiries_; }
  /// Expiries decided by deposed leaders, left out of the check.
  std::uint64_t staleExpiries() const { return staleExpiries_; }
  const LeaseMonitorOptions& options() const { return options_; }

  /// The early expiries, in trace order.
  std::vector<LeaseViolation> check(const checkers::History& history) const;

 private:
  LeaseMonitorOptions options_;
  std::vector<Expiry> expiries_;
  std::map<env::NodeId, std::uint64_t> terms_;  ///< each member's latest term
  std::uint64_t newestLeaderTerm_ = 0;          ///< highest term anyone led in so far
  std::uint64_t staleExpiries_ = 0;
};

}  // namespace detcd::scenarios

#include "scenarios/LeaseMonitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "scenarios/RaftSafetyMonitor.h"
#include "scenarios/Scenario.h"

namespace detcd::scenarios {

namespace {

double seconds(env::Nanos t) { return static_cast<double>(t.count()) / 1e9; }

/// One successful renewal (grant or keep-alive) as the history shows it.
struct Renewal {
  env::Nanos invoked{0};
  std::int64_t ttlSeconds = 0;
  bool grant = false;
};

/// lease ID -> its ok grants and keep-alives (with a positive TTL), in invocation order.
std::map<std::int64_t, std::vector<Renewal>> renewals(const checkers::History& history) {
  using Kind = checkers::EtcdRequest::Kind;
  std::map<std::int64_t, std::vector<Renewal>> out;
  for (const checkers::Operation& op : history.operations) {
    if (op.outcome != checkers::Outcome::kOk || op.etcd == nullptr) continue;
    const checkers::EtcdCall& call = *op.etcd;
    Kind kind = call.request.kind;
    if (kind != Kind::kLeaseGrant && kind != Kind::kLeaseKeepAlive) continue;
    std::int64_t id = call.response.leaseId.value_or(call.request.leaseId);
    std::int64_t ttl = call.response.ttl.value_or(call.request.ttl);
    if (id == 0 || ttl <= 0) continue;
    out[id].push_back({env::Nanos(op.invokeTime), ttl, kind == Kind::kLeaseGrant});
  }
  return out;
}

}  // namespace

LeaseMonitorOptions leaseOptionsFor(const Scenario& scenario) {
  LeaseMonitorOptions options;
  for (const Fault& f : scenario.faults) {
    if (f.kind == FaultKind::kClockDrift) {
      options.driftTolerance = std::max(options.driftTolerance, std::abs(f.driftPpm) * 1e-6);
    } else if (f.kind == FaultKind::kClockStep && f.step > env::Nanos(0)) {
      options.clockSteps.push_back({f.at, memberIdOf(f.node).value_or(0), f.step});
    }
  }
  return options;
}

void LeaseMonitor::observe(env::Nanos time, env::NodeId node, std::string_view kind,
                           std::initializer_list<env::TraceField> fields) {
  if (kind == "raft-state") {
    std::uint64_t term = 0;
    std::string role;
    if (!traceField(fields, "term", &term)) return;
    terms_[node] = term;
    if (traceField(fields, "role", &role) && role == "leader") {
      newestLeaderTerm_ = std::max(newestLeaderTerm_, term);
    }
    return;
  }
  if (kind != "lease-expire") return;
  std::int64_t lease = 0;
  if (!traceField(fields, "lease", &lease)) return;
  auto term = terms_.find(node);
  if (term != terms_.end() && term->second < newestLeaderTerm_) {
    ++staleExpiries_;  // a deposed leader's revoke cannot commit
    return;
  }
  expiries_.push_back({time, node, lease});
}

std::vector<LeaseViolation> LeaseMonitor::check(const checkers::History& history) const {
  auto byLease = renewals(history);
  std::vector<LeaseViolation> out;
  for (const Expiry& e : expiries_) {
    auto it = byLease.find(e.lease);
    if (it == byLease.end()) continue;
    // The renewal that allows the latest expiry among those invoked before this one.
    const Renewal* binding = nullptr;
    env::Nanos earliest{0};
    for (const Renewal& r : it->second) {
      if (r.invoked > e.time) continue;
      double allowed = static_cast<double>(r.ttlSeconds) * 1e9 * (1 - options_.driftTolerance);
      env::Nanos bound = r.invoked + env::Nanos(static_cast<std::int64_t>(allowed));
      if (binding == nullptr || bound > earliest) {
        binding = &r;
        earliest = bound;
      }
    }
    if (binding == nullptr || e.time >= earliest) continue;
    bool stepped = std::any_of(
        options_.clockSteps.begin(), options_.clockSteps.end(), [&](const ClockStep& s) {
          return (s.node == 0 || s.node == e.node) && s.at >= binding->invoked && s.at <= e.time;
        });
    if (stepped) continue;
    out.push_back({e.lease, e.node, e.time, earliest,
                   fmt::format("lease {} expired on n{} at {:.3f}s, before {:.3f}s allowed by the "
                               "{} invoked at {:.3f}s with TTL {}s (drift tolerance {})",
                               e.lease, e.node, seconds(e.time), seconds(earliest),
                               binding->grant ? "grant" : "keep-alive", seconds(binding->invoked),
                               binding->ttlSeconds, options_.driftTolerance)});
  }
  return out;
}

}  // namespace detcd::scenarios

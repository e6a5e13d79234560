#include "scenarios/RunChecks.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "checkers/EtcdModel.h"
#include "checkers/Linearizability.h"
#include "checkers/WatchChecker.h"
#include "mvcc/KvStore.h"
#include "scenarios/LeaseMonitor.h"
#include "scenarios/RaftSafetyMonitor.h"
#include "scenarios/Scenario.h"

namespace detcd::scenarios {

namespace {

using checkers::EtcdRequest;
using checkers::RequestOp;

/// Lists at most this many items in a check's explanation.
constexpr std::size_t kMaxListed = 20;

CheckResult pass(std::string name, std::string detail) {
  return {std::move(name), true, false, std::move(detail), ""};
}

CheckResult failure(std::string name, std::string detail, std::string explanation = "") {
  return {std::move(name), false, false, std::move(detail), std::move(explanation)};
}

/// The first kMaxListed items, one an indented line.
std::string listLines(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kMaxListed; ++i) out += "  " + items[i] + "\n";
  if (items.size() > kMaxListed) {
    out += fmt::format("  ... and {} more\n", items.size() - kMaxListed);
  }
  return out;
}

/// How early a lease may expire under the scenario's clock faults (leaseOptionsFor): every
/// forward clock step, plus the largest drift over the whole run (a fast leader clock shortens
/// every TTL).
checkers::Timestamp leaseExpirySlack(const Scenario& scenario) {
  const LeaseMonitorOptions clocks = leaseOptionsFor(scenario);
  env::Nanos slack{0};
  for (const ClockStep& step : clocks.clockSteps) slack += step.by;
  const auto total = static_cast<double>((scenario.duration + scenario.livenessBound).count());
  return slack.count() + static_cast<checkers::Timestamp>(clocks.driftTolerance * total);
}

/// `v`'s operations by history line; ops past History::operations (internal) are left out.
ViolationOps violationOps(const checkers::Violation& v, const checkers::History& history) {
  const auto ref = [&history](std::size_t i) -> std::optional<HistoryOpRef> {
    if (i >= history.operations.size()) return std::nullopt;
    const checkers::Operation& op = history.operations[i];
    return HistoryOpRef{op.invokeLine, op.client, op.invokeTime};
  };
  const auto refs = [&ref](const std::vector<std::size_t>& ops) {
    std::vector<HistoryOpRef> out;
    for (std::size_t i : ops) {
      if (auto r = ref(i)) out.push_back(*r);
    }
    return out;
  };
  ViolationOps out;
  out.group = v.group;
  out.prefix = refs(v.prefix);
  out.window = refs(v.window);
  if (v.culprit) out.culprit = ref(*v.culprit);
  out.windowMinimal = v.windowMinimal;
  out.partial = v.partial;
  return out;
}

CheckResult checkLinearizable(const checkers::History& history, std::uint64_t maxSteps,
                              checkers::Timestamp leaseExpirySlack) {
  checkers::EtcdModel model(leaseExpirySlack);
  checkers::CheckOptions options;
  options.maxSteps = maxSteps;
  checkers::CheckResult r = checkers::checkLinearizability(history, model, options);
  std::string ops = fmt::format("{} operations", history.operations.size());
  switch (r.verdict) {
    case checkers::Verdict::kLinearizable:
      return pass("linearizability", ops + ", linearizable");
    case checkers::Verdict::kUnknown:
      return pass("linearizability",
                  fmt::format("{}, not decided within {} search steps ({}): passed with a note, "
                              "nothing was proven",
                              ops, maxSteps, r.reason));
    case checkers::Verdict::kNotLinearizable:
      break;
  }
  std::string explanation;
  if (r.violation) explanation = checkers::describeViolation(*r.violation, history, model);
  CheckResult out = failure("linearizability", ops + ", NOT linearizable: " + r.reason,
                            explanation);
  if (r.violation) out.violation = violationOps(*r.violation, history);
  return out;
}

CheckResult checkWatch(const checkers::History& history) {
  checkers::WatchCheckResult r;
  try {
    r = checkers::checkWatches(history);
  } catch (const std::invalid_argument& e) {
    return failure("watch", std::string("malformed watch history: ") + e.what());
  }
  std::string seen = fmt::format("{} watches, {} responses", history.watches.size(),
                                 history.watchResponses.size());
  if (r.ok()) return pass("watch", seen);
  std::vector<std::string> lines;
  for (const checkers::WatchViolation& v : r.violations) {
    lines.push_back(fmt::format("{} (watch {}, history line {}): {}",
                                checkers::guaranteeName(v.guarantee), v.watchId, v.line,
                                v.message));
  }
  return failure("watch", fmt::format("{}: {} violations, first: {}", seen, lines.size(), lines[0]),
                 listLines(lines));
}

CheckResult checkRaftSafety(const RaftSafetyMonitor* monitor) {
  if (monitor == nullptr) return failure("raft-safety", "no trace monitor was attached");
  if (monitor->violationCount() == 0) {
    return pass("raft-safety", fmt::format("{} applies checked", monitor->applies()));
  }
  std::vector<std::string> lines;
  for (const SafetyViolation& v : monitor->violations()) {
    lines.push_back(fmt::format("{:.3f}s {}: {}", static_cast<double>(v.time.count()) / 1e9,
                                v.rule, v.message));
  }
  return failure("raft-safety",
                 fmt::format("{} violations, first: {}", monitor->violationCount(), lines[0]),
                 listLines(lines));
}

CheckResult checkLeases(const LeaseMonitor* monitor, const checkers::History& history) {
  if (monitor == nullptr) return failure("leases", "no lease monitor was attached");
  std::vector<LeaseViolation> found = monitor->check(history);
  if (found.empty()) {
    return pass("leases", fmt::format("{} expiries checked ({} by deposed leaders left out)",
                                      monitor->expiries().size(), monitor->staleExpiries()));
  }
  std::vector<std::string> lines;
  for (const LeaseViolation& v : found) lines.push_back(v.message);
  return failure("leases", fmt::format("{} early expiries, first: {}", lines.size(), lines[0]),
                 listLines(lines));
}

/// The records a store holds at main revision `rev`.
std::vector<const mvcc::KvStore::Record*> recordsAt(const mvcc::KvStore& store, std::int64_t rev) {
  std::vector<const mvcc::KvStore::Record*> out;
  const auto& records = store.records();
  for (auto it = records.lower_bound(mvcc::Revision{rev, 0});
       it != records.end() && it->first.main == rev; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

/// What one acknowledged write left at its revision.
struct AckedWrite {
  std::int64_t revision = 0;
  std::int64_t invokeLine = 0;
  std::string what;  ///< for messages: "put k1=v", "txn", ...
  std::vector<std::pair<std::string, std::string>> puts;  ///< key, value
  /// Deletes: (key, range_end, how many it deleted).
  std::vector<std::tuple<std::string, std::string, std::int64_t>> deletes;
};

/// The ok writes of a history that took a revision, with what they wrote.
std::vector<AckedWrite> ackedWrites(const checkers::History& history) {
  std::vector<AckedWrite> out;
  for (const checkers::Operation& op : history.operations) {
    if (op.outcome != checkers::Outcome::kOk || op.etcd == nullptr) continue;
    const checkers::EtcdCall& call = *op.etcd;
    if (!call.response.revision) continue;
    AckedWrite w;
    w.revision = *call.response.revision;
    w.invokeLine = op.invokeLine;
    auto addOp = [&w](const RequestOp& r, const checkers::ResponseOp* resp) {
      if (r.kind == RequestOp::Kind::kPut) {
        w.puts.emplace_back(r.key, r.value);
      } else if (r.kind == RequestOp::Kind::kDeleteRange && resp != nullptr && resp->deleted &&
                 *resp->deleted > 0) {
        w.deletes.emplace_back(r.key, r.rangeEnd, *resp->deleted);
      }
    };
    switch (call.request.kind) {
      case EtcdRequest::Kind::kRequestOp:
        addOp(call.request.op,
              call.response.responses.empty() ? nullptr : &call.response.responses[0]);
        w.what = call.request.op.kind == RequestOp::Kind::kPut
                     ? fmt::format("put {}={}", call.request.op.key, call.request.op.value)
                     : fmt::format("delete {}", call.request.op.key);
        break;
      case EtcdRequest::Kind::kTxn: {
        if (!call.response.succeeded) continue;
        const auto& branch = *call.response.succeeded ? call.request.success : call.request.failure;
        for (std::size_t i = 0; i < branch.size(); ++i) {
          addOp(branch[i],
                i < call.response.responses.size() ? &call.response.responses[i] : nullptr);
        }
        w.what = "txn";
        break;
      }
      case EtcdRequest::Kind::kLeaseRevoke:
        // Whether the revoke deleted keys (and so took a revision) is not in its response:
        // only "the revision exists" is checked.
        w.what = fmt::format("lease_revoke {}", call.request.leaseId);
        out.push_back(std::move(w));
        continue;
      default:
        continue;
    }
    if (!w.puts.empty() || !w.deletes.empty()) out.push_back(std::move(w));
  }
  return out;
}

/// Why `store` lacks `w`, or nullopt when it holds it.
std::optional<std::string> missing(const mvcc::KvStore& store, const AckedWrite& w) {
  if (w.revision > store.currentRevision()) {
    return fmt::format("its revision {} is above the store's revision {}", w.revision,
                       store.currentRevision());
  }
  if (w.revision <= store.compactRevision()) return std::nullopt;  // may be compacted away
  auto records = recordsAt(store, w.revision);
  for (const auto& [key, value] : w.puts) {
    bool found = false;
    for (const auto* r : records) found |= !r->tombstone && r->key == key && r->value == value;
    if (!found) return fmt::format("no record of {}={} at revision {}", key, value, w.revision);
  }
  for (const auto& [key, rangeEnd, deleted] : w.deletes) {
    std::int64_t tombstones = 0;
    for (const auto* r : records) {
      tombstones += r->tombstone && checkers::inKeyRange(r->key, key, rangeEnd) ? 1 : 0;
    }
    if (tombstones < deleted) {
      return fmt::format("{} tombstones in [{}, {}) at revision {}, the response deleted {}",
                         tombstones, key, rangeEnd, w.revision, deleted);
    }
  }
  return std::nullopt;
}

}  // namespace

CheckResult checkDurability(const checkers::History& history,
                            const std::vector<MemberFinal>& members) {
  std::vector<AckedWrite> writes = ackedWrites(history);
  std::vector<std::string> lost;
  int checked = 0;
  for (const MemberFinal& m : members) {
    if (!m.live || m.store == nullptr) continue;
    ++checked;
    for (const AckedWrite& w : writes) {
      if (auto why = missing(*m.store, w)) {
        lost.push_back(fmt::format("n{} lacks the acknowledged {} (history line {}): {}", m.id,
                                   w.what, w.invokeLine, *why));
      }
    }
  }
  if (checked == 0) return failure("durability", "no live member to check");
  std::string seen = fmt::format("{} acknowledged writes on {} live members", writes.size(),
                                 checked);
  if (lost.empty()) return pass("durability", seen);
  return failure("durability", fmt::format("{}: {} missing, first: {}", seen, lost.size(), lost[0]),
                 listLines(lost));
}

CheckResult checkConvergence(const std::vector<MemberFinal>& members) {
  struct State {
    std::uint64_t id;
    std::int64_t revision;
    std::uint32_t hash;
  };
  std::map<std::uint64_t, std::vector<State>> byApplied;
  for (const MemberFinal& m : members) {
    if (!m.live) continue;
    State s{m.id, m.status.revision, m.status.hashKv};
    if (m.store != nullptr) {
      etcdserverpb::HashKVResponse resp;
      if (m.store->hashKV(etcdserverpb::HashKVRequest(), &resp).ok()) s.hash = resp.hash();
      s.revision = m.store->currentRevision();
    }
    byApplied[m.status.appliedIndex].push_back(s);
  }
  std::vector<std::string> differ;
  for (const auto& [applied, states] : byApplied) {
    for (const State& s : states) {
      const State& first = states.front();
      if (s.revision != first.revision || s.hash != first.hash) {
        differ.push_back(fmt::format(
            "at applied index {}: n{} has revision {} hash {:08x}, n{} revision {} hash {:08x}",
            applied, first.id, first.revision, first.hash, s.id, s.revision, s.hash));
      }
    }
  }
  std::string seen = fmt::format("{} applied-index groups", byApplied.size());
  if (differ.empty()) return pass("convergence", seen);
  return failure("convergence", seen + ", diverged: " + differ[0], listLines(differ));
}

std::vector<CheckResult> runChecks(const CheckInput& input) {
  CheckSet all;
  const CheckSet& set = input.scenario != nullptr ? input.scenario->checks : all;
  std::optional<checkers::History> history;
  std::string parseError;
  try {
    history = checkers::parseHistory(input.history, checkers::Format::kDetcd);
  } catch (const std::exception& e) {
    parseError = std::string("the recorded history does not parse: ") + e.what();
  }
  std::vector<CheckResult> out;
  auto add = [&](const char* name, bool enabled, bool needsHistory, auto&& run) {
    if (!enabled) {
      out.push_back({name, true, true, "skipped: not in the scenario's checks", ""});
    } else if (needsHistory && !history) {
      out.push_back(failure(name, parseError));
    } else {
      out.push_back(run());
    }
  };
  add("linearizability", set.linearizability, true,
      [&] { return checkLinearizable(*history, input.linearizabilityMaxSteps,
                                 leaseExpirySlack(*input.scenario)); });
  add("watch", set.watch, true, [&] { return checkWatch(*history); });
  add("raft-safety", set.raftSafety, false, [&] { return checkRaftSafety(input.raftSafety); });
  add("durability", set.durability, true,
      [&] { return checkDurability(*history, input.members); });
  add("convergence", set.convergence, false, [&] { return checkConvergence(input.members); });
  add("liveness", set.liveness, false, [&] {
    return input.liveness.ok ? pass("liveness", input.liveness.detail)
                             : failure("liveness", input.liveness.detail);
  });
  add("leases", set.leases, true, [&] { return checkLeases(input.leases, *history); });
  return out;
}

std::string checksJson(const std::vector<CheckResult>& results,
                       const std::vector<std::string>& notes) {
  using nlohmann::json;
  const auto opJson = [](const HistoryOpRef& r) {
    return json{{"line", r.line}, {"client", r.client}, {"invoke", r.invokeTime}};
  };
  const auto opsJson = [&opJson](const std::vector<HistoryOpRef>& refs) {
    json a = json::array();
    for (const HistoryOpRef& r : refs) a.push_back(opJson(r));
    return a;
  };
  json checks = json::array();
  for (const CheckResult& r : results) {
    json c = {{"name", r.name},
              {"status", r.skipped ? "skipped" : (r.passed ? "ok" : "FAILED")},
              {"detail", r.detail},
              {"explanation", r.explanation}};
    if (r.violation) {
      const ViolationOps& v = *r.violation;
      c["violation"] = {{"group", v.group},
                        {"prefix", opsJson(v.prefix)},
                        {"window", opsJson(v.window)},
                        {"culprit", v.culprit ? opJson(*v.culprit) : json(nullptr)},
                        {"windowMinimal", v.windowMinimal},
                        {"partial", v.partial}};
    }
    checks.push_back(std::move(c));
  }
  return json{{"passed", allPassed(results)}, {"checks", std::move(checks)}, {"notes", notes}}
             .dump(1) + "\n";
}

bool allPassed(const std::vector<CheckResult>& results) {
  for (const CheckResult& r : results) {
    if (!r.passed) return false;
  }
  return true;
}

std::string failedChecks(const std::vector<CheckResult>& results) {
  std::string out;
  for (const CheckResult& r : results) {
    if (r.passed) continue;
    if (!out.empty()) out += ", ";
    out += r.name;
  }
  return out;
}

}  // namespace detcd::scenarios

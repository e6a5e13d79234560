#include "scenarios/RaftSafetyMonitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace detcd::scenarios {

namespace {

const env::TraceField* find(std::initializer_list<env::TraceField> fields, std::string_view key) {
  for (const env::TraceField& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

}  // namespace

bool traceField(std::initializer_list<env::TraceField> fields, std::string_view key,
                std::uint64_t* out) {
  const env::TraceField* f = find(fields, key);
  if (f == nullptr) return false;
  if (auto* u = std::get_if<std::uint64_t>(&f->value)) {
    *out = *u;
    return true;
  }
  if (auto* i = std::get_if<std::int64_t>(&f->value)) {
    *out = static_cast<std::uint64_t>(*i);
    return true;
  }
  return false;
}

bool traceField(std::initializer_list<env::TraceField> fields, std::string_view key,
                std::int64_t* out) {
  std::uint64_t u = 0;
  if (!traceField(fields, key, &u)) return false;
  *out = static_cast<std::int64_t>(u);
  return true;
}

bool traceField(std::initializer_list<env::TraceField> fields, std::string_view key,
                std::string* out) {
  const env::TraceField* f = find(fields, key);
  if (f == nullptr) return false;
  if (auto* s = std::get_if<std::string_view>(&f->value)) {
    *out = std::string(*s);
  } else if (auto* u = std::get_if<std::uint64_t>(&f->value)) {
    *out = std::to_string(*u);
  } else if (auto* i = std::get_if<std::int64_t>(&f->value)) {
    *out = std::to_string(*i);
  } else {
    *out = std::get<bool>(f->value) ? "true" : "false";
  }
  return true;
}

void RaftSafetyMonitor::observe(env::Nanos time, env::NodeId node, std::string_view kind,
                                std::initializer_list<env::TraceField> fields) {
  if (kind == "start" || kind == "crash") {
    nodes_[node] = NodeState{};  // a new incarnation: volatile state starts over
  } else if (kind == "node-start") {
    std::uint64_t before = nodes_[node].appliedBeforeStart;
    NodeState& s = nodes_[node] = NodeState{};
    s.started = true;
    traceField(fields, "applied", &s.lastApplied);
    traceField(fields, "commit", &s.commit);
    std::uint64_t snapshot = 0;
    if (before != 0 && traceField(fields, "snapshot", &snapshot) && before <= snapshot) {
      violate(time, "applied-index-monotonic", {node},
              fmt::format("n{} applied index {} again at its restart: the snapshot it restored, "
                          "at index {}, already holds it",
                          node, before, snapshot));
    }
  } else if (kind == "raft-state") {
    onRaftState(time, node, fields);
  } else if (kind == "apply") {
    onApply(time, node, fields);
  } else if (kind == "snapshot-restore") {
    std::uint64_t index = 0;
    if (!traceField(fields, "index", &index)) return;
    NodeState& s = nodes_[node];
    if (index < s.lastApplied) {
      violate(time, "applied-index-monotonic", {node},
              fmt::format("n{} restored a snapshot at index {} after applying index {}", node,
                          index, s.lastApplied));
    }
    s.lastApplied = index;
  }
}

void RaftSafetyMonitor::onRaftState(env::Nanos time, env::NodeId node,
                                    std::initializer_list<env::TraceField> fields) {
  std::uint64_t term = 0;
  std::string role;
  if (traceField(fields, "term", &term) && traceField(fields, "role", &role) &&
      role == "leader") {
    auto [it, inserted] = leaders_.emplace(term, node);
    if (!inserted && it->second != node) {
      violate(time, "election-safety", {it->second, node},
              fmt::format("n{} and n{} both became leader in term {}", it->second, node, term));
    }
  }
  std::uint64_t commit = 0;
  if (traceField(fields, "commit", &commit)) {
    NodeState& s = nodes_[node];
    // Raised while already leading in this term (the event that makes a member leader also
    // carries the commit index it reached as a follower).
    const bool leading = role == "leader" && s.ledTerm == term;
    s.ledTerm = role == "leader" ? term : 0;
    if (leading && commit > s.commit && s.started) {
      // The member traces the entries it applies before the state that committed them.
      if (s.lastApplied == commit) {
        checkLeaderCommit(time, node, term, commit, s.lastAppliedTerm);
      } else {
        s.leaderCommits[commit] = term;
      }
    }
    if (commit < s.commit) {
      violate(time, "commit-monotonic", {node},
              fmt::format("n{}'s commit index went from {} back to {}", node, s.commit, commit));
    }
    s.commit = std::max(s.commit, commit);
  }
}

void RaftSafetyMonitor::onApply(env::Nanos time, env::NodeId node,
                                std::initializer_list<env::TraceField> fields) {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::string hash;
  if (!traceField(fields, "index", &index)) return;
  traceField(fields, "term", &term);
  traceField(fields, "hash", &hash);
  ++applies_;
  NodeState& s = nodes_[node];
  if (!s.started && (s.appliedBeforeStart == 0 || index < s.appliedBeforeStart)) {
    s.appliedBeforeStart = index;
  }
  if (index <= s.lastApplied) {
    violate(time, "applied-index-monotonic", {node},
            fmt::format("n{} applied index {} after index {} in one incarnation", node, index,
                        s.lastApplied));
  }
  s.lastApplied = std::max(s.lastApplied, index);
  s.lastAppliedTerm = term;
  if (auto lc = s.leaderCommits.find(index); lc != s.leaderCommits.end()) {
    checkLeaderCommit(time, node, lc->second, index, term);
  }
  s.leaderCommits.erase(s.leaderCommits.begin(), s.leaderCommits.upper_bound(index));
  auto [it, inserted] = applied_.emplace(index, Applied{term, hash, node});
  const Applied& first = it->second;
  if (!inserted && (first.term != term || first.hash != hash)) {
    violate(time, "state-machine-safety", {first.node, node},
            fmt::format("at index {} n{} applied (term {}, hash {}) but n{} applied (term {}, "
                        "hash {})",
                        index, first.node, first.term, first.hash, node, term, hash));
  }
}

void RaftSafetyMonitor::checkLeaderCommit(env::Nanos time, env::NodeId node,
                                          std::uint64_t leaderTerm, std::uint64_t index,
                                          std::uint64_t entryTerm) {
  if (entryTerm == leaderTerm) return;
  violate(time, "leader-commit-rule", {node},
          fmt::format("n{} as leader of term {} committed index {}, an entry of term {}, by "
                      "counting replicas (Raft §5.4.2)",
                      node, leaderTerm, index, entryTerm));
}

void RaftSafetyMonitor::violate(env::Nanos time, std::string rule, std::vector<env::NodeId> nodes,
                                std::string message) {
  ++violationCount_;
  if (violations_.size() >= kMaxKept) return;
  violations_.push_back({time, std::move(rule), std::move(nodes), std::move(message)});
}

}  // namespace detcd::scenarios

#include "reports/RunModel.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

namespace detcd::reports {

namespace {

using nlohmann::json;

/// Calls `each(lineNumber, object)` for every non-blank line; errors name `file` and the line.
template <typename Each>
void forEachLine(std::string_view text, std::string_view file, Each&& each) {
  std::size_t lineNo = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++lineNo;
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const auto fail = [&](const std::string& what) {
      return std::invalid_argument(fmt::format("{} line {}: {}", file, lineNo, what));
    };
    json o;
    try {
      o = json::parse(line);
    } catch (const json::parse_error& e) {
      throw fail(std::string("not JSON: ") + e.what());
    }
    if (!o.is_object()) throw fail("not a JSON object");
    try {
      each(static_cast<std::int64_t>(lineNo), o);
    } catch (const std::invalid_argument& e) {
      throw fail(e.what());
    }
  }
}

std::uint64_t u64(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) throw std::invalid_argument(fmt::format("missing field \"{}\"", key));
  if (!it->is_number_integer()) {
    throw std::invalid_argument(fmt::format("field \"{}\" is not an integer", key));
  }
  return it->get<std::uint64_t>();
}

std::int64_t i64(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) throw std::invalid_argument(fmt::format("missing field \"{}\"", key));
  if (!it->is_number_integer()) {
    throw std::invalid_argument(fmt::format("field \"{}\" is not an integer", key));
  }
  return it->get<std::int64_t>();
}

std::string str(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) throw std::invalid_argument(fmt::format("missing field \"{}\"", key));
  if (!it->is_string()) {
    throw std::invalid_argument(fmt::format("field \"{}\" is not a string", key));
  }
  return it->get<std::string>();
}

/// A text field that may be absent ("" then).
std::string optStr(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

using MessageKey = std::tuple<std::uint64_t, std::uint64_t, std::string, std::uint64_t,
                              std::uint64_t, std::uint64_t, std::uint64_t, bool>;

MessageKey keyOf(const RaftMessage& m) {
  return {m.from, m.to, m.type, m.term, m.index, m.entries, m.commit, m.reject};
}

/// Reads the message fields shared by raft-send and raft-recv.
RaftMessage readMessage(const json& o) {
  RaftMessage m;
  m.type = str(o, "type");
  m.term = u64(o, "term");
  m.index = u64(o, "index");
  m.entries = u64(o, "entries");
  m.commit = u64(o, "commit");
  const auto it = o.find("reject");
  if (it == o.end() || !it->is_boolean()) {
    throw std::invalid_argument("missing or non-boolean field \"reject\"");
  }
  m.reject = it->get<bool>();
  return m;
}

/// Folds trace events into the model; keeps the per-member state needed to see changes.
class TraceFolder {
 public:
  explicit TraceFolder(RunModel& model) : model_(model) {
    for (std::uint64_t n : model_.nodes) nodes_.insert(n);
  }

  void fold(const json& o) {
    const std::int64_t t = i64(o, "t");
    const std::uint64_t node = u64(o, "node");
    const std::string kind = str(o, "kind");
    model_.endTime = std::max(model_.endTime, t);
    if (node != 0 && nodes_.insert(node).second) model_.nodes.push_back(node);
    RunSummary& s = model_.summary;
    if (kind == "crash" || kind == "disk-crash") {
      if (!inCrashRun_) {
        upBeforeCrashRun_.clear();
        for (const auto& [n, f] : model_.finals) upBeforeCrashRun_[n] = f.up;
      }
      inCrashRun_ = true;
    } else {
      inCrashRun_ = false;
    }
    if (kind == "raft-state") {
      raftState(t, node, o);
    } else if (kind == "apply") {
      NodeFinalState& f = model_.finals[node];
      f.applied = u64(o, "index");
      f.appliedHash = u64(o, "hash");
      ++s.applies;
    } else if (kind == "raft-send") {
      RaftMessage m = readMessage(o);
      m.sent = t;
      m.from = node;
      m.to = u64(o, "to");
      if (m.type == "MsgHeartbeat" || m.type == "MsgHeartbeatResp") ++s.heartbeatsTraced;
      pending_[keyOf(m)].push_back(model_.messages.size());
      model_.messages.push_back(std::move(m));
      ++s.raftSent;
    } else if (kind == "raft-recv") {
      RaftMessage m = readMessage(o);
      m.from = u64(o, "from");
      m.to = node;
      auto it = pending_.find(keyOf(m));
      if (it != pending_.end() && !it->second.empty()) {
        model_.messages[it->second.front()].received = t;
        it->second.pop_front();
      }
    } else if (kind == "send") {
      ++s.packetsSent;
    } else if (kind == "drop") {
      ++s.packetsDropped;
      ++s.dropReasons[optStr(o, "reason")];
    } else if (kind == "fsync" || kind == "fsync-dir") {
      ++s.fsyncs;
    } else if (kind == "fault") {
      ++s.faults;
      add(t, 0, LaneEventKind::kFault, str(o, "fault"));
    } else if (kind == "fault-skipped") {
      ++s.faultsSkipped;
      add(t, 0, LaneEventKind::kFault, "skipped: " + optStr(o, "fault"));
    } else if (kind == "crash") {
      model_.finals[node].up = false;
      add(t, node, LaneEventKind::kCrash, "crash");
    } else if (kind == "start") {
      model_.finals[node].up = true;
      add(t, node, LaneEventKind::kStart, "start");
    } else if (kind == "pause" || kind == "resume") {
      add(t, node, LaneEventKind::kPause, kind);
    } else if (kind == "disk-fault") {
      add(t, node, LaneEventKind::kDisk, "disk fault " + optStr(o, "fault"));
    } else if (kind == "snapshot-save" || kind == "snapshot-restore") {
      if (kind == "snapshot-save") ++s.snapshots;
      model_.finals[node].snapshotIndex = u64(o, "index");
      add(t, node, LaneEventKind::kSnapshot,
          fmt::format("{} {}", kind == "snapshot-save" ? "snapshot" : "restore",
                      u64(o, "index")));
    } else if (kind == "member-final") {
      memberFinal(node, o);
    } else if (kind == "node-stopped" || kind == "node-refused") {
      model_.finals[node].stopped = str(o, "reason");
      add(t, node, LaneEventKind::kStopped,
          (kind == "node-stopped" ? "stopped: " : "refused: ") + str(o, "reason"));
    }
  }

  void finish() {
    // The trace ends with the simulation's teardown, which crashes every host: a member's
    // final state is the one before that last run of crashes.
    if (inCrashRun_) {
      for (const auto& [n, up] : upBeforeCrashRun_) model_.finals[n].up = up;
    }
    std::sort(model_.nodes.begin(), model_.nodes.end());
    for (const RaftMessage& m : model_.messages) {
      if (m.received < 0) ++model_.summary.raftLost;
    }
  }

 private:
  void add(std::int64_t t, std::uint64_t node, LaneEventKind kind, std::string label) {
    model_.events.push_back({t, node, kind, std::move(label)});
  }

  /// The runner's record of a member's NodeStatus at the end of the run (scenarios/Run.cc).
  void memberFinal(std::uint64_t node, const json& o) {
    const auto it = o.find("live");
    if (it == o.end() || !it->is_boolean()) {
      throw std::invalid_argument("missing or non-boolean field \"live\"");
    }
    if (!it->get<bool>()) return;
    NodeFinalState& f = model_.finals[node];
    f.hasStatus = true;
    f.role = str(o, "role");
    f.term = u64(o, "term");
    f.leader = u64(o, "leader");
    f.commit = u64(o, "commit");
    f.applied = u64(o, "applied");
    f.snapshotIndex = u64(o, "snapshot");
    f.firstIndex = u64(o, "first");
    f.last = u64(o, "last");
    f.revision = i64(o, "revision");
    f.compactRevision = i64(o, "compact-revision");
    f.hashKv = static_cast<std::uint32_t>(u64(o, "hashkv"));
  }

  void raftState(std::int64_t t, std::uint64_t node, const json& o) {
    NodeFinalState& f = model_.finals[node];
    const std::string role = str(o, "role");
    const std::uint64_t term = u64(o, "term");
    const std::uint64_t commit = u64(o, "commit");
    const bool first = seen_.insert(node).second;
    if (first || role != f.role || term != f.term) {
      add(t, node, LaneEventKind::kRole, fmt::format("{} t{}", role, term));
      if (role == "candidate" && (first || f.role != "candidate" || term != f.term)) {
        ++model_.summary.elections;
      }
      if (role == "leader") model_.summary.leadersPerTerm[term].insert(node);
    }
    if (!first && commit > f.commit) {
      add(t, node, LaneEventKind::kCommit, fmt::format("commit {}", commit));
    }
    f.role = role;
    f.term = term;
    f.commit = commit;
    f.vote = u64(o, "vote");
    f.leader = u64(o, "leader");
    f.last = u64(o, "last");
  }

  RunModel& model_;
  std::set<std::uint64_t> nodes_;
  std::set<std::uint64_t> seen_;  ///< members with a raft-state so far
  std::map<MessageKey, std::deque<std::size_t>> pending_;  ///< unmatched sends, oldest first
  bool inCrashRun_ = false;  ///< the events since the last other kind are all crashes
  std::map<std::uint64_t, bool> upBeforeCrashRun_;
};

}  // namespace

void readTrace(std::string_view text, RunModel& model) {
  TraceFolder folder(model);
  forEachLine(text, "trace.jsonl", [&](std::int64_t, const json& o) { folder.fold(o); });
  folder.finish();
}

void readHistory(std::string_view text, RunModel& model) {
  std::map<std::uint64_t, std::size_t> open;  // client -> index of its outstanding op
  forEachLine(text, "history.jsonl", [&](std::int64_t line, const json& o) {
    const std::string type = str(o, "type");
    if (type == "watch" || type == "watch_response") return;
    const std::uint64_t client = u64(o, "client");
    const std::int64_t time = o.contains("time") ? i64(o, "time") : 0;
    model.endTime = std::max(model.endTime, time);
    if (type == "invoke") {
      if (open.count(client) != 0) {
        throw std::invalid_argument(
            fmt::format("client {} invokes while its previous request is outstanding", client));
      }
      ClientOp op;
      op.line = line;
      op.client = client;
      op.invoke = time;
      op.op = str(o, "op");
      op.key = optStr(o, "key");
      open[client] = model.ops.size();
      model.ops.push_back(std::move(op));
      return;
    }
    Outcome outcome;
    if (type == "ok") {
      outcome = Outcome::kOk;
    } else if (type == "fail") {
      outcome = Outcome::kFailed;
    } else if (type == "info") {
      outcome = Outcome::kUnknown;
    } else {
      throw std::invalid_argument(fmt::format("unknown type \"{}\"", type));
    }
    const auto it = open.find(client);
    if (it == open.end()) {
      throw std::invalid_argument(
          fmt::format("a {} completion of client {} without an invocation", type, client));
    }
    ClientOp& op = model.ops[it->second];
    if (time < op.invoke) throw std::invalid_argument("a completion before its invocation");
    op.complete = time;
    op.outcome = outcome;
    op.error = optStr(o, "error");
    open.erase(it);
  });
}

void readChecks(std::string_view text, RunModel& model) {
  const auto fail = [](const std::string& what) {
    return std::invalid_argument("checks.json: " + what);
  };
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw fail(std::string("not JSON: ") + e.what());
  }
  const auto checks = doc.find("checks");
  if (!doc.is_object() || checks == doc.end() || !checks->is_array()) {
    throw fail("not an object with an array \"checks\"");
  }
  std::map<std::int64_t, std::size_t> byLine;  // invocation line -> index into model.ops
  for (std::size_t i = 0; i < model.ops.size(); ++i) byLine[model.ops[i].line] = i;
  for (const json& check : *checks) {
    const auto v = check.is_object() ? check.find("violation") : check.end();
    if (!check.is_object() || v == check.end()) continue;
    try {
      const auto opAt = [&byLine](const json& ref) {
        if (!ref.is_object()) throw std::invalid_argument("an operation is not an object");
        const std::int64_t line = i64(ref, "line");
        const auto it = byLine.find(line);
        if (it == byLine.end()) {
          throw std::invalid_argument(
              fmt::format("history line {} is no invocation in history.jsonl", line));
        }
        return it->second;
      };
      const auto opsAt = [&opAt](const json& refs) {
        if (!refs.is_array()) throw std::invalid_argument("prefix or window is not an array");
        std::vector<std::size_t> out;
        for (const json& r : refs) out.push_back(opAt(r));
        return out;
      };
      ViolationMarks marks;
      marks.group = str(*v, "group");
      marks.prefix = opsAt(v->at("prefix"));
      marks.window = opsAt(v->at("window"));
      const auto culprit = v->find("culprit");
      if (culprit != v->end() && !culprit->is_null()) marks.culprit = opAt(*culprit);
      marks.windowMinimal = v->value("windowMinimal", true);
      marks.partial = v->value("partial", false);
      model.violation = std::move(marks);
      return;
    } catch (const json::exception& e) {
      throw fail(fmt::format("check \"{}\": {}", check.value("name", "?"), e.what()));
    } catch (const std::invalid_argument& e) {
      throw fail(fmt::format("check \"{}\": {}", check.value("name", "?"), e.what()));
    }
  }
}

}  // namespace detcd::reports

#include "raft/tests/ScriptEnv.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "raft/Describe.h"

namespace detcd::raft::testing {

Command parseCommand(const std::string& line, int lineNo) {
  Command c;
  c.line = lineNo;
  std::istringstream in(line);
  std::string tok;
  in >> c.name;
  while (in >> tok) {
    auto eq = tok.find('=');
    if (eq == std::string::npos) {
      c.args.push_back(tok);
    } else {
      c.kv[tok.substr(0, eq)] = tok.substr(eq + 1);
    }
  }
  return c;
}

namespace {

std::vector<std::uint64_t> parseList(const std::string& s) {
  // "(1,2,3)" or "1"
  std::vector<std::uint64_t> v;
  std::string body = s;
  if (!body.empty() && body.front() == '(') body = body.substr(1);
  if (!body.empty() && body.back() == ')') body.pop_back();
  std::istringstream in(body);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (part.empty()) continue;
    v.push_back(std::stoull(part));
  }
  return v;
}

bool flag(const Command& c, const std::string& key) {
  auto it = c.kv.find(key);
  return it != c.kv.end() && it->second == "true";
}

raftpb::ConfChangeV2 parseConfChange(const Command& c) {
  // propose-conf-change ID [transition=auto|implicit|explicit] v2 l3 r4 u5
  raftpb::ConfChangeV2 cc;
  auto t = c.kv.find("transition");
  if (t != c.kv.end()) {
    if (t->second == "implicit") {
      cc.set_transition(raftpb::ConfChangeTransitionJointImplicit);
    } else if (t->second == "explicit") {
      cc.set_transition(raftpb::ConfChangeTransitionJointExplicit);
    } else if (t->second != "auto") {
      throw std::invalid_argument("unknown transition " + t->second);
    }
  }
  for (std::size_t i = 1; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    if (a.size() < 2) throw std::invalid_argument("bad conf change " + a);
    auto* s = cc.add_changes();
    switch (a[0]) {
      case 'v':
        s->set_type(raftpb::ConfChangeAddNode);
        break;
      case 'l':
        s->set_type(raftpb::ConfChangeAddLearnerNode);
        break;
      case 'r':
        s->set_type(raftpb::ConfChangeRemoveNode);
        break;
      case 'u':
        s->set_type(raftpb::ConfChangeUpdateNode);
        break;
      default:
        throw std::invalid_argument("bad conf change kind in " + a + " (want v/l/r/u)");
    }
    s->set_node_id(std::stoull(a.substr(1)));
  }
  return cc;
}

}  // namespace

std::uint64_t ScriptEnv::parseId(const std::string& s) const {
  std::uint64_t id = std::stoull(s);
  if (nodes_.count(id) == 0) throw std::invalid_argument("unknown node " + s);
  return id;
}

NodeDriver& ScriptEnv::node(const std::string& id) { return *nodes_.at(parseId(id)); }

std::vector<std::uint64_t> ScriptEnv::idsArg(const Command& c, bool allIfEmpty) const {
  std::vector<std::uint64_t> ids;
  for (const auto& a : c.args) ids.push_back(parseId(a));
  if (ids.empty() && allIfEmpty) {
    for (const auto& [id, n] : nodes_) ids.push_back(id);
  }
  return ids;
}

bool ScriptEnv::cut(std::uint64_t from, std::uint64_t to) const {
  return isolated_.count(from) != 0 || isolated_.count(to) != 0;
}

void ScriptEnv::queue(const std::vector<raftpb::Message>& msgs) {
  for (const auto& m : msgs) {
    if (!cut(m.from(), m.to())) inbox_[m.to()].push_back(m);
  }
}

std::string ScriptEnv::run(const Command& c) {
  out_.clear();
  const std::string& n = c.name;
  auto need = [&](std::size_t k) {
    if (c.args.size() < k) {
      throw std::invalid_argument(fmt::format("line {}: {} needs {} argument(s)", c.line, n, k));
    }
  };
  if (n == "add-nodes") {
    addNodes(c);
  } else if (n == "campaign") {
    need(1);
    NodeDriver& d = node(c.args[0]);
    Error e = d.node().campaign();
    d.observe();
    if (e != Error::None) out(std::string(errorName(e)));
  } else if (n == "propose") {
    need(2);
    Error e = node(c.args[0]).propose(c.args[1]);
    if (e != Error::None) out(std::string(errorName(e)));
  } else if (n == "propose-conf-change") {
    need(1);
    Error e = node(c.args[0]).proposeConfChange(parseConfChange(c));
    if (e != Error::None) out(std::string(errorName(e)));
  } else if (n == "tick") {
    need(1);
    int times = c.args.size() > 1 ? std::stoi(c.args[1]) : 1;
    for (int i = 0; i < times; ++i) node(c.args[0]).tick();
  } else if (n == "tick-election") {
    // Ticks until a follower's randomized election timeout fires (or one electionTick on a
    // leader), whatever the jitter drew.
    need(1);
    NodeDriver& d = node(c.args[0]);
    const Raft& r = d.node().raft();
    int times = r.state() == StateType::Leader
                    ? r.electionTimeout() - r.electionElapsed()
                    : r.randomizedElectionTimeout() - r.electionElapsed();
    for (int i = 0; i < times; ++i) d.tick();
  } else if (n == "tick-heartbeat") {
    need(1);
    node(c.args[0]).tick();
  } else if (n == "process-ready") {
    for (auto id : idsArg(c, true)) processReady(id);
  } else if (n == "deliver-msgs") {
    for (auto id : idsArg(c, true)) deliver(id);
  } else if (n == "drop-msgs") {
    // drop-msgs [from=ID] [to=ID]: drop queued messages matching both filters.
    std::uint64_t from = c.kv.count("from") ? std::stoull(c.kv.at("from")) : 0;
    std::uint64_t to = c.kv.count("to") ? std::stoull(c.kv.at("to")) : 0;
    for (auto& [rcpt, q] : inbox_) {
      std::deque<raftpb::Message> keep;
      for (auto& m : q) {
        if ((from == 0 || m.from() == from) && (to == 0 || m.to() == to)) {
          out("dropped: " + describeMessage(m));
        } else {
          keep.push_back(std::move(m));
        }
      }
      q = std::move(keep);
    }
  } else if (n == "stabilize") {
    stabilize(c);
  } else if (n == "isolate") {
    need(1);
    isolated_.insert(parseId(c.args[0]));
  } else if (n == "heal") {
    isolated_.clear();
  } else if (n == "transfer-leadership") {
    if (!c.kv.count("from") || !c.kv.count("to")) {
      throw std::invalid_argument("transfer-leadership needs from=ID to=ID");
    }
    NodeDriver& d = node(c.kv.at("from"));
    d.node().transferLeader(parseId(c.kv.at("to")));
    d.observe();
  } else if (n == "read-index") {
    need(2);
    NodeDriver& d = node(c.args[0]);
    d.node().readIndex(c.args[1]);
    d.observe();
  } else if (n == "compact") {
    need(2);
    NodeDriver& d = node(c.args[0]);
    d.compact(std::stoull(c.args[1]));
    printLog(d.id());
  } else if (n == "report-snapshot") {
    // report-snapshot LEADER PEER ok|failure: the transport's verdict on a snapshot send.
    need(3);
    if (c.args[2] != "ok" && c.args[2] != "failure") {
      throw std::invalid_argument("report-snapshot: status must be ok or failure, got " +
                                  c.args[2]);
    }
    NodeDriver& d = node(c.args[0]);
    d.node().reportSnapshot(parseId(c.args[1]),
                            c.args[2] == "ok" ? SnapshotStatus::Finish : SnapshotStatus::Failure);
    d.observe();
  } else if (n == "report-unreachable") {
    need(2);
    node(c.args[0]).node().reportUnreachable(parseId(c.args[1]));
  } else if (n == "crash") {
    need(1);
    node(c.args[0]).crash();
  } else if (n == "restart") {
    need(1);
    node(c.args[0]).restart();
    printState();
  } else if (n == "raft-log") {
    need(1);
    printLog(parseId(c.args[0]));
  } else if (n == "raft-state") {
    printState();
  } else if (n == "status") {
    need(1);
    out(node(c.args[0]).node().status().describe());
  } else {
    throw std::invalid_argument(fmt::format("line {}: unknown command '{}'", c.line, n));
  }
  if (out_.empty()) out_ = "ok\n";
  return out_;
}

void ScriptEnv::addNodes(const Command& c) {
  // add-nodes N voters=(1,2,3) [learners=(4)] [index=K] [prevote=true] [checkquorum=true]
  //   [lease=true] [disable-forwarding=true] [max-inflight=N] [max-size-per-msg=B]
  //   [max-uncommitted-size=B] [election=T] [heartbeat=T]
  if (c.args.empty()) throw std::invalid_argument("add-nodes needs a count");
  int count = std::stoi(c.args[0]);
  raftpb::ConfState cs;
  if (c.kv.count("voters")) {
    for (auto id : parseList(c.kv.at("voters"))) cs.add_voters(id);
  }
  if (c.kv.count("learners")) {
    for (auto id : parseList(c.kv.at("learners"))) cs.add_learners(id);
  }
  std::uint64_t index = c.kv.count("index") ? std::stoull(c.kv.at("index")) : 0;
  Config cfg;
  cfg.electionTick = c.kv.count("election") ? std::stoi(c.kv.at("election")) : 10;
  cfg.heartbeatTick = c.kv.count("heartbeat") ? std::stoi(c.kv.at("heartbeat")) : 1;
  cfg.preVote = flag(c, "prevote");
  cfg.checkQuorum = flag(c, "checkquorum");
  if (flag(c, "lease")) cfg.readOnlyOption = ReadOnlyOption::LeaseBased;
  cfg.disableProposalForwarding = flag(c, "disable-forwarding");
  if (c.kv.count("max-inflight")) cfg.maxInflightMsgs = std::stoul(c.kv.at("max-inflight"));
  if (c.kv.count("max-size-per-msg")) cfg.maxSizePerMsg = std::stoull(c.kv.at("max-size-per-msg"));
  if (c.kv.count("max-uncommitted-size")) {
    cfg.maxUncommittedEntriesSize = std::stoull(c.kv.at("max-uncommitted-size"));
  }
  std::uint64_t first = nodes_.empty() ? 1 : nodes_.rbegin()->first + 1;
  for (int i = 0; i < count; ++i) {
    std::uint64_t id = first + static_cast<std::uint64_t>(i);
    cfg.randomSeed = id;
    nodes_[id] = std::make_unique<NodeDriver>(id, cfg, cs, index, &invariants_);
    const Raft& r = nodes_[id]->node().raft();
    out(fmt::format("node {}: term={} commit={} applied={} lastindex={} lastterm={} {}", id,
                    r.term(), r.log().committed(), r.log().applied(), r.log().lastIndex(),
                    r.log().lastTerm(), r.tracker().config.describe()));
  }
}

void ScriptEnv::processReady(std::uint64_t id) {
  NodeDriver& d = *nodes_.at(id);
  if (!d.up()) return;
  auto rep = d.handleReady();
  if (!rep) return;
  const Ready& rd = rep->ready;
  out(fmt::format("> {} handling Ready", id));
  if (rd.softState) {
    out(fmt::format("  Lead:{} State:{}", rd.softState->lead, stateName(rd.softState->raftState)));
  }
  if (rd.hardState) out("  " + describeHardState(*rd.hardState));
  if (rd.snapshot) out("  Snapshot " + describeSnapshot(*rd.snapshot));
  if (!rd.entries.empty()) out("  Entries: " + describeEntries(rd.entries));
  if (!rd.committedEntries.empty()) out("  Committed: " + describeEntries(rd.committedEntries));
  for (const auto& rs : rd.readStates) {
    out(fmt::format("  ReadState Index:{} Ctx:{}", rs.index, rs.requestCtx));
  }
  for (const auto& m : rep->messages) {
    out("  send " + describeMessage(m) + (cut(m.from(), m.to()) ? " (dropped)" : ""));
  }
  bool confChanged = std::any_of(rd.committedEntries.begin(), rd.committedEntries.end(),
                                 [](const auto& e) { return e.type() != raftpb::EntryNormal; });
  if (confChanged) out("  applied conf change, now " + describeConfState(d.confState()));
  queue(rep->messages);
}

bool ScriptEnv::deliver(std::uint64_t to) {
  auto& q = inbox_[to];
  if (q.empty()) return false;
  std::deque<raftpb::Message> msgs = std::move(q);
  q.clear();
  NodeDriver& d = *nodes_.at(to);
  for (const auto& m : msgs) {
    if (cut(m.from(), to) || !d.up()) {
      out("  dropped: " + describeMessage(m));
      continue;
    }
    out("  recv " + describeMessage(m));
    Error e = d.step(m);
    if (e != Error::None) out(fmt::format("  step error: {}", errorName(e)));
  }
  return true;
}

void ScriptEnv::stabilize(const Command& c) {
  auto ids = idsArg(c, true);
  for (int round = 0; round < 1000; ++round) {
    bool progressed = false;
    for (auto id : ids) {
      if (nodes_.at(id)->up() && nodes_.at(id)->node().hasReady()) {
        processReady(id);
        progressed = true;
      }
    }
    for (auto id : ids) {
      if (!inbox_[id].empty()) {
        out(fmt::format("> {} receiving messages", id));
        deliver(id);
        progressed = true;
      }
    }
    if (!progressed) return;
  }
  throw std::runtime_error("stabilize: no quiescence after 1000 rounds");
}

void ScriptEnv::printState() {
  for (const auto& [id, d] : nodes_) {
    if (!d->up()) {
      out(fmt::format("{}: down", id));
      continue;
    }
    const Raft& r = d->node().raft();
    out(fmt::format("{}: {} term={} lead={} commit={} applied={} lastindex={}{}", id,
                    stateName(r.state()), r.term(), r.lead(), r.log().committed(),
                    r.log().applied(), r.log().lastIndex(),
                    isolated_.count(id) ? " (isolated)" : ""));
  }
}

void ScriptEnv::printLog(std::uint64_t id) {
  NodeDriver& d = *nodes_.at(id);
  const Raft& r = d.node().raft();
  auto ents = r.log().allEntries();
  out(fmt::format("log of {}: first={} last={} commit={} applied={}", id, r.log().firstIndex(),
                  r.log().lastIndex(), r.log().committed(), r.log().applied()));
  for (const auto& e : ents) out("  " + describeEntry(e));
}

}  // namespace detcd::raft::testing

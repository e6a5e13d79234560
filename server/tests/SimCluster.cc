#include "server/tests/SimCluster.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <variant>

namespace detcd::server::testing {

class SimCluster::NodeProcess final : public sim::Process {
 public:
  NodeProcess(env::Env& env, const NodeConfig& config) : node(env, config) {}
  Node node;
};

SimCluster::SimCluster(std::uint64_t seed, std::size_t members, NodeConfig base, bool buggify)
    : sim_(seed, buggify ? sim::SimulationOptions{} : sim::SimulationOptions{0.0, 0.0}) {
  std::vector<InitialMember> initial;
  for (std::uint64_t id = 1; id <= members; ++id) {
    initial.push_back({id, fmt::format("n{}", id), ""});
  }
  for (std::uint64_t id = 1; id <= members; ++id) {
    NodeConfig c = base;
    // 64 MiB preallocated segments cost the simulated disk real memory copies: tests that do
    // not care use 64 KiB.
    if (c.walSegmentBytes == NodeConfig{}.walSegmentBytes) c.walSegmentBytes = 64 << 10;
    c.id = id;
    c.name = fmt::format("n{}", id);
    c.initialCluster = initial;
    configs_[id] = c;
    sim_.addHost(id, [this, id](env::Env& env) {
      return std::make_unique<NodeProcess>(env, configs_.at(id));
    });
  }
  // DETCD_SERVER_TRACE=1 prints every trace event of the run (JSON lines) to stderr.
  if (std::getenv("DETCD_SERVER_TRACE") != nullptr) sim_.trace().writeTo(&std::cerr);
  sim_.trace().setObserver([this](env::Nanos, env::NodeId node, std::string_view kind,
                                  std::initializer_list<env::TraceField> fields) {
    auto kindIt = counts_.find(kind);
    if (kindIt == counts_.end()) kindIt = counts_.try_emplace(std::string(kind)).first;
    ++kindIt->second[node];
    const auto u64 = [&](std::string_view key) -> std::uint64_t {
      for (const auto& f : fields) {
        if (f.key == key) {
          if (const auto* v = std::get_if<std::uint64_t>(&f.value)) return *v;
        }
      }
      return 0;
    };
    if (kind == "node-start") lastApplied_[node] = u64("applied");
    if (kind == "snapshot-restore") lastApplied_[node] = u64("index");
    if (kind == "apply") {
      const std::uint64_t index = u64("index"), hash = u64("hash");
      if (index != lastApplied_[node] + 1) {
        applyViolations_.push_back(fmt::format("member {} applied index {} after {}", node,
                                               index, lastApplied_[node]));
      }
      lastApplied_[node] = index;
      auto [it, fresh] = appliedHash_.emplace(index, hash);
      if (!fresh && it->second != hash) {
        applyViolations_.push_back(
            fmt::format("member {} applied another entry at index {}", node, index));
      }
    }
    for (const auto& f : fields) {
      if (const auto* s = std::get_if<std::string_view>(&f.value)) {
        lastStrings_[{node, std::string(kind) + "." + std::string(f.key)}] = std::string(*s);
      }
    }
  });
}

SimCluster::~SimCluster() {
  sim_.trace().setObserver({});
  if (!tolerateApplyViolations_ && !applyViolations_.empty()) {
    ADD_FAILURE() << "seed " << sim_.seed() << ": " << applyViolations_.front();
  }
}

std::vector<std::uint64_t> SimCluster::ids() const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, c] : configs_) out.push_back(id);
  return out;
}

void SimCluster::startAll() {
  for (auto id : ids()) sim_.host(id).start();
}

void SimCluster::startJoining(std::uint64_t id, const std::function<void(NodeConfig&)>& adjust) {
  NodeConfig c = configs_.begin()->second;
  c.id = id;
  c.name = fmt::format("n{}", id);
  c.join = true;
  if (adjust) adjust(c);
  configs_[id] = c;
  sim_.addHost(id, [this, id](env::Env& env) {
    return std::make_unique<NodeProcess>(env, configs_.at(id));
  });
  sim_.host(id).start();
}

Node* SimCluster::node(std::uint64_t id) {
  auto* p = dynamic_cast<NodeProcess*>(sim_.host(id).process());
  return p ? &p->node : nullptr;
}

bool SimCluster::call(std::uint64_t id, const std::function<void(Node&)>& fn) {
  sim::Host& h = sim_.host(id);
  for (int attempt = 0; attempt < 10'000; ++attempt) {
    switch (h.loop().admit(h.incarnation())) {
      case sim::NodeLoop::Admission::kRun:
        h.loop().runHandler([&] { fn(*node(id)); });
        return true;
      case sim::NodeLoop::Admission::kDrop:
        return false;
      case sim::NodeLoop::Admission::kWait:
        run(std::chrono::milliseconds(1));
        break;
    }
  }
  return false;
}

std::uint64_t SimCluster::leader() {
  std::uint64_t best = 0, term = 0;
  for (auto id : ids()) {
    Node* n = node(id);
    if (n == nullptr || n->stopped()) continue;
    NodeStatus s = n->status();
    if (s.role == "leader" && s.term >= term) {
      best = id;
      term = s.term;
    }
  }
  return best;
}

std::uint64_t SimCluster::waitForLeader(env::Nanos timeout) {
  // Also until every running member knows it, so that requests to any member can proceed.
  runUntil(
      [&] {
        const std::uint64_t l = leader();
        if (l == 0) return false;
        const NodeStatus ls = node(l)->status();
        for (auto id : ids()) {
          Node* n = node(id);
          if (n == nullptr || n->stopped() || !inConfiguration(ls, id)) continue;
          if (n->status().leader != l) return false;
        }
        return true;
      },
      timeout);
  return leader();
}

bool SimCluster::inConfiguration(const NodeStatus& s, std::uint64_t id) {
  const auto has = [id](const std::vector<std::uint64_t>& v) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  return has(s.voters) || has(s.learners);
}

bool SimCluster::waitConverged(env::Nanos timeout) {
  return runUntil(
      [&] {
        const std::uint64_t l = leader();
        if (l == 0) return false;
        // The leader committed all it has (its own term's entry included) ...
        const NodeStatus ls = node(l)->status();
        if (ls.commitIndex != ls.lastIndex) return false;
        const std::uint64_t commit = ls.commitIndex;
        for (auto id : ids()) {
          Node* n = node(id);
          if (n == nullptr || n->stopped() || !inConfiguration(ls, id)) continue;
          if (n->status().appliedIndex != commit) return false;
        }
        return true;
      },
      timeout);
}

Outcome<etcdserverpb::PutResponse> SimCluster::put(std::uint64_t id, const std::string& key,
                                                   const std::string& value, std::int64_t lease) {
  etcdserverpb::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  req.set_lease(lease);
  return request<etcdserverpb::PutResponse>(
      id, [&](Node& n, Node::Callback<etcdserverpb::PutResponse> cb) { n.put(req, cb); });
}

Outcome<etcdserverpb::RangeResponse> SimCluster::get(std::uint64_t id, const std::string& key,
                                                     bool serializable) {
  etcdserverpb::RangeRequest req;
  req.set_key(key);
  req.set_serializable(serializable);
  return request<etcdserverpb::RangeResponse>(
      id, [&](Node& n, Node::Callback<etcdserverpb::RangeResponse> cb) { n.range(req, cb); });
}

std::uint64_t SimCluster::events(const std::string& kind, std::uint64_t id) const {
  auto it = counts_.find(kind);
  if (it == counts_.end()) return 0;
  std::uint64_t total = 0;
  for (const auto& [member, n] : it->second) {
    if (id == 0 || member == id) total += n;
  }
  return total;
}

std::string SimCluster::lastField(const std::string& kind, const std::string& field,
                                  std::uint64_t id) const {
  auto it = lastStrings_.find({id, kind + "." + field});
  return it == lastStrings_.end() ? std::string() : it->second;
}

}  // namespace detcd::server::testing

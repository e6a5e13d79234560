#include "sim/Network.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

namespace detcd::sim {

namespace partitions {

Cut groups(const std::vector<std::vector<NodeId>>& groups) {
  Cut cut;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    for (std::size_t j = 0; j < groups.size(); ++j) {
      if (i == j) continue;
      for (NodeId a : groups[i]) {
        for (NodeId b : groups[j]) cut.insert({a, b});
      }
    }
  }
  return cut;
}

Cut isolate(const std::vector<NodeId>& nodes, NodeId node) {
  std::vector<NodeId> rest;
  for (NodeId n : nodes) {
    if (n != node) rest.push_back(n);
  }
  return groups({{node}, rest});
}

Cut oneWay(const std::vector<NodeId>& from, const std::vector<NodeId>& to) {
  Cut cut;
  for (NodeId a : from) {
    for (NodeId b : to) {
      if (a != b) cut.insert({a, b});
    }
  }
  return cut;
}

namespace {
/// A deterministic shuffle (Fisher-Yates with our own Rng).
std::vector<NodeId> shuffled(std::vector<NodeId> nodes, Rng& rng) {
  for (std::size_t i = nodes.size(); i > 1; --i) std::swap(nodes[i - 1], nodes[rng.below(i)]);
  return nodes;
}
}  // namespace

Cut majorityMinority(const std::vector<NodeId>& nodes, Rng& rng) {
  const auto order = shuffled(nodes, rng);
  const std::size_t minority = (nodes.size() - 1) / 2;
  return groups({{order.begin(), order.begin() + static_cast<std::ptrdiff_t>(minority)},
                 {order.begin() + static_cast<std::ptrdiff_t>(minority), order.end()}});
}

Cut bridge(const std::vector<NodeId>& nodes, Rng& rng) {
  assert(nodes.size() >= 3);
  const auto order = shuffled(nodes, rng);
  // order.front() is the bridge: in no group, it keeps talking to both halves.
  const std::size_t half = (order.size() - 1) / 2;
  std::vector<NodeId> left(order.begin() + 1, order.begin() + 1 + static_cast<std::ptrdiff_t>(half));
  std::vector<NodeId> right(order.begin() + 1 + static_cast<std::ptrdiff_t>(half), order.end());
  return groups({left, right});
}

Cut ring(const std::vector<NodeId>& nodes) {
  Cut cut;
  const std::size_t n = nodes.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t distance = std::min((i + n - j) % n, (j + n - i) % n);
      if (distance > 1) cut.insert({nodes[i], nodes[j]});
    }
  }
  return cut;
}

}  // namespace partitions

Network::Network(Scheduler& scheduler, Trace& trace, Rng rng)
    : scheduler_(scheduler), trace_(trace), rng_(rng) {}

const LinkConfig& Network::link(NodeId from, NodeId to) const {
  auto it = links_.find({from, to});
  return it == links_.end() ? default_ : it->second;
}

void Network::drop(NodeId from, NodeId to, std::size_t bytes, std::string_view reason) {
  ++stats_.dropped;
  trace_.record(scheduler_.now(), from, "drop",
                {{"to", to}, {"bytes", std::uint64_t{bytes}}, {"reason", reason}});
}

void Network::send(NodeId from, NodeId to, std::string payload, env::Nanos departAt) {
  ++stats_.sent;
  trace_.record(departAt, from, "send", {{"to", to}, {"bytes", std::uint64_t{payload.size()}}});
  if (isCut(from, to)) return drop(from, to, payload.size(), "partition");
  const LinkConfig& config = link(from, to);
  if (rng_.chance(config.loss)) return drop(from, to, payload.size(), "loss");
  LinkState& state = state_[{from, to}];
  if (state.inFlight >= config.maxInFlight) return drop(from, to, payload.size(), "queue-full");
  const bool duplicate = rng_.chance(config.duplicate);
  const bool ordered = !rng_.chance(config.reorder);
  if (duplicate) {
    ++stats_.duplicated;
    schedule(from, to, config, state, payload, departAt, ordered);
    schedule(from, to, config, state, std::move(payload), departAt, false);
  } else {
    schedule(from, to, config, state, std::move(payload), departAt, ordered);
  }
}

void Network::schedule(NodeId from, NodeId to, const LinkConfig& config, LinkState& state,
                       std::string payload, env::Nanos departAt, bool ordered) {
  env::Nanos due = std::max(departAt, scheduler_.now()) + config.latency.sample(rng_) + state.clog;
  if (ordered) {
    due = std::max(due, state.lastDue);
    state.lastDue = due;
  }
  ++state.inFlight;
  // std::map nodes never move, so the link's state can be held by address until delivery.
  scheduler_.at(due, [this, from, to, link = &state, p = std::move(payload)]() mutable {
    --link->inFlight;
    if (isCut(from, to)) return drop(from, to, p.size(), "partition");
    ++stats_.delivered;
    if (deliver_) deliver_(from, to, std::move(p));
  });
}

void Network::partition(const Cut& cut, std::string_view name) {
  std::string links;
  for (const auto& [from, to] : cut) {
    cut_.insert({from, to});
    links += fmt::format("{}{}>{}", links.empty() ? "" : " ", from, to);
  }
  trace_.record(scheduler_.now(), 0, name, {{"links", std::string_view(links)}});
}

void Network::restore(NodeId from, NodeId to) {
  cut_.erase({from, to});
  trace_.record(scheduler_.now(), 0, "restore-link", {{"from", from}, {"to", to}});
}

void Network::clog(NodeId from, NodeId to, env::Nanos extra) {
  state_[{from, to}].clog = extra;
  trace_.record(scheduler_.now(), 0, "clog",
                {{"from", from}, {"to", to}, {"extra_ns", std::int64_t{extra.count()}}});
}

void Network::unclog(NodeId from, NodeId to) {
  state_[{from, to}].clog = env::Nanos{0};
  trace_.record(scheduler_.now(), 0, "unclog", {{"from", from}, {"to", to}});
}

void Network::heal() {
  cut_.clear();
  for (auto& [link, state] : state_) state.clog = env::Nanos{0};
  trace_.record(scheduler_.now(), 0, "heal");
}

}  // namespace detcd::sim

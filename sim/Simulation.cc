#include "sim/Simulation.h"

#include <cassert>

namespace detcd::sim {

Simulation::Simulation(std::uint64_t seed, const SimulationOptions& options)
    : seeds_(seed),
      network_(scheduler_, trace_, seeds_.stream("network")),
      buggify_(seeds_, trace_, options.buggifyEnabledFraction, options.buggifyFireProbability) {
  network_.setDeliverHook([this](env::NodeId from, env::NodeId to, std::string payload) {
    auto it = hosts_.find(to);
    if (it == hosts_.end()) {
      trace_.record(scheduler_.now(), from, "drop",
                    {{"to", to}, {"bytes", std::uint64_t{payload.size()}},
                     {"reason", "no-such-node"}});
      return;
    }
    it->second->deliver(from, std::move(payload));
  });
}

Simulation::~Simulation() {
  // Processes go first: they hold references into their hosts' seams.
  for (auto& [id, host] : hosts_) {
    if (host->state() != NodeState::kDown) host->crash();
  }
}

Host& Simulation::addHost(env::NodeId id, ProcessFactory factory, const HostOptions& options) {
  assert(hosts_.count(id) == 0);
  HostContext context{scheduler_, network_, trace_, buggify_, seeds_};
  auto it = hosts_.emplace(id, std::make_unique<Host>(context, id, std::move(factory), options));
  return *it.first->second;
}

Host& Simulation::host(env::NodeId id) {
  auto it = hosts_.find(id);
  assert(it != hosts_.end());
  return *it->second;
}

std::vector<env::NodeId> Simulation::hostIds() const {
  std::vector<env::NodeId> ids;
  for (const auto& [id, host] : hosts_) ids.push_back(id);
  return ids;
}

void Simulation::at(env::Nanos when, std::string kind, std::function<void()> action) {
  scheduler_.at(when, [this, kind = std::move(kind), action = std::move(action)] {
    trace_.record(scheduler_.now(), 0, kind);
    action();
  });
}

}  // namespace detcd::sim

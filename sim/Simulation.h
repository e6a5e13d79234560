#pragma once
// A whole simulated run: one seed, one scheduler, one network, machines, a trace.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/Buggify.h"
#include "sim/Host.h"
#include "sim/Network.h"
#include "sim/Rng.h"
#include "sim/Scheduler.h"
#include "sim/Trace.h"

namespace detcd::sim {

/// Tuning of a run that is not drawn from the seed.
struct SimulationOptions {
  double buggifyEnabledFraction = 0.25;  ///< 0 turns buggify off
  double buggifyFireProbability = 0.25;
};

/// Everything of one simulated run, driven by one seed (FoundationDB's rule). Named random
/// streams: "network" for the network, "disk/<id>" per disk, "buggify/<point>" per buggify
/// point, "node/<id>/incarnation/<n>" for each process's own seed, "faults" for drawn faults;
/// components built on top take further named streams from seeds().
///
/// Hosts are kept by id in an ordered map, so iterating them is deterministic.
class Simulation {
 public:
  explicit Simulation(std::uint64_t seed, const SimulationOptions& options = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  std::uint64_t seed() const { return seeds_.rootSeed(); }
  const SeedTree& seeds() const { return seeds_; }
  Scheduler& scheduler() { return scheduler_; }
  Network& network() { return network_; }
  Trace& trace() { return trace_; }
  SeededBuggify& buggify() { return buggify_; }
  env::Nanos now() const { return scheduler_.now(); }

  /// Adds a machine (down until started). Ids must be unique and non-zero.
  Host& addHost(env::NodeId id, ProcessFactory factory, const HostOptions& options = {});
  Host& host(env::NodeId id);
  const std::map<env::NodeId, std::unique_ptr<Host>>& hosts() const { return hosts_; }
  /// Ids of every host, ascending.
  std::vector<env::NodeId> hostIds() const;

  /// Schedules a simulator-level action (a fault, a check) at absolute virtual time `when`,
  /// traced as `kind` of node 0 when it runs.
  void at(env::Nanos when, std::string kind, std::function<void()> action);

  /// Runs until virtual time `deadline`.
  void runUntil(env::Nanos deadline) { scheduler_.runUntil(deadline); }
  /// Runs until `done()` or `deadline`; returns whether `done()` became true.
  bool runUntil(const std::function<bool()>& done, env::Nanos deadline) {
    return scheduler_.runUntil(done, deadline);
  }

 private:
  SeedTree seeds_;
  Scheduler scheduler_;
  Trace trace_;
  Network network_;
  SeededBuggify buggify_;
  std::map<env::NodeId, std::unique_ptr<Host>> hosts_;
};

}  // namespace detcd::sim

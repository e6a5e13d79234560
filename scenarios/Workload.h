#pragma once
// The whole workload of a run: the scenario's clients and watchers, built from the run's seed.

#include <cstdint>
#include <memory>
#include <vector>

#include "scenarios/Client.h"
#include "scenarios/WorkloadWatcher.h"
#include "sim/Rng.h"

namespace detcd::scenarios {

/// `spec.clients` op clients with history ids 1..clients (client i draws from the stream
/// "workload/client/<i>" of `seeds`), then `spec.watchers` dedicated watchers with ids
/// clients+1..clients+watchers (WorkloadWatcher; they draw nothing). The cluster runner builds
/// it over its MemberAccess and a NodeChannel (WorkloadNodeChannel.h):
///
///   NodeChannel channel(access);
///   Workload workload(scenario.workload, seeds, access, channel, recorder);
///   workload.start();  ...  workload.stop();  // at the end of the safety phase
class Workload {
 public:
  Workload(const WorkloadSpec& spec, const sim::SeedTree& seeds, MemberAccess& access,
           WorkloadChannel& channel, HistoryRecorder& recorder);

  void start();
  /// Stops every client and watcher (requests in flight still complete and are recorded).
  void stop();

  const std::vector<std::unique_ptr<Client>>& clients() const { return clients_; }
  const std::vector<std::unique_ptr<WorkloadWatcher>>& watchers() const { return watchers_; }
  /// The clients' stats summed.
  ClientStats totals() const;

 private:
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::unique_ptr<WorkloadWatcher>> watchers_;
};

}  // namespace detcd::scenarios

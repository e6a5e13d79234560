#include "scenarios/Workload.h"

#include <string>

namespace detcd::scenarios {

Workload::Workload(const WorkloadSpec& spec, const sim::SeedTree& seeds, MemberAccess& access,
                   WorkloadChannel& channel, HistoryRecorder& recorder) {
  for (int i = 1; i <= spec.clients; ++i) {
    clients_.push_back(std::make_unique<Client>(
        i, seeds.stream("workload/client/" + std::to_string(i)), spec, access, channel,
        recorder));
  }
  for (int i = 1; i <= spec.watchers; ++i) {
    watchers_.push_back(std::make_unique<WorkloadWatcher>(spec.clients + i, access, channel,
                                                          recorder, spec.requestTimeout));
  }
}

void Workload::start() {
  for (auto& c : clients_) c->start();
  for (auto& w : watchers_) w->start();
}

void Workload::stop() {
  for (auto& c : clients_) c->stop();
  for (auto& w : watchers_) w->stop();
}

ClientStats Workload::totals() const {
  ClientStats t;
  for (const auto& c : clients_) {
    t.invoked += c->stats().invoked;
    t.ok += c->stats().ok;
    t.failed += c->stats().failed;
    t.unknown += c->stats().unknown;
  }
  return t;
}

}  // namespace detcd::scenarios

// Scheduler throughput: schedule + fire of timer events and of network message events.
//
//   build/bin/bench_scheduler
//
// Figures and their meaning: docs/performance.md.
#include <benchmark/benchmark.h>

#include <deque>

#include "sim/Simulation.h"

namespace {

using namespace std::chrono_literals;
using detcd::env::Nanos;

/// Raw scheduler: a steady population of `range(0)` pending events; each fired event schedules
/// the next one a pseudo-random distance ahead (as timers re-arm). One iteration = one event
/// scheduled and fired.
void BM_SchedulerTimerEvents(benchmark::State& state) {
  struct Rearm {  // two pointers: fits std::function's small-object buffer, as SimClock's does
    detcd::sim::Scheduler* scheduler;
    detcd::sim::Rng* rng;
    void operator()() const {
      scheduler->after(Nanos{1 + static_cast<std::int64_t>(rng->below(1'000'000))}, *this);
    }
  };
  detcd::sim::Scheduler scheduler;
  detcd::sim::Rng rng(1);
  for (std::int64_t i = 0; i < state.range(0); ++i) scheduler.after(Nanos{i}, Rearm{&scheduler, &rng});
  for (auto _ : state) scheduler.step();
  state.SetItemsProcessed(static_cast<std::int64_t>(scheduler.fired()));
}
BENCHMARK(BM_SchedulerTimerEvents)->Arg(16)->Arg(1024)->Arg(65536);

/// Cancel-heavy timers, as election timeouts are: every event sets a timer and cancels an older
/// one before it fires. One iteration = two events scheduled, one cancelled, one fired.
void BM_SchedulerTimerCancel(benchmark::State& state) {
  detcd::sim::Scheduler scheduler;
  std::deque<detcd::sim::EventId> live;
  for (int i = 0; i < 1024; ++i) live.push_back(scheduler.after(Nanos{i + 1}, [] {}));
  std::uint64_t fired = 0;
  for (auto _ : state) {
    live.push_back(scheduler.after(1ms, [] {}));
    scheduler.cancel(live.front());
    live.pop_front();
    live.push_back(scheduler.after(Nanos{1}, [&fired] { ++fired; }));
    scheduler.step();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SchedulerTimerCancel);

/// Whole simulation: processes on 5 hosts ping-pong messages over the simulated network (latency
/// draw, FIFO, partition check, node loop admission, trace hash). One item = one message sent and
/// delivered (two scheduler events: the send's timer-free delivery and the handler).
struct PingPong final : detcd::sim::Process {
  PingPong(detcd::env::Env& env, int peers) : env_(env) {
    env_.transport.setReceiver([this, peers](detcd::env::NodeId from, std::string payload) {
      ++received;
      const auto next = from % static_cast<detcd::env::NodeId>(peers) + 1;
      env_.transport.send(next == env_.transport.self() ? from : next, std::move(payload));
    });
  }
  detcd::env::Env& env_;
  std::uint64_t received = 0;
};

constexpr int kNodes = 5;

void BM_SimulatedMessages(benchmark::State& state) {
  detcd::sim::Simulation sim(1);
  sim.network().setDefaultLink({.latency = detcd::sim::Latency::uniform(100us, 1ms)});
  for (int id = 1; id <= kNodes; ++id) {
    sim.addHost(static_cast<detcd::env::NodeId>(id),
                [](detcd::env::Env& env) { return std::make_unique<PingPong>(env, kNodes); });
    sim.host(static_cast<detcd::env::NodeId>(id)).start();
  }
  // 64 messages circulate at once.
  for (int i = 0; i < 64; ++i) {
    sim.network().send(static_cast<detcd::env::NodeId>(i % kNodes + 1),
                       static_cast<detcd::env::NodeId>((i + 1) % kNodes + 1), "ping", sim.now());
  }
  for (auto _ : state) sim.scheduler().step();
  state.SetItemsProcessed(state.iterations());
  state.counters["trace_events"] = static_cast<double>(sim.trace().events());
}
BENCHMARK(BM_SimulatedMessages);

}  // namespace

BENCHMARK_MAIN();

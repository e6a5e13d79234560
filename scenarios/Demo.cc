#include "scenarios/Demo.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <ostream>
#include <stdexcept>

#include "sim/Simulation.h"

namespace detcd::scenarios {
namespace {

using namespace std::chrono_literals;
using env::Nanos;
using env::NodeId;

constexpr const char* kLogPath = "data/pings.log";

/// Complete lines in `file` as it reads now.
std::uint64_t countLines(env::File& file) {
  const auto size = file.size();
  const auto content = file.read(0, size ? *size : 0);
  if (!content) return 0;
  return static_cast<std::uint64_t>(std::count(content->begin(), content->end(), '\n'));
}

/// Pings in a node's log, as the node would read them back now (0 when there is no log).
std::uint64_t loggedPings(env::Disk& disk) {
  auto file = disk.open(kLogPath, {});
  return file ? countLines(**file) : 0;
}

/// The demo's program: every 100 ms of local time it sends "ping <n>" to each peer; it appends
/// one line per ping received to data/pings.log and fsyncs every 4 lines. At start it reads the
/// log back, so a restart shows what the crash kept.
class PingProcess final : public sim::Process {
 public:
  PingProcess(env::Env& env, std::vector<NodeId> peers) : env_(env), peers_(std::move(peers)) {
    if (!env_.disk.exists("data")) {
      env_.disk.mkdir("data");
      env_.disk.syncDir("");
    }
    auto file = env_.disk.open(kLogPath, {.create = true});
    if (!file) {
      throw std::runtime_error(std::string("cannot open ") + kLogPath + ": " +
                               file.error().message());
    }
    log_ = std::move(*file);
    env_.disk.syncDir("data");
    env_.tracer.event("recovered", {{"records", countLines(*log_)}});
    env_.transport.setReceiver(
        [this](NodeId from, std::string payload) { onPing(from, payload); });
    scheduleTick();
  }

 private:
  void scheduleTick() {
    env_.clock.after(100ms, [this] {
      ++sent_;
      for (NodeId peer : peers_) env_.transport.send(peer, fmt::format("ping {}", sent_));
      scheduleTick();
    });
  }

  void onPing(NodeId from, const std::string& payload) {
    if (!log_->append(fmt::format("{} {}\n", from, payload))) return;
    if (++unsynced_ >= 4) {
      log_->sync();
      unsynced_ = 0;
    }
  }

  env::Env& env_;
  std::vector<NodeId> peers_;
  std::unique_ptr<env::File> log_;
  std::uint64_t sent_ = 0;
  int unsynced_ = 0;
};

std::string seconds(Nanos t) { return fmt::format("{:.3f}s", static_cast<double>(t.count()) / 1e9); }

}  // namespace

DemoResult runDemo(std::uint64_t seed, std::ostream* out, const std::string& tracePath) {
  sim::Simulation simulation(seed);
  std::ofstream traceFile;
  if (!tracePath.empty()) {
    traceFile.open(tracePath, std::ios::trunc);
    if (!traceFile) throw std::runtime_error("cannot write the trace to " + tracePath);
    simulation.trace().writeTo(&traceFile);
  }
  const auto say = [&](const std::string& line) {
    if (out != nullptr) *out << "  " << seconds(simulation.now()) << "  " << line << '\n';
  };

  const std::vector<NodeId> nodes = {1, 2, 3};
  sim::LinkConfig link;
  link.latency = sim::Latency::exponential(200us, 800us);
  link.loss = 0.01;
  link.duplicate = 0.01;
  link.reorder = 0.05;
  simulation.network().setDefaultLink(link);
  for (NodeId id : nodes) {
    std::vector<NodeId> peers;
    for (NodeId p : nodes) {
      if (p != id) peers.push_back(p);
    }
    simulation.addHost(id, [peers](env::Env& env) {
      return std::make_unique<PingProcess>(env, peers);
    });
  }

  if (out != nullptr) {
    *out << fmt::format("detcd-sim demo: 3 nodes gossiping pings, seed {}\n", seed);
  }
  for (NodeId id : nodes) simulation.host(id).start();
  say("started nodes 1, 2, 3 (1% loss, 1% duplication, 5% reordering)");

  simulation.at(1s, "fault", [&] {
    simulation.network().partition(sim::partitions::isolate(nodes, 1));
    say("partition: node 1 isolated from 2 and 3");
  });
  simulation.at(2s, "fault", [&] {
    simulation.network().heal();
    say("heal: every link restored");
  });
  simulation.at(2500ms, "fault", [&] {
    const auto mode = simulation.host(3).crash();
    say(fmt::format("crash: node 3 lost power; unsynced data {}", sim::toString(mode)));
  });
  simulation.at(3s, "fault", [&] {
    simulation.host(3).restart();
    say(fmt::format("restart: node 3 read back {} pings from its log",
                    loggedPings(simulation.host(3).disk())));
  });
  simulation.at(3500ms, "fault", [&] {
    simulation.host(2).pause();
    say("pause: node 2 frozen (its timers and messages wait)");
  });
  simulation.at(4s, "fault", [&] {
    simulation.host(2).resume();
    say("resume: node 2 handles what waited");
  });
  simulation.at(4200ms, "fault", [&] {
    simulation.host(1).clock().setDrift(50'000);
    say("clock drift: node 1's clock runs 5% fast");
  });
  simulation.runUntil(5s);
  say("end of run");

  DemoResult result;
  const auto& stats = simulation.network().stats();
  result.messagesSent = stats.sent;
  result.messagesDelivered = stats.delivered;
  result.messagesDropped = stats.dropped;
  for (NodeId id : nodes) {
    sim::Host& host = simulation.host(id);
    result.summary += fmt::format("node {}: {} pings logged, incarnation {}\n", id,
                                  loggedPings(host.disk()), host.incarnation());
  }
  result.traceEvents = simulation.trace().events();
  result.traceHash = simulation.trace().hash();
  if (out != nullptr) {
    *out << fmt::format("messages: {} sent, {} delivered, {} dropped\n", result.messagesSent,
                        result.messagesDelivered, result.messagesDropped);
    *out << result.summary;
    *out << fmt::format("trace: {} events, hash {}\n", result.traceEvents,
                        sim::formatHash(result.traceHash));
  }
  return result;
}

}  // namespace detcd::scenarios

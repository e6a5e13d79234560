// Process lifecycle on a simulated machine: start, crash, restart, pause, resume, busy I/O.
#include "sim/Host.h"

#include <gtest/gtest.h>

#include "sim/Simulation.h"

namespace detcd::sim {
namespace {

using namespace std::chrono_literals;
using env::Nanos;
using env::NodeId;

/// Records what reaches it; sends a message to its peer every 10 ms; counts persisted records.
struct Recorder final : Process {
  Recorder(env::Env& e, NodeId to) : env(e), peer(to) {
    env.transport.setReceiver([this](NodeId from, std::string payload) {
      received.push_back({env.clock.now(), from, payload});
    });
    tick();
  }
  void tick() {
    env.clock.after(10ms, [this] {
      ++ticks;
      tickTimes.push_back(env.clock.now());
      env.transport.send(peer, "t" + std::to_string(ticks));
      tick();
    });
  }
  struct Received {
    Nanos at;
    NodeId from;
    std::string payload;
  };
  env::Env& env;
  NodeId peer;
  int ticks = 0;
  std::vector<Nanos> tickTimes;
  std::vector<Received> received;
};

class HostTest : public ::testing::Test {
 protected:
  HostTest() : sim_(1) {
    sim_.network().setDefaultLink({.latency = Latency::constant(1ms)});
    for (NodeId id : {1, 2}) {
      sim_.addHost(id, [id](env::Env& e) { return std::make_unique<Recorder>(e, 3 - id); });
      sim_.host(id).start();
    }
  }
  Recorder& recorder(NodeId id) { return *dynamic_cast<Recorder*>(sim_.host(id).process()); }
  Simulation sim_;
};

TEST_F(HostTest, RunningNodesExchangeMessages) {
  sim_.runUntil(105ms);
  EXPECT_EQ(recorder(1).ticks, 10);
  ASSERT_EQ(recorder(2).received.size(), 10u);
  EXPECT_EQ(recorder(2).received[0].at, 11ms);  // sent at 10 ms, 1 ms on the wire
  EXPECT_EQ(recorder(2).received[0].payload, "t1");
}

TEST_F(HostTest, PausedNodeGetsMessagesAndTimersLate) {
  sim_.runUntil(15ms);
  sim_.host(2).pause();
  sim_.runUntil(55ms);
  EXPECT_EQ(recorder(2).received.size(), 1u);  // nothing handled while paused
  EXPECT_EQ(recorder(2).ticks, 1);
  sim_.host(2).resume();
  sim_.runUntil(55ms);
  // Everything that waited arrives now, in order: messages t2..t5 and the one due timer.
  EXPECT_EQ(recorder(2).received.size(), 5u);
  EXPECT_EQ(recorder(2).received.back().at, 55ms);
  EXPECT_EQ(recorder(2).received.back().payload, "t5");
  EXPECT_EQ(recorder(2).ticks, 2);
}

TEST_F(HostTest, CrashedNodeDropsEverythingAndRestartsFresh) {
  sim_.runUntil(25ms);
  EXPECT_EQ(sim_.host(2).incarnation(), 1u);
  sim_.host(2).crash();
  EXPECT_EQ(sim_.host(2).process(), nullptr);
  EXPECT_EQ(sim_.host(2).state(), NodeState::kDown);
  EXPECT_EQ(sim_.host(2).clock().pending(), 0u);
  sim_.runUntil(50ms);
  sim_.host(2).restart();
  EXPECT_EQ(sim_.host(2).incarnation(), 2u);
  EXPECT_EQ(recorder(2).received.size(), 0u);  // memory is gone
  sim_.runUntil(65ms);
  EXPECT_EQ(recorder(2).ticks, 1);  // its first timer, 10 ms after restart
  EXPECT_EQ(recorder(2).received.size(), 2u);  // t5 and t6, sent at 50 and 60 ms
}

TEST_F(HostTest, DiskLatencyKeepsTheNodeBusy) {
  auto& host = sim_.host(2);
  DiskFaults slow;
  slow.fsyncLatency = Latency::constant(20ms);
  host.disk().setFaults(slow);
  Nanos sentAfterSync{-1};
  // A handler that fsyncs takes 20 ms of virtual time; what it sends leaves after the fsync, and
  // the node handles nothing else meanwhile.
  sim_.at(30ms, "test", [&] {
    host.loop().runHandler([&] {
      auto file = host.disk().open("f", {.create = true});
      ASSERT_TRUE(file.ok());
      ASSERT_FALSE((*file)->sync());
      sentAfterSync = host.clock().now();
    });
  });
  sim_.runUntil(45ms);
  EXPECT_EQ(sentAfterSync, 50ms);
  const auto handledBefore = recorder(2).received.size();
  EXPECT_EQ(handledBefore, 2u);  // t1, t2 (at 11 and 21 ms); t3 (31 ms) waits for the fsync
  sim_.runUntil(50ms);
  EXPECT_EQ(recorder(2).received.size(), 4u);  // t3 and t4 at 50 ms, in order
  EXPECT_EQ(recorder(2).received[2].at, 50ms);
  EXPECT_EQ(recorder(2).received[2].payload, "t3");
}

}  // namespace
}  // namespace detcd::sim

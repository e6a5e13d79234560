// The network model: latency, FIFO, loss, duplication, reordering, queues, partitions, clogging.
#include "sim/Network.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>

namespace detcd::sim {
namespace {

using namespace std::chrono_literals;
using env::Nanos;

struct Delivery {
  NodeId from, to;
  std::string payload;
  Nanos at;
};

/// A network over its own scheduler, recording deliveries.
struct Harness {
  explicit Harness(std::uint64_t seed) : network(scheduler, trace, Rng(seed)) {
    network.setDeliverHook([this](NodeId from, NodeId to, std::string payload) {
      delivered.push_back({from, to, std::move(payload), scheduler.now()});
    });
  }
  void send(NodeId from, NodeId to, const std::string& payload) {
    network.send(from, to, payload, scheduler.now());
  }
  Scheduler scheduler;
  Trace trace;
  Network network;
  std::vector<Delivery> delivered;
};

TEST(NetworkTest, ConstantLatencyAndFifo) {
  Harness h(1);
  h.network.setDefaultLink({.latency = Latency::constant(3ms)});
  h.send(1, 2, "a");
  h.send(1, 2, "b");
  h.scheduler.runUntil(1s);
  ASSERT_EQ(h.delivered.size(), 2u);
  EXPECT_EQ(h.delivered[0].payload, "a");
  EXPECT_EQ(h.delivered[0].at, 3ms);
  EXPECT_EQ(h.delivered[1].payload, "b");
  EXPECT_EQ(h.network.stats().delivered, 2u);
}

TEST(NetworkTest, RandomLatencyStaysFifoWithoutReordering) {
  Harness h(2);
  h.network.setDefaultLink({.latency = Latency::exponential(1ms, 5ms)});
  for (int i = 0; i < 500; ++i) {
    h.send(1, 2, std::to_string(i));
    h.scheduler.runUntil(h.scheduler.now() + 100us);
  }
  h.scheduler.runUntil(10s);
  ASSERT_EQ(h.delivered.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(h.delivered[static_cast<std::size_t>(i)].payload, std::to_string(i));
}

TEST(NetworkTest, UniformLatencyWithinBounds) {
  Harness h(3);
  h.network.setDefaultLink({.latency = Latency::uniform(2ms, 4ms), .reorder = 1.0});
  for (int i = 0; i < 200; ++i) h.send(1, 2, "x");
  h.scheduler.runUntil(1s);
  ASSERT_EQ(h.delivered.size(), 200u);
  for (const auto& d : h.delivered) {
    EXPECT_GE(d.at, 2ms);
    EXPECT_LE(d.at, 4ms);
  }
}

TEST(NetworkTest, PerLinkConfigurationOverridesDefault) {
  Harness h(4);
  h.network.setDefaultLink({.latency = Latency::constant(1ms)});
  h.network.setLink(1, 3, {.latency = Latency::constant(9ms)});
  h.send(1, 2, "fast");
  h.send(1, 3, "slow");
  h.scheduler.runUntil(1s);
  ASSERT_EQ(h.delivered.size(), 2u);
  EXPECT_EQ(h.delivered[1].payload, "slow");
  EXPECT_EQ(h.delivered[1].at, 9ms);
}

TEST(NetworkTest, BoundedInFlightQueueDrops) {
  Harness h(5);
  h.network.setDefaultLink({.latency = Latency::constant(1ms), .maxInFlight = 3});
  for (int i = 0; i < 5; ++i) h.send(1, 2, std::to_string(i));
  h.scheduler.runUntil(1s);
  EXPECT_EQ(h.delivered.size(), 3u);
  EXPECT_EQ(h.network.stats().dropped, 2u);
}

TEST(NetworkTest, PartitionCatchesMessagesInFlight) {
  Harness h(6);
  h.network.setDefaultLink({.latency = Latency::constant(10ms)});
  h.send(1, 2, "in flight");
  h.scheduler.runUntil(5ms);
  h.network.partition(partitions::isolate({1, 2, 3}, 2));
  h.scheduler.runUntil(1s);
  EXPECT_TRUE(h.delivered.empty());
}

TEST(NetworkTest, OneWayPartitionBlocksOneDirection) {
  Harness h(7);
  h.network.setDefaultLink({.latency = Latency::constant(1ms)});
  h.network.partition(partitions::oneWay({1}, {2}));
  h.send(1, 2, "blocked");
  h.send(2, 1, "flows");
  h.scheduler.runUntil(1s);
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].payload, "flows");
}

TEST(NetworkTest, ClogSlowsALinkUntilUnclogged) {
  Harness h(8);
  h.network.setDefaultLink({.latency = Latency::constant(1ms)});
  h.network.clog(1, 2, 50ms);
  h.send(1, 2, "slow");
  h.scheduler.runUntil(1s);
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].at, 51ms);
  h.network.unclog(1, 2);
  h.send(1, 2, "fast");
  h.scheduler.runUntil(2s);
  EXPECT_EQ(h.delivered[1].at, 1001ms);
}

TEST(PartitionsTest, Shapes) {
  const std::vector<NodeId> five = {1, 2, 3, 4, 5};
  const Cut isolated = partitions::isolate(five, 3);
  EXPECT_EQ(isolated.size(), 8u);  // 4 links each way
  EXPECT_TRUE(isolated.count({3, 1}) && isolated.count({1, 3}));
  EXPECT_FALSE(isolated.count({1, 2}));

  Rng rng(1);
  const Cut split = partitions::majorityMinority(five, rng);
  EXPECT_EQ(split.size(), 12u);  // 2 x 3 nodes, both ways

  const Cut bridge = partitions::bridge(five, rng);
  EXPECT_EQ(bridge.size(), 8u);  // 2 x 2 nodes both ways; the bridge node talks to everyone
  std::map<NodeId, int> blockedLinks;
  for (const auto& [a, b] : bridge) ++blockedLinks[a];
  int bridges = 0;
  for (NodeId n : five) bridges += blockedLinks[n] == 0 ? 1 : 0;
  EXPECT_EQ(bridges, 1);

  const Cut ring = partitions::ring(five);
  // In a 5-ring each node is cut from the 2 non-neighbours.
  EXPECT_EQ(ring.size(), 10u);
  EXPECT_FALSE(ring.count({1, 2}) || ring.count({1, 5}));
  EXPECT_TRUE(ring.count({1, 3}));

  const Cut groups = partitions::groups({{1, 2}, {3}, {4, 5}});
  EXPECT_EQ(groups.size(), 16u);
}

/// A random traffic pattern: (from, to, gap before sending) triples over nodes 1..4.
struct Traffic {
  NodeId from, to;
  std::uint8_t gapUs;
};

rc::Gen<std::vector<Traffic>> genTraffic() {
  return rc::gen::container<std::vector<Traffic>>(rc::gen::build<Traffic>(
      rc::gen::set(&Traffic::from, rc::gen::inRange<NodeId>(1, 5)),
      rc::gen::set(&Traffic::to, rc::gen::inRange<NodeId>(1, 5)),
      rc::gen::set(&Traffic::gapUs, rc::gen::arbitrary<std::uint8_t>())));
}

LinkConfig genLink(bool lossy) {
  LinkConfig link;
  link.latency = Latency::exponential(
      Nanos{*rc::gen::inRange<std::int64_t>(0, 2'000'000)},
      Nanos{*rc::gen::inRange<std::int64_t>(0, 5'000'000)});
  link.loss = lossy ? *rc::gen::inRange(0, 50) / 100.0 : 0.0;
  link.duplicate = *rc::gen::inRange(0, 2) == 0 ? 0.0 : *rc::gen::inRange(1, 50) / 100.0;
  link.reorder = *rc::gen::inRange(0, 2) == 0 ? 0.0 : *rc::gen::inRange(1, 50) / 100.0;
  return link;
}

RC_GTEST_PROP(NetworkProperty, PartitionedLinkDeliversNothing, (std::uint64_t seed)) {
  Harness h(seed);
  h.network.setDefaultLink(genLink(true));
  const auto traffic = *genTraffic();
  const auto cut = *rc::gen::container<Cut>(rc::gen::pair(rc::gen::inRange<NodeId>(1, 5),
                                                           rc::gen::inRange<NodeId>(1, 5)));
  h.network.partition(cut);
  for (const auto& t : traffic) {
    h.send(t.from, t.to, "m");
    h.scheduler.runUntil(h.scheduler.now() + Nanos{t.gapUs * 1000});
  }
  h.scheduler.runUntil(h.scheduler.now() + 10s);
  for (const auto& d : h.delivered) RC_ASSERT(cut.count({d.from, d.to}) == 0u);
}

RC_GTEST_PROP(NetworkProperty, AfterHealWithoutLossEveryLaterMessageArrives, (std::uint64_t seed)) {
  Harness h(seed);
  h.network.setDefaultLink(genLink(false));
  h.network.partition(partitions::isolate({1, 2, 3, 4}, 1));
  h.send(1, 2, "before heal");
  h.network.heal();
  const auto traffic = *genTraffic();
  std::map<std::pair<NodeId, NodeId>, int> sent;
  for (const auto& t : traffic) {
    h.send(t.from, t.to, "after");
    ++sent[{t.from, t.to}];
    h.scheduler.runUntil(h.scheduler.now() + Nanos{t.gapUs * 1000});
  }
  h.scheduler.runUntil(h.scheduler.now() + 10s);
  std::map<std::pair<NodeId, NodeId>, int> got;
  for (const auto& d : h.delivered) {
    RC_ASSERT(d.payload == "after");
    ++got[{d.from, d.to}];
  }
  for (const auto& [link, n] : sent) RC_ASSERT(got[link] >= n);  // duplicates may add more
}

RC_GTEST_PROP(NetworkProperty, DuplicationAndReorderingOnlyWhenEnabled, (std::uint64_t seed)) {
  Harness h(seed);
  LinkConfig link = genLink(true);
  link.duplicate = 0.0;
  link.reorder = 0.0;
  h.network.setDefaultLink(link);
  const auto traffic = *genTraffic();
  std::map<std::pair<NodeId, NodeId>, int> counter;
  for (const auto& t : traffic) {
    h.send(t.from, t.to, std::to_string(counter[{t.from, t.to}]++));
    h.scheduler.runUntil(h.scheduler.now() + Nanos{t.gapUs * 1000});
  }
  h.scheduler.runUntil(h.scheduler.now() + 10s);
  std::map<std::pair<NodeId, NodeId>, int> last;
  for (const auto& d : h.delivered) {
    const int n = std::stoi(d.payload);
    auto [it, first] = last.emplace(std::make_pair(d.from, d.to), n);
    if (!first) {
      RC_ASSERT(n > it->second);  // strictly increasing: no duplicate, no overtaking
      it->second = n;
    }
  }
  RC_ASSERT(h.network.stats().duplicated == 0u);
}

TEST(NetworkTest, DuplicationAndReorderingHappenWhenEnabled) {
  Harness h(9);
  h.network.setDefaultLink(
      {.latency = Latency::uniform(1ms, 10ms), .duplicate = 0.2, .reorder = 0.5});
  for (int i = 0; i < 300; ++i) {
    h.send(1, 2, std::to_string(i));
    h.scheduler.runUntil(h.scheduler.now() + 100us);
  }
  h.scheduler.runUntil(10s);
  EXPECT_GT(h.delivered.size(), 300u);
  bool overtaken = false;
  for (std::size_t i = 1; i < h.delivered.size(); ++i) {
    overtaken = overtaken || std::stoi(h.delivered[i].payload) < std::stoi(h.delivered[i - 1].payload);
  }
  EXPECT_TRUE(overtaken);
}

}  // namespace
}  // namespace detcd::sim

// A seed-range property: members under random crashes (with torn writes), pauses, clock drift,
// partitions, message loss, duplication and reordering, with snapshots every few entries,
// leases expiring, leadership transfers and a spare member added (voter or learner), promoted
// and removed; after the faults stop and every member runs again, every member of the
// configuration reaches the same applied index, revision and HashKV, each entry applied once, in
// order, the same entry at each index on every member, every acknowledged put is in the history
// at the revision its answer named, every linearizable read saw the writes acknowledged before
// it was issued, and a watch per member delivered exactly the history.
//
// DETCD_SERVER_SEEDS=A..B selects the seeds (default 1..50); a failure prints its seed and the
// command that replays it.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

#include "mvcc/KvStore.h"
#include "server/tests/SimCluster.h"

namespace detcd::server::testing {
namespace {

using namespace std::chrono_literals;

std::pair<std::uint64_t, std::uint64_t> seedRange() {
  const char* env = std::getenv("DETCD_SERVER_SEEDS");
  if (env == nullptr) return {1, 50};
  const std::string s(env);
  const auto dots = s.find("..");
  if (dots == std::string::npos) return {std::stoull(s), std::stoull(s)};
  return {std::stoull(s.substr(0, dots)), std::stoull(s.substr(dots + 2))};
}

/// Runs one seed; returns "" when every check held, else what failed.
std::string runSeed(std::uint64_t seed, const Bugs& bugs = {}) {
  sim::Rng rng(seed * 0x9e3779b97f4a7c15ULL + 1);
  NodeConfig base;
  base.snapshotCount = 5 + rng.below(40);
  base.snapshotCatchUpEntries = 1 + rng.below(10);
  base.walSegmentBytes = 4096 << rng.below(4);
  base.requestTimeout = 3s;
  base.bugs = bugs;
  const std::size_t members = rng.chance(0.5) ? 3 : 5;
  SimCluster c(seed, members, base, /*buggify=*/true);
  if (bugs.any()) c.tolerateApplyViolations();
  sim::LinkConfig link;
  link.loss = 0.05 * rng.unit();
  link.duplicate = 0.05 * rng.unit();
  link.reorder = 0.2 * rng.unit();
  c.sim().network().setDefaultLink(link);
  c.startAll();
  const auto ids = c.ids();
  const auto pick = [&] { return ids[rng.below(ids.size())]; };
  // The spare member: 0 not added, 1 add proposed, 2 may be a member (started), 3 removal asked.
  const std::uint64_t spare = members + 1;
  auto spareState = std::make_shared<int>(0);
  auto spareLearner = std::make_shared<bool>(false);
  std::vector<std::uint64_t> all = ids;
  // Acknowledged puts: key, value, the revision the answer named.
  struct Acked {
    std::string key, value;
    std::int64_t revision;
  };
  auto acked = std::make_shared<std::vector<Acked>>();
  // Linearizable reads must see every write acknowledged before they were issued: the header
  // revision of an answered read is at least the highest revision acknowledged by then.
  auto maxAcked = std::make_shared<std::int64_t>(0);
  auto staleRead = std::make_shared<std::string>();
  // One watch per member over every key written, reopened after each restart from the revision
  // after the last one it delivered (etcd clients resume so): the concatenation must be the
  // history itself (ordered, nothing lost, nothing twice).
  struct Watched {
    std::vector<std::pair<std::int64_t, std::string>> events;  // (mod revision, key)
    std::uint64_t incarnation = 0;
  };
  std::map<std::uint64_t, std::shared_ptr<Watched>> watched;
  const auto ensureWatches = [&] {
    for (auto id : all) {
      auto& w = watched[id];
      if (!w) w = std::make_shared<Watched>();
      sim::Host& h = c.host(id);
      if (h.state() != sim::NodeState::kRunning || w->incarnation == h.incarnation()) continue;
      if (c.node(id) == nullptr || c.node(id)->stopped()) continue;
      w->incarnation = h.incarnation();
      const std::int64_t next = w->events.empty() ? 2 : w->events.back().first + 1;
      c.call(id, [&](Node& n) {
        const auto stream = n.openWatchStream([w](const etcdserverpb::WatchResponse& r) {
          for (const auto& ev : r.events()) {
            w->events.emplace_back(ev.kv().mod_revision(), ev.kv().key());
          }
        });
        etcdserverpb::WatchRequest req;
        req.mutable_create_request()->set_key("k");
        req.mutable_create_request()->set_range_end("l");
        req.mutable_create_request()->set_start_revision(next);
        n.watch(stream, req);
      });
    }
  };
  // Clients talk to running members only: a paused one would hold the client (SimCluster::call
  // waits) while virtual time runs on.
  const auto send = [&](std::uint64_t id, const std::function<void(Node&)>& fn) {
    if (c.host(id).state() == sim::NodeState::kRunning) c.call(id, fn);
  };
  std::uint64_t writes = 0;
  for (int step = 0; step < 200; ++step) {  // 20 s of faults, one draw every 100 ms
    const double r = rng.unit();
    sim::Network& net = c.sim().network();
    if (r < 0.03) {
      const auto id = all[rng.below(all.size())];
      if (c.host(id).state() != sim::NodeState::kDown) c.host(id).crash();
    } else if (r < 0.10) {
      for (auto id : all) {
        if (c.host(id).state() == sim::NodeState::kDown) c.host(id).restart();
        if (c.host(id).state() == sim::NodeState::kPaused) c.host(id).resume();
      }
    } else if (r < 0.13) {
      net.heal();
      net.partition(sim::partitions::majorityMinority(ids, rng), "minority");
    } else if (r < 0.15) {
      net.heal();
      const auto l = c.leader();
      if (l != 0) net.partition(sim::partitions::isolate(ids, l), "isolate-leader");
    } else if (r < 0.25) {
      net.heal();
    } else if (r < 0.27) {
      const auto id = all[rng.below(all.size())];
      if (c.host(id).state() == sim::NodeState::kRunning) c.host(id).pause();
    } else if (r < 0.29) {
      // Up to ±20% clock rate: election timeouts and lease expiry stretch and shrink.
      c.host(all[rng.below(all.size())]).clock().setDrift(rng.between(-200'000, 200'000));
    }
    for (int k = 0; k < 3; ++k) {
      const auto id = pick();
      etcdserverpb::PutRequest put;
      put.set_key("k" + std::to_string(rng.below(8)));
      put.set_value(std::to_string(++writes));
      // Some writes attach one of a few short leases that the leaders expire along the way.
      if (rng.chance(0.2)) put.set_lease(1 + static_cast<std::int64_t>(rng.below(3)));
      send(id, [&](Node& n) {
        n.put(put, [acked, maxAcked, put](const mvcc::Status& st,
                                          const etcdserverpb::PutResponse& resp) {
          if (!st.ok()) return;
          acked->push_back({put.key(), put.value(), resp.header().revision()});
          *maxAcked = std::max(*maxAcked, resp.header().revision());
        });
      });
    }
    if (rng.chance(0.5)) {
      etcdserverpb::RangeRequest get;
      get.set_key("k" + std::to_string(rng.below(8)));
      const std::int64_t need = *maxAcked;
      const auto id = pick();
      send(id, [&](Node& n) {
        n.range(get, [staleRead, need, id](const mvcc::Status& st,
                                           const etcdserverpb::RangeResponse& resp) {
          if (st.ok() && resp.header().revision() < need && staleRead->empty()) {
            *staleRead = fmt::format("member {} answered a linearizable read at revision {} "
                                     "after revision {} was acknowledged", id,
                                     resp.header().revision(), need);
          }
        });
      });
    }
    if (rng.chance(0.05)) {
      etcdserverpb::LeaseGrantRequest grant;
      grant.set_id(1 + static_cast<std::int64_t>(rng.below(3)));
      grant.set_ttl(2 + static_cast<std::int64_t>(rng.below(3)));
      send(pick(),
             [&](Node& n) { n.leaseGrant(grant, [](const mvcc::Status&, const auto&) {}); });
    }
    if (rng.chance(0.02)) {
      // Leadership transfer to a random member.
      const auto l = c.leader();
      const auto target = pick();
      if (l != 0 && target != l) {
        send(l, [&](Node& n) { n.moveLeader(target, [](const mvcc::Status&, const auto&) {}); });
      }
    }
    if (rng.chance(0.03)) {
      // Membership: add the spare, promote it when a learner, remove it; an unknown outcome
      // (timeout) counts as maybe done, as an operator would have to assume.
      const auto maybe = [](const mvcc::Status& st) {
        return st.ok() || st.message == "etcdserver: request timed out" ||
               st.message == "etcdserver: server stopped";
      };
      if (*spareState == 0) {
        *spareState = 1;
        *spareLearner = rng.chance(0.5);
        send(pick(), [&](Node& n) {
          n.memberAdd(spare, "", *spareLearner, [spareState, maybe](const mvcc::Status& st,
                                                                    const auto&) {
            *spareState = maybe(st) ? 2 : 0;
          });
        });
      } else if (*spareState == 2 && *spareLearner) {
        send(pick(), [&](Node& n) {
          n.memberPromote(spare, [spareLearner, maybe](const mvcc::Status& st, const auto&) {
            if (maybe(st)) *spareLearner = false;
          });
        });
      } else if (*spareState == 2) {
        *spareState = 3;
        send(pick(), [&](Node& n) {
          n.memberRemove(spare, [spareState, maybe](const mvcc::Status& st, const auto&) {
            if (!maybe(st)) *spareState = 2;
          });
        });
      }
    }
    c.run(100ms);
    ensureWatches();
    if (*spareState == 2 && all.size() == ids.size()) {
      c.startJoining(spare);
      all.push_back(spare);
    }
  }
  // Heal: no faults, no loss, every member up.
  sim::LinkConfig calm = link;
  calm.loss = 0;
  calm.duplicate = 0;
  c.sim().network().setDefaultLink(calm);
  c.sim().network().heal();
  for (auto id : all) {
    if (c.host(id).state() == sim::NodeState::kDown) c.host(id).restart();
    if (c.host(id).state() == sim::NodeState::kPaused) c.host(id).resume();
    c.host(id).clock().setDrift(0.0);
  }
  const auto first = c.waitForLeader(60s);
  if (first == 0) return "no leader within 60 s after the heal";
  const NodeStatus config = c.node(first)->status();
  for (auto id : all) {
    if (c.node(id)->stopped() && SimCluster::inConfiguration(config, id)) {
      return fmt::format("member {} stopped: {}", id, c.node(id)->status().stopReason);
    }
  }
  if (!c.waitConverged(60s)) return "members did not converge within 60 s after the heal";
  if (!c.applyViolations().empty()) return c.applyViolations().front();
  if (!staleRead->empty()) return *staleRead;
  // The leader now (the first one may have been the spare, removed since).
  const auto leader = c.leader();
  // Durability and revision agreement: every acknowledged put is in the history at the revision
  // its answer named (nothing is compacted here).
  for (const auto& a : *acked) {
    const auto kv = c.node(leader)->store().get(a.key, a.revision);
    if (!kv || kv->value() != a.value || kv->mod_revision() != a.revision) {
      return fmt::format("acknowledged put {}={} at revision {} is not in the history", a.key,
                         a.value, a.revision);
    }
  }
  const NodeStatus ref = c.node(leader)->status();
  for (auto id : all) {
    if (!SimCluster::inConfiguration(ref, id)) continue;
    const NodeStatus s = c.node(id)->status();
    if (s.appliedIndex != ref.appliedIndex || s.hashKv != ref.hashKv ||
        s.revision != ref.revision) {
      return fmt::format("member {} applied {} revision {} hash {} vs leader {}: {} {} {}", id,
                         s.appliedIndex, s.revision, s.hashKv, leader, ref.appliedIndex,
                         ref.revision, ref.hashKv);
    }
  }
  // Watches: every member's stream delivered the history of the keys, in order.
  ensureWatches();
  c.run(1s);  // watchers that fell behind catch up (syncWatchers every 100 ms)
  for (auto id : all) {
    if (!SimCluster::inConfiguration(ref, id) || c.node(id)->stopped()) continue;
    // The member's own history: a lease may have expired meanwhile, applied here or not yet.
    std::vector<std::pair<std::int64_t, std::string>> history;
    for (const auto& [rev, rec] : c.node(id)->store().records()) {
      if (rev.main >= 2 && rec.key >= "k" && rec.key < "l") {
        history.emplace_back(rev.main, rec.key);
      }
    }
    const auto& got = watched[id]->events;
    if (got != history) {
      std::size_t i = 0;
      while (i < got.size() && i < history.size() && got[i] == history[i]) ++i;
      return fmt::format("member {}'s watch delivered {} events, its history has {}; first "
                         "difference at event {}", id, got.size(), history.size(), i);
    }
  }
  return "";
}

TEST(NodePropertyTest, MembersConvergeAfterFaultsForEverySeed) {
  const auto [from, to] = seedRange();
  for (std::uint64_t seed = from; seed <= to; ++seed) {
    const std::string failure = runSeed(seed);
    ASSERT_EQ(failure, "") << "seed " << seed << " failed; replay with: DETCD_SERVER_SEEDS="
                           << seed << " build/tests/server_test "
                           << "--gtest_filter=NodePropertyTest.*";
  }
}

/// The property is a check that must be able to fail: each defect it can see is caught within
/// a few seeds (early lease expiry needs the lease checks of the scenarios instead;
/// commit-previous-term needs Figure 8's schedule, rare at random: not caught within 60 seeds
/// here).
TEST(NodePropertyTest, CatchesDefectsWithinAFewSeeds) {
  for (const char* name :
       {"skip-fsync", "apply-twice", "double-vote", "lost-watch-event", "stale-read"}) {
    const Bugs bugs = *parseBug(name);
    std::uint64_t caught = 0;
    std::string why;
    for (std::uint64_t seed = 1; seed <= 60 && caught == 0; ++seed) {
      why = runSeed(seed, bugs);
      if (!why.empty()) caught = seed;
    }
    EXPECT_NE(caught, 0u) << name << " went unnoticed for 60 seeds";
    std::cout << name << ": caught by seed " << caught << ": " << why << "\n";
  }
}

}  // namespace
}  // namespace detcd::server::testing

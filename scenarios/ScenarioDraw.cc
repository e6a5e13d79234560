#include "scenarios/ScenarioDraw.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "scenarios/ScenarioFile.h"
#include "sim/Rng.h"

namespace detcd::scenarios {
namespace {

using namespace std::chrono_literals;

/// One of `values`, uniformly.
template <typename T>
T pick(sim::Rng& rng, const std::vector<T>& values) {
  assert(!values.empty());
  return values[rng.below(values.size())];
}

ClusterSpec drawCluster(sim::Rng& rng) {
  ClusterSpec c;
  c.members = pick<int>(rng, {1, 3, 3, 3, 5, 5});
  c.heartbeatTicks = rng.chance(0.8) ? 1 : 2;
  c.electionTicks = c.heartbeatTicks * static_cast<int>(rng.between(5, 10));
  c.tick = env::Nanos{pick<std::int64_t>(rng, {10, 20, 50, 100}) * 1'000'000};
  if (rng.chance(0.5)) {  // small: snapshots and catch-up by snapshot happen within the run
    c.snapshotCount = static_cast<std::uint64_t>(rng.between(20, 300));
    c.snapshotCatchUpEntries = static_cast<std::uint64_t>(rng.between(5, 50));
  } else {
    c.snapshotCount = static_cast<std::uint64_t>(rng.between(1000, 10'000));
    c.snapshotCatchUpEntries = static_cast<std::uint64_t>(rng.between(100, 5000));
  }
  c.preVote = rng.chance(0.7);
  c.checkQuorum = true;
  c.latencyMin = env::Nanos{rng.between(100, 1000) * 1000};
  c.latencyMax = c.latencyMin + env::Nanos{rng.between(0, 4000) * 1000};
  c.clientLatencyMin = env::Nanos{rng.between(50, 500) * 1000};
  c.clientLatencyMax = c.clientLatencyMin + env::Nanos{rng.between(0, 1000) * 1000};
  return c;
}

WorkloadSpec drawWorkload(sim::Rng& rng, const ClusterSpec& c) {
  WorkloadSpec w;
  const env::Nanos election = c.tick * c.electionTicks;
  w.clients = static_cast<int>(rng.between(1, 10));
  w.rate = static_cast<double>(rng.between(5, 100));
  w.keys = static_cast<int>(rng.between(1, 20));
  w.requestTimeout = std::max(env::Nanos{rng.between(1000, 5000) * 1'000'000}, 3 * election);
  w.watchers = static_cast<int>(rng.between(0, 2));
  // etcd's minimum lease TTL is 1.5 election timeouts (rounded up to whole seconds).
  const auto minTtl = static_cast<int>((3 * election / 2 + 999'999'999ns) / 1s);
  w.leaseTtlSeconds = std::max(static_cast<int>(rng.between(2, 10)), minTtl + 1);
  const auto weight = [&](double p, std::int64_t max) {
    return rng.chance(p) ? static_cast<double>(rng.between(1, max)) : 0.0;
  };
  OpMix& m = w.mix;
  m.put = static_cast<double>(rng.between(1, 30));
  m.get = weight(0.8, 30);
  m.serializableGet = weight(0.5, 10);
  m.del = weight(0.6, 10);
  m.txn = weight(0.6, 20);
  m.range = weight(0.5, 10);
  m.leaseGrant = weight(0.5, 5);
  m.leasePut = weight(0.5, 5);
  m.leaseRevoke = weight(0.4, 3);
  m.leaseKeepAlive = weight(0.5, 5);
  m.compact = weight(0.2, 2);
  return w;
}

/// Draws the fault schedule in time order, tracking what each member is going through so that
/// every fault is valid at its time and undo actions pair with what they undo.
class FaultDrawer {
 public:
  FaultDrawer(sim::Rng& rng, const ClusterSpec& cluster, env::Nanos duration)
      : rng_(rng), duration_(duration), nextId_(static_cast<std::uint64_t>(cluster.members) + 1) {
    for (int i = 1; i <= cluster.members; ++i) members_[static_cast<std::uint64_t>(i)] = {};
    // Swarm testing: each seed uses only some of the fault kinds, so that rare combinations
    // (all partitions, no crashes...) are not drowned by the average mix.
    for (int k = 0; k <= static_cast<int>(FaultKind::kTransferLeader); ++k) {
      if (rng_.chance(0.6)) enabled_.insert(static_cast<FaultKind>(k));
    }
  }

  std::vector<Fault> draw() {
    const auto steps = rng_.between(0, 16);
    const env::Nanos meanGap = duration_ / (steps + 1);
    env::Nanos t{0};
    for (std::int64_t i = 0; i < steps; ++i) {
      t += rng_.exponential(meanGap);
      const env::Nanos at = std::max(t - t % env::Nanos{1ms}, next_);
      if (at >= duration_) break;
      step(at);
    }
    return std::move(faults_);
  }

  std::vector<std::string> bitFlipped() const {
    std::vector<std::string> out;
    for (auto id : flipped_) out.push_back(memberName(id));
    return out;
  }

 private:
  struct Member {
    bool crashed = false;
    bool paused = false;
    bool stopped = false;  ///< hit by fsync-error or disk-full: the node stops itself
  };

  /// Members that may be crashed, paused, removed or made leader: up and undamaged.
  std::vector<std::uint64_t> available() const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, m] : members_) {
      if (!m.crashed && !m.paused && !m.stopped && !damaged(id)) out.push_back(id);
    }
    return out;
  }

  std::vector<std::uint64_t> all() const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, m] : members_) out.push_back(id);
    return out;
  }

  int down() const {
    int n = 0;
    for (const auto& [id, m] : members_) n += m.crashed || m.paused || m.stopped;
    return n;
  }

  /// Corrupted (bit flip) or with a disk that fails its writes (fsync error, disk full).
  bool damaged(std::uint64_t id) const {
    return flipped_.contains(id) || (diskFaulted_ == id && diskFault_ != FaultKind::kSlowDisk);
  }

  int damagedCount() const {
    int n = 0;
    for (const auto& [id, m] : members_) n += damaged(id);
    return n;
  }

  /// One more damaged member keeps the damaged ones a strict minority.
  bool mayDamage() const { return 2 * (damagedCount() + 1) < static_cast<int>(members_.size()); }

  std::string someMember(const std::vector<std::uint64_t>& ids) {
    return memberName(pick(rng_, ids));
  }

  /// "leader" with probability pLeader, "follower" with pFollower, else one of `ids`.
  std::string target(const std::vector<std::uint64_t>& ids, double pLeader, double pFollower) {
    const double u = rng_.unit();
    if (u < pLeader) return "leader";
    if (u < pLeader + pFollower) return "follower";
    return someMember(ids);
  }

  /// The members split into `count` non-empty groups, each in ID order.
  std::vector<std::vector<std::string>> split(std::size_t count) {
    std::vector<std::uint64_t> ids = all();
    for (std::size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[rng_.below(i)]);
    std::vector<std::size_t> cuts;  // count-1 distinct cut points in [1, n-1]
    while (cuts.size() + 1 < count) {
      const std::size_t c = 1 + rng_.below(ids.size() - 1);
      if (std::find(cuts.begin(), cuts.end(), c) == cuts.end()) cuts.push_back(c);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.push_back(ids.size());
    std::vector<std::vector<std::string>> groups;
    std::size_t begin = 0;
    for (auto end : cuts) {
      std::vector<std::uint64_t> group(ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                       ids.begin() + static_cast<std::ptrdiff_t>(end));
      std::sort(group.begin(), group.end());
      groups.emplace_back();
      for (auto id : group) groups.back().push_back(memberName(id));
      begin = end;
    }
    return groups;
  }

  void add(Fault fault) { faults_.push_back(std::move(fault)); }

  /// Draws and records one fault at `at` among those valid now.
  void step(env::Nanos at) {
    struct Choice {
      FaultKind kind;
      int weight;
      std::uint64_t node;  // the member an undo action applies to
    };
    std::vector<Choice> choices;
    const auto offer = [&](FaultKind kind, int weight, bool valid, std::uint64_t node = 0) {
      if (valid) choices.push_back({kind, weight, node});
    };
    // Undo actions are always enabled: they pair with what a seed enabled.
    offer(FaultKind::kHeal, 6, networkCut_);
    for (const auto& [id, m] : members_) {
      offer(FaultKind::kRestart, 6, m.crashed, id);
      offer(FaultKind::kResume, 6, m.paused, id);
    }
    offer(FaultKind::kDiskHeal, 4, diskFaulted_.has_value(), diskFaulted_.value_or(0));
    const auto size = static_cast<int>(members_.size());
    const bool canStop = !available().empty() && (down() + 1 < size || size == 1);
    const auto on = [&](FaultKind kind) { return enabled_.contains(kind); };
    offer(FaultKind::kPartition, 4, on(FaultKind::kPartition) && !networkCut_ && size >= 2);
    offer(FaultKind::kIsolate, 4, on(FaultKind::kIsolate) && !networkCut_ && size >= 2);
    offer(FaultKind::kOneWay, 2, on(FaultKind::kOneWay) && !networkCut_ && size >= 2);
    offer(FaultKind::kCrash, 4, on(FaultKind::kCrash) && canStop);
    offer(FaultKind::kPause, 2, on(FaultKind::kPause) && canStop);
    offer(FaultKind::kTornWrite, 2, on(FaultKind::kTornWrite) && canStop);
    offer(FaultKind::kClockDrift, 2, on(FaultKind::kClockDrift));
    offer(FaultKind::kClockStep, 1, on(FaultKind::kClockStep));
    offer(FaultKind::kBitFlip, 1, on(FaultKind::kBitFlip) && mayDamage());
    const bool diskFree = !diskFaulted_ && !available().empty();
    offer(FaultKind::kFsyncError, 1, on(FaultKind::kFsyncError) && diskFree && mayDamage());
    offer(FaultKind::kDiskFull, 1, on(FaultKind::kDiskFull) && diskFree && mayDamage());
    offer(FaultKind::kSlowDisk, 1, on(FaultKind::kSlowDisk) && diskFree);
    const bool calm = down() == 0 && !diskFaulted_;  // membership changes can complete
    offer(FaultKind::kAddMember, 1, on(FaultKind::kAddMember) && calm && size < 7 && added_ < 2);
    offer(FaultKind::kRemoveMember, 1,
          on(FaultKind::kRemoveMember) && calm && size >= 2 && 2 * damagedCount() < size - 1 &&
              !available().empty());
    offer(FaultKind::kTransferLeader, 2,
          on(FaultKind::kTransferLeader) && size >= 2 && !available().empty());
    if (choices.empty()) return;

    int total = 0;
    for (const auto& c : choices) total += c.weight;
    auto r = static_cast<int>(rng_.below(static_cast<std::uint64_t>(total)));
    std::size_t i = 0;
    while (r >= choices[i].weight) r -= choices[i++].weight;
    apply(at, choices[i].kind, choices[i].node);
  }

  void apply(env::Nanos at, FaultKind kind, std::uint64_t undoNode) {
    Fault f;
    f.at = at;
    f.kind = kind;
    switch (kind) {
      case FaultKind::kHeal:
        networkCut_ = false;
        break;
      case FaultKind::kRestart:
        members_[undoNode].crashed = false;
        f.node = memberName(undoNode);
        break;
      case FaultKind::kResume:
        members_[undoNode].paused = false;
        f.node = memberName(undoNode);
        break;
      case FaultKind::kDiskHeal:
        diskFaulted_.reset();
        f.node = memberName(undoNode);
        break;
      case FaultKind::kPartition:
        f.groups = split(members_.size() >= 3 && rng_.chance(0.3) ? 3 : 2);
        networkCut_ = true;
        break;
      case FaultKind::kIsolate:
        f.node = target(all(), 0.5, 0.2);
        networkCut_ = true;
        break;
      case FaultKind::kOneWay: {
        auto groups = split(2);
        f.from = std::move(groups[0]);
        f.to = std::move(groups[1]);
        networkCut_ = true;
        break;
      }
      case FaultKind::kCrash:
      case FaultKind::kTornWrite:
      case FaultKind::kPause: {
        const auto id = pick(rng_, available());
        (kind == FaultKind::kPause ? members_[id].paused : members_[id].crashed) = true;
        f.node = memberName(id);
        const env::Nanos delay{rng_.between(200, 1000) * 1'000'000};
        if (members_.size() >= 2 && rng_.chance(0.35) && at + delay < duration_) {
          // Often make the victim lead first: a crashed or paused leader is what forces an
          // election, and a paused one resumes deposed (stale reads, old-term proposals).
          Fault transfer;
          transfer.at = at;
          transfer.kind = FaultKind::kTransferLeader;
          transfer.node = f.node;
          add(std::move(transfer));
          f.at = next_ = at + delay;
        }
        break;
      }
      case FaultKind::kClockDrift:
        f.node = target(all(), 0.4, 0.0);
        // At most 1%: lease expiry is decided by the leader's clock, and etcd's keep-alive
        // margin, not a drift bound, is what keeps a lease alive.
        f.driftPpm = (rng_.chance(0.5) ? 1 : -1) * pick<double>(rng_, {100, 1000, 10'000});
        break;
      case FaultKind::kClockStep:
        f.node = target(all(), 0.4, 0.0);
        f.step = env::Nanos{rng_.between(50, 1000) * 1'000'000};
        break;
      case FaultKind::kBitFlip: {
        std::vector<std::uint64_t> candidates;
        for (const auto& [id, m] : members_) {
          if (!damaged(id) && !m.stopped) candidates.push_back(id);
        }
        if (candidates.empty()) return;
        const auto id = pick(rng_, candidates);
        flipped_.insert(id);
        f.node = memberName(id);
        f.path = pick<std::string>(rng_, {"", "wal", "snap"});
        break;
      }
      case FaultKind::kFsyncError:
      case FaultKind::kDiskFull:
      case FaultKind::kSlowDisk: {
        const auto id = pick(rng_, available());
        diskFaulted_ = id;
        diskFault_ = kind;
        f.node = memberName(id);
        if (kind == FaultKind::kFsyncError) {
          f.probability = pick<double>(rng_, {1.0, 0.5, 0.1});
          members_[id].stopped = true;  // may stop at its next fsync: never targeted again
        } else if (kind == FaultKind::kDiskFull) {
          f.capacityBytes = static_cast<std::uint64_t>(rng_.between(64, 4096)) * 1024;
          members_[id].stopped = true;
        } else {
          f.latency = env::Nanos{rng_.between(1, 100) * 1'000'000};
        }
        break;
      }
      case FaultKind::kAddMember:
        f.node = memberName(nextId_);
        members_[nextId_++] = {};
        ++added_;
        break;
      case FaultKind::kRemoveMember: {
        const auto id = pick(rng_, available());
        members_.erase(id);
        f.node = memberName(id);
        break;
      }
      case FaultKind::kTransferLeader:
        f.node = target(available(), 0.0, 0.3);
        break;
    }
    add(std::move(f));
  }

  sim::Rng& rng_;
  env::Nanos duration_;
  std::set<FaultKind> enabled_;
  std::map<std::uint64_t, Member> members_;  // current voters by ID
  std::uint64_t nextId_;
  env::Nanos next_{0};  ///< no fault before this (after a transfer-leader and its fault)
  int added_ = 0;
  bool networkCut_ = false;
  std::optional<std::uint64_t> diskFaulted_;
  FaultKind diskFault_ = FaultKind::kSlowDisk;
  std::set<std::uint64_t> flipped_;
  std::vector<Fault> faults_;
};

}  // namespace

Scenario drawScenario(std::uint64_t seed, env::Nanos duration) {
  if (duration <= env::Nanos{0}) {
    throw std::invalid_argument("the swarm's duration must be more than 0, got " +
                                formatDuration(duration));
  }
  sim::Rng rng = sim::SeedTree(seed).stream("swarm");
  Scenario s;
  s.name = fmt::format("swarm-{}", seed);
  s.cluster = drawCluster(rng);
  s.workload = drawWorkload(rng, s.cluster);
  {
    // A stream of its own, so that the rest of the draw does not depend on it. A third of the
    // seeds replicate in small messages with little in flight, as raft's own harness does:
    // acknowledgements then cover part of a new leader's catch-up, which is where counting
    // replicas of old-term entries (Figure 8) goes wrong.
    sim::Rng tuning = sim::SeedTree(seed).stream("swarm/raft-flow-control");
    if (tuning.chance(1.0 / 3)) {
      s.cluster.maxSizePerMsg =
          tuning.chance(0.5) ? 1 : static_cast<std::uint64_t>(tuning.between(64, 1024));
      s.cluster.maxInflightMsgs = static_cast<std::uint64_t>(tuning.between(1, 8));
    }
  }
  s.duration = duration;
  FaultDrawer faults(rng, s.cluster, duration);
  s.faults = faults.draw();
  s.expectRefusal = faults.bitFlipped();
  const auto count = [](std::size_t n, const char* noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
  };
  s.description = fmt::format("Drawn by the swarm from seed {} for {} of virtual time: {}, {}.",
                              seed, formatDuration(duration),
                              count(static_cast<std::size_t>(s.cluster.members), "member"),
                              count(s.faults.size(), "fault"));
  return s;
}

}  // namespace detcd::scenarios

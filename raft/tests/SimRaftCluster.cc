#include "raft/tests/SimRaftCluster.h"

#include <fmt/format.h>

#include <algorithm>

#include "raft/Raft.h"
#include "raft/tests/MutationNames.h"

namespace detcd::raft::testing {
namespace {

using namespace std::chrono_literals;

/// One Raft node as a simulated process: ticks from its own (drifting) clock, messages as
/// serialized raftpb over the simulated transport. Its NodeDriver lives outside it: the driver's
/// storage is what the node made durable, so destroying the process (a crash) loses exactly the
/// rest.
class RaftProcess final : public sim::Process {
 public:
  RaftProcess(env::Env& env, NodeDriver& driver, SimRaftCluster& cluster, env::Nanos tick)
      : env_(env), driver_(driver), cluster_(cluster), tick_(tick) {
    if (!driver_.up()) driver_.restart();
    env_.transport.setReceiver([this](env::NodeId, std::string payload) {
      raftpb::Message m;
      if (!m.ParseFromString(payload)) throw std::runtime_error("unparsable raft message");
      (void)driver_.step(m);
      pump();
    });
    scheduleTick();
    pump();
  }
  ~RaftProcess() override { driver_.crash(); }
  RaftProcess(const RaftProcess&) = delete;
  RaftProcess& operator=(const RaftProcess&) = delete;

  /// Handles every pending Ready: persist, apply, then send (NodeDriver keeps that order).
  void pump() {
    while (driver_.up()) {
      auto report = driver_.handleReady();
      if (!report) break;
      for (const auto& e : report->ready.committedEntries) {
        if (e.type() == raftpb::EntryNormal && !e.data().empty()) cluster_.noteApplied(e.data());
      }
      for (const auto& rs : report->ready.readStates) cluster_.checkRead(driver_.id(), rs);
      for (const auto& m : report->messages) {
        env_.transport.send(m.to(), m.SerializeAsString());
        // The transport reports a snapshot as sent; a lost one is retried after the follower
        // rejects the next append (etcd's ReportSnapshot).
        if (m.type() == raftpb::MsgSnap) {
          driver_.node().reportSnapshot(m.to(), SnapshotStatus::Finish);
        }
      }
    }
    traceRole();
  }

 private:
  void scheduleTick() {
    env_.clock.after(tick_, [this] {
      driver_.tick();
      pump();
      scheduleTick();
    });
  }

  /// Role and term changes go into the run's trace (what the reports will draw).
  void traceRole() {
    if (!driver_.up()) return;
    const Raft& r = driver_.node().raft();
    if (r.state() == role_ && r.term() == term_) return;
    role_ = r.state();
    term_ = r.term();
    env_.tracer.event("raft-role", {{"role", stateName(role_)}, {"term", term_}});
  }

  env::Env& env_;
  NodeDriver& driver_;
  SimRaftCluster& cluster_;
  env::Nanos tick_;
  StateType role_ = StateType::Follower;
  std::uint64_t term_ = 0;
};

}  // namespace

std::string simReplayCommand(const SimChaosOptions& o) {
  return fmt::format(
      "DETCD_RAFT_SIM_SEED={} DETCD_RAFT_SIM_NODES={} DETCD_RAFT_SIM_SECONDS={}{} "
      "build/tests/raft_chaos_test --gtest_filter=SimChaosTest.ReplaySeed",
      o.seed, o.nodes, o.faultPhase.count() / 1'000'000'000, mutationEnv(o.mutations));
}

SimRaftCluster::SimRaftCluster(const SimChaosOptions& options)
    : opts_(options), sim_(options.seed), rng_(sim_.seeds().stream("faults")) {
  // Fault rates per seed (TigerBeetle's VOPR): some seeds calm, some brutal.
  const auto frac = [&](double max) { return max * rng_.unit(); };
  // From sub-tick delays to several ticks: late messages from old terms are where Raft's
  // subtle cases live.
  link_.latency = sim::Latency::exponential(env::Nanos(rng_.between(100'000, 10'000'000)),
                                            env::Nanos(rng_.between(0, 30'000'000)));
  link_.loss = frac(0.2);
  link_.duplicate = frac(0.1);
  link_.reorder = frac(0.3);
  partition_ = frac(0.1);
  // Leader churn on half of the seeds: the leader is cut off alone again and again, so terms
  // follow each other quickly and logs diverge in many terms (the Figure 8 situations).
  churn_ = rng_.chance(0.5) ? 0.0 : frac(0.3);
  heal_ = frac(0.2) + 0.02;
  crash_ = frac(0.02);
  restart_ = frac(0.1) + 0.01;
  pause_ = frac(0.02);
  drift_ = frac(0.02);
  propose_ = frac(0.6);
  read_ = frac(0.3);
  confChange_ = frac(0.02);
  compact_ = frac(0.05);
  Config c;
  c.electionTick = 10;
  c.heartbeatTick = 1;
  c.preVote = rng_.chance(0.5);
  c.checkQuorum = rng_.chance(0.5);
  c.maxInflightMsgs = 1 + rng_.below(8);
  c.maxSizePerMsg = rng_.chance(0.5) ? 1 : 64 + rng_.below(1024);
  c.mutations = opts_.mutations;
  faults_ = fmt::format(
      "loss={:.3f} dup={:.3f} reorder={:.3f} churn={:.3f} partition={:.3f} heal={:.3f} "
      "crash={:.4f} restart={:.3f} pause={:.4f} drift={:.4f} propose={:.2f} read={:.2f} "
      "confChange={:.4f} compact={:.3f} prevote={} checkquorum={}",
      link_.loss, link_.duplicate, link_.reorder, churn_, partition_, heal_, crash_, restart_,
      pause_, drift_, propose_, read_, confChange_, compact_, c.preVote, c.checkQuorum);
  sim_.network().setDefaultLink(link_);

  raftpb::ConfState cs;
  for (std::uint64_t id = 1; id <= opts_.nodes; ++id) cs.add_voters(id);
  for (std::uint64_t id = 1; id <= opts_.nodes; ++id) {
    c.randomSeed = sim_.seeds().seedFor(fmt::format("raft/{}", id));
    drivers_.push_back(std::make_unique<NodeDriver>(id, c, cs, 1, &invariants_));
    ids_.push_back(id);
    NodeDriver& driver = *drivers_.back();
    sim_.addHost(id, [this, &driver](env::Env& env) {
      return std::make_unique<RaftProcess>(env, driver, *this, opts_.tick);
    });
  }
}

SimRaftCluster::~SimRaftCluster() = default;

bool SimRaftCluster::onNode(std::uint64_t id, const std::function<void(NodeDriver&)>& body) {
  sim::Host& host = sim_.host(id);
  if (host.loop().admit(host.incarnation()) != sim::NodeLoop::Admission::kRun) return false;
  host.loop().runHandler([&] {
    NodeDriver& driver = *drivers_[id - 1];
    body(driver);
    dynamic_cast<RaftProcess*>(host.process())->pump();
  });
  return true;
}

std::uint64_t SimRaftCluster::someLeader() {
  std::vector<std::uint64_t> leaders;
  for (std::uint64_t id : ids_) {
    NodeDriver& d = *drivers_[id - 1];
    if (d.up() && d.node().raft().state() == StateType::Leader) leaders.push_back(id);
  }
  if (leaders.empty()) return ids_[rng_.below(ids_.size())];
  return leaders[rng_.below(leaders.size())];
}

void SimRaftCluster::injectFault() {
  sim::Network& net = sim_.network();
  if (rng_.chance(churn_)) {
    net.heal();
    net.partition(sim::partitions::isolate(ids_, someLeader()), "isolate-leader");
    ++stats_.partitions;
  } else if (net.cut().empty() && rng_.chance(partition_)) {
    ++stats_.partitions;
    const std::uint64_t leader = someLeader();
    switch (rng_.below(5)) {
      case 0: net.partition(sim::partitions::isolate(ids_, leader), "isolate-leader"); break;
      case 1: net.partition(sim::partitions::majorityMinority(ids_, rng_), "minority"); break;
      case 2:
        if (ids_.size() >= 3) net.partition(sim::partitions::bridge(ids_, rng_), "bridge");
        break;
      case 3: net.partition(sim::partitions::ring(ids_), "ring"); break;
      default: {
        std::vector<env::NodeId> rest;
        for (auto id : ids_) {
          if (id != leader) rest.push_back(id);
        }
        net.partition(sim::partitions::oneWay({leader}, rest), "one-way-from-leader");
      }
    }
  } else if (!net.cut().empty() && rng_.chance(heal_)) {
    net.heal();
  }
  if (rng_.chance(crash_)) {
    const std::uint64_t id = rng_.chance(0.5) ? someLeader() : ids_[rng_.below(ids_.size())];
    if (sim_.host(id).state() != sim::NodeState::kDown) {
      sim_.host(id).crash();
      ++stats_.crashes;
    }
  }
  for (std::uint64_t id : ids_) {
    sim::Host& host = sim_.host(id);
    if (host.state() == sim::NodeState::kDown && rng_.chance(restart_)) host.restart();
    if (host.state() == sim::NodeState::kPaused && rng_.chance(restart_)) host.resume();
  }
  if (rng_.chance(pause_)) {
    sim::Host& host = sim_.host(ids_[rng_.below(ids_.size())]);
    if (host.state() == sim::NodeState::kRunning) {
      host.pause();
      ++stats_.pauses;
    }
  }
  if (rng_.chance(drift_)) {
    // Up to ±20% clock rate: election timeouts stretch and shrink; safety must not care.
    sim_.host(ids_[rng_.below(ids_.size())]).clock().setDrift(rng_.between(-200'000, 200'000));
  }
}

void SimRaftCluster::proposeConfChange(std::uint64_t via) {
  onNode(via, [&](NodeDriver& d) {
    const raftpb::ConfState cs = d.confState();
    if (cs.voters_outgoing_size() > 0) return;  // joint: wait for the leave
    const std::set<std::uint64_t> voters(cs.voters().begin(), cs.voters().end());
    const std::set<std::uint64_t> learners(cs.learners().begin(), cs.learners().end());
    raftpb::ConfChangeV2 cc;
    const auto add = [&](raftpb::ConfChangeType type, std::uint64_t id) {
      auto* change = cc.add_changes();
      change->set_type(type);
      change->set_node_id(id);
    };
    const std::uint64_t x = ids_[rng_.below(ids_.size())];
    if (voters.count(x)) {
      if (voters.size() > 1) {
        add(rng_.chance(0.5) ? raftpb::ConfChangeRemoveNode : raftpb::ConfChangeAddLearnerNode, x);
      }
    } else if (learners.count(x)) {
      add(rng_.chance(0.66) ? raftpb::ConfChangeAddNode : raftpb::ConfChangeRemoveNode, x);
    } else {
      add(rng_.chance(0.5) ? raftpb::ConfChangeAddLearnerNode : raftpb::ConfChangeAddNode, x);
    }
    if (cc.changes_size() == 0) return;
    const std::uint64_t y = ids_[rng_.below(ids_.size())];
    if (y != x && !voters.count(y) && !learners.count(y) && rng_.chance(0.5)) {
      add(raftpb::ConfChangeAddLearnerNode, y);  // two changes: joint consensus
    }
    (void)d.proposeConfChange(cc);
    ++stats_.confChanges;
  });
}

void SimRaftCluster::clientOp() {
  const std::uint64_t via = ids_[rng_.below(ids_.size())];
  if (rng_.chance(propose_)) {
    const std::string data = fmt::format("p{}", ++proposals_);
    onNode(via, [&](NodeDriver& d) { (void)d.propose(data); });
  }
  if (rng_.chance(read_)) {
    const std::string ctx = fmt::format("r{}-{}", sim_.now().count(), via);
    const std::uint64_t committed = highestCommit(drivers_);
    onNode(via, [&](NodeDriver& d) {
      reads_.requested(ctx, committed);
      d.node().readIndex(ctx);
      d.observe();
    });
  }
  if (rng_.chance(confChange_)) proposeConfChange(via);
  if (rng_.chance(compact_)) {
    onNode(via, [](NodeDriver& d) { d.compact(d.stateMachine().appliedIndex); });
  }
}

void SimRaftCluster::scheduleFaults(env::Nanos at) {
  // Faults and client operations are drawn every tick of virtual time while faults are on.
  sim_.scheduler().at(at, [this, at] {
    if (!faultsOn_) return;
    injectFault();
    clientOp();
    scheduleFaults(at + opts_.tick);
  });
}

namespace {
/// Every node a configuration mentions: voters (incoming and outgoing) and learners.
std::set<std::uint64_t> mentioned(const raftpb::ConfState& cs) {
  std::set<std::uint64_t> ids(cs.voters().begin(), cs.voters().end());
  ids.insert(cs.voters_outgoing().begin(), cs.voters_outgoing().end());
  ids.insert(cs.learners().begin(), cs.learners().end());
  ids.insert(cs.learners_next().begin(), cs.learners_next().end());
  return ids;
}
}  // namespace

void SimRaftCluster::shutDownRemovedNodes() {
  const std::set<std::uint64_t> members = mentioned(newestConfState(drivers_));
  std::set<std::uint64_t> needed = members;
  for (std::uint64_t id : members) {
    if (drivers_[id - 1]->up()) needed.merge(mentioned(drivers_[id - 1]->confState()));
  }
  for (std::uint64_t id : ids_) {
    sim::Host& host = sim_.host(id);
    if (needed.count(id) == 0 && host.state() != sim::NodeState::kDown) host.crash();
    // A configuration change still in the log may add a stopped node back: an operator
    // starts a member it adds.
    if (needed.count(id) != 0 && host.state() == sim::NodeState::kDown) host.restart();
  }
}

void SimRaftCluster::liveness() {
  // Heal: faults stop, links lose nothing, every node runs again with a true clock.
  faultsOn_ = false;
  sim::LinkConfig calm = link_;
  calm.loss = 0.0;
  calm.duplicate = 0.0;
  sim_.network().setDefaultLink(calm);
  sim_.network().heal();
  // Every node runs again. A node removed from the configuration shuts down once no member
  // still counts on it, as etcd's removed members do: left running without PreVote or
  // CheckQuorum, a removed node that never learns of its removal campaigns forever and deposes
  // every leader (Raft thesis §4.2.3), and no bound on commit time holds. Until every member
  // has applied its removal it may still be needed (say, a removed leader handing over).
  for (std::uint64_t id : ids_) {
    sim::Host& host = sim_.host(id);
    host.clock().setDrift(0.0);
    if (host.state() == sim::NodeState::kDown) host.restart();
    if (host.state() == sim::NodeState::kPaused) host.resume();
  }
  shutDownRemovedNodes();
  std::vector<std::uint64_t> running;
  for (std::uint64_t id : ids_) {
    if (drivers_[id - 1]->up()) running.push_back(id);
  }
  // The bound grows with the replication backlog (four ticks per entry).
  const env::Nanos bound = opts_.livenessBound +
                           4 * opts_.tick * static_cast<std::int64_t>(replicationBacklog(drivers_));
  for (int k = 0; k < opts_.livenessProposals; ++k) {
    const std::string data = fmt::format("live-{}", k);
    const env::Nanos start = sim_.now();
    while (!applied_.count(data)) {
      if (sim_.now() - start > bound) {
        std::string nodes;
        for (auto& d : drivers_) {
          nodes += d->up() ? d->node().status().describe() + "\n"
                           : fmt::format("{} down (not a member)\n", d->id());
        }
        throw SimLivenessFailure(fmt::format(
            "proposal {} not committed within {} ms after the heal\n{}", data,
            bound.count() / 1'000'000, nodes));
      }
      // A client retries through a random member every two election timeouts (the proposal
      // may be dropped while there is no leader).
      const std::uint64_t via = running[rng_.below(running.size())];
      onNode(via, [&](NodeDriver& d) {
        (void)d.propose(data);
        const raftpb::ConfState cs = d.confState();
        if (cs.voters_outgoing_size() > 0 && !cs.auto_leave()) {
          (void)d.proposeConfChange(raftpb::ConfChangeV2());  // leave an explicit joint config
        }
      });
      sim_.runUntil([&] { return applied_.count(data) != 0; }, sim_.now() + 20 * opts_.tick);
      shutDownRemovedNodes();
      running.clear();
      for (std::uint64_t id : ids_) {
        if (drivers_[id - 1]->up()) running.push_back(id);
      }
    }
  }
}

SimChaosStats SimRaftCluster::run() {
  for (std::uint64_t id : ids_) sim_.host(id).start();
  scheduleFaults(opts_.tick);
  sim_.runUntil(opts_.faultPhase);
  liveness();
  for (auto& d : drivers_) {
    if (d->up()) stats_.maxTerm = std::max(stats_.maxTerm, d->node().raft().term());
  }
  stats_.events = sim_.scheduler().fired();
  stats_.committed = invariants_.committedCount();
  stats_.traceHash = sim_.trace().hash();
  return stats_;
}

}  // namespace detcd::raft::testing

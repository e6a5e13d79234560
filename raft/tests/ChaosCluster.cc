#include "raft/tests/ChaosCluster.h"

#include <fmt/format.h>

#include <algorithm>

#include "raft/tests/MutationNames.h"

namespace detcd::raft::testing {

std::string replayCommand(const ChaosOptions& o) {
  return fmt::format(
      "DETCD_RAFT_CHAOS_SEED={} DETCD_RAFT_CHAOS_NODES={} DETCD_RAFT_CHAOS_TICKS={}{} "
      "build/tests/raft_chaos_test --gtest_filter=ChaosTest.ReplaySeed",
      o.seed, o.nodes, o.faultTicks, mutationEnv(o.mutations));
}

ChaosCluster::ChaosCluster(const ChaosOptions& opts)
    : opts_(opts), rng_(opts.seed * 0x2545f4914f6cdd1dULL + 1), side_(opts.nodes, 0) {
  // Fault ranges are drawn per seed (VOPR style) so that some seeds are calm and some
  // are brutal.
  auto frac = [&](double max) { return max * static_cast<double>(pick(1001)) / 1000.0; };
  loss_ = frac(0.2);
  dup_ = frac(0.1);
  maxDelay_ = pick(6);
  partition_ = frac(0.05);
  churn_ = pick(2) ? 0.0 : frac(0.5);
  heal_ = frac(0.1) + 0.005;
  crash_ = frac(0.01);
  restart_ = frac(0.05) + 0.005;
  propose_ = frac(0.3);
  read_ = frac(0.2);
  confChange_ = frac(0.01);
  compact_ = frac(0.02);
  preVote_ = chance(0.5);
  checkQuorum_ = chance(0.5);

  Config c;
  c.electionTick = 10;
  c.heartbeatTick = 1;
  c.maxInflightMsgs = 1 + pick(8);
  // One entry per MsgApp on half of the seeds: followers then acknowledge old-term entries
  // without the new leader's entries (the Figure 8 situation).
  c.maxSizePerMsg = pick(2) ? 1 : 64 + pick(1024);
  c.preVote = preVote_;
  c.checkQuorum = checkQuorum_;
  c.mutations = opts.mutations;
  raftpb::ConfState cs;
  for (std::uint64_t id = 1; id <= opts.nodes; ++id) cs.add_voters(id);
  for (std::uint64_t id = 1; id <= opts.nodes; ++id) {
    c.randomSeed = opts.seed * 1000003ULL + id;
    nodes_.push_back(std::make_unique<NodeDriver>(id, c, cs, 1, &invariants_));
  }
}

std::string ChaosCluster::describeFaults() const {
  return fmt::format(
      "loss={:.3f} dup={:.3f} maxDelay={} partition={:.3f} churn={:.3f} heal={:.3f} crash={:.4f} "
      "restart={:.3f} propose={:.2f} read={:.2f} confChange={:.4f} compact={:.3f} prevote={} "
      "checkquorum={}",
      loss_, dup_, maxDelay_, partition_, churn_, heal_, crash_, restart_, propose_, read_,
      confChange_, compact_, preVote_, checkQuorum_);
}

std::string ChaosCluster::describeNodes() {
  std::string out;
  for (std::uint64_t id = 1; id <= nodes_.size(); ++id) {
    if (!node(id).up()) {
      out += fmt::format("{}: down\n", id);
      continue;
    }
    const Raft& r = node(id).node().raft();
    out += fmt::format("{} (last {}/{})\n", node(id).node().status().describe(), r.log().lastTerm(),
                       r.log().lastIndex());
  }
  return out;
}

bool ChaosCluster::cut(std::uint64_t from, std::uint64_t to) const {
  return side_[from - 1] != side_[to - 1];
}

void ChaosCluster::enqueue(const raftpb::Message& m) {
  if (faultsOn_ && m.type() != raftpb::MsgSnap && chance(loss_)) return;
  int copies = faultsOn_ && chance(dup_) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    std::uint64_t delay = faultsOn_ ? pick(maxDelay_ + 1) : 0;
    inflight_.push_back(InFlight{now_ + delay, seq_++, m});
  }
}

void ChaosCluster::pump(std::uint64_t id) {
  NodeDriver& d = node(id);
  while (d.up()) {
    auto rep = d.handleReady();
    if (!rep) return;
    for (const auto& e : rep->ready.committedEntries) {
      if (e.type() == raftpb::EntryNormal && !e.data().empty()) applied_.insert(e.data());
    }
    for (const auto& rs : rep->ready.readStates) {
      if (reads_.answered(id, rs)) ++stats_.reads;
    }
    for (const auto& m : rep->messages) enqueue(m);
  }
}

void ChaosCluster::deliverDue() {
  // Everything due now, in a seed-determined order (reordering within a tick; across ticks
  // the random delays reorder).
  std::vector<InFlight> due, later;
  for (auto& f : inflight_) (f.deliverAt <= now_ ? due : later).push_back(std::move(f));
  inflight_ = std::move(later);
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  for (std::size_t i = due.size(); i > 1; --i) std::swap(due[i - 1], due[pick(i)]);
  for (auto& f : due) {
    const raftpb::Message& m = f.msg;
    NodeDriver& to = node(m.to());
    bool lost = cut(m.from(), m.to()) || !to.up();
    if (m.type() == raftpb::MsgSnap && node(m.from()).up()) {
      // The transport reports the outcome of a snapshot send (etcd's ReportSnapshot).
      node(m.from()).node().reportSnapshot(m.to(),
                                           lost ? SnapshotStatus::Failure : SnapshotStatus::Finish);
      node(m.from()).observe();
    }
    if (lost) continue;
    ++stats_.delivered;
    (void)to.step(m);
    pump(m.to());
    if (m.type() == raftpb::MsgSnap) pump(m.from());
  }
}

void ChaosCluster::tickAll() {
  for (std::uint64_t id = 1; id <= nodes_.size(); ++id) {
    if (!node(id).up()) continue;
    node(id).tick();
    pump(id);
    stats_.maxTerm = std::max(stats_.maxTerm, node(id).node().raft().term());
  }
}

std::uint64_t ChaosCluster::someLeader() {
  std::vector<std::uint64_t> leaders;
  for (std::uint64_t id = 1; id <= nodes_.size(); ++id) {
    if (node(id).up() && node(id).node().raft().state() == StateType::Leader) leaders.push_back(id);
  }
  if (leaders.empty()) return 1 + pick(nodes_.size());
  return leaders[pick(leaders.size())];
}

void ChaosCluster::injectFaults() {
  bool partitioned = std::any_of(side_.begin(), side_.end(), [](int s) { return s != 0; });
  if (chance(churn_)) {
    // Leader churn: cut a leader off alone, whatever the partition was. Elections then
    // follow each other quickly and logs diverge in many terms (Figure 8 situations).
    std::fill(side_.begin(), side_.end(), 0);
    side_[someLeader() - 1] = 1;
  } else if (!partitioned && chance(partition_)) {
    if (pick(2)) {
      for (auto& s : side_) s = static_cast<int>(pick(2));  // random split
    } else {
      side_[someLeader() - 1] = 1;  // cut off a leader (forces elections)
    }
  } else if (partitioned && chance(heal_)) {
    std::fill(side_.begin(), side_.end(), 0);
  }
  if (chance(crash_)) {
    std::uint64_t id = pick(2) ? someLeader() : 1 + pick(nodes_.size());
    if (node(id).up()) {
      node(id).crash();
      ++stats_.crashes;
    }
  }
  for (std::uint64_t id = 1; id <= nodes_.size(); ++id) {
    if (!node(id).up() && chance(restart_)) {
      node(id).restart();
      pump(id);
    }
  }
}

void ChaosCluster::proposeConfChange() {
  raftpb::ConfState cs = newestConfState(nodes_);
  std::set<std::uint64_t> voters(cs.voters().begin(), cs.voters().end());
  std::set<std::uint64_t> learners(cs.learners().begin(), cs.learners().end());
  raftpb::ConfChangeV2 cc;
  auto add = [&](raftpb::ConfChangeType t, std::uint64_t id) {
    auto* c = cc.add_changes();
    c->set_type(t);
    c->set_node_id(id);
  };
  std::uint64_t x = 1 + pick(nodes_.size());
  if (cs.voters_outgoing_size() > 0) {
    // Joint: propose leaving (only effective with an explicit transition, else refused).
  } else if (voters.count(x)) {
    if (voters.size() > 1)
      add(pick(2) ? raftpb::ConfChangeRemoveNode : raftpb::ConfChangeAddLearnerNode, x);
  } else if (learners.count(x)) {
    add(pick(3) ? raftpb::ConfChangeAddNode : raftpb::ConfChangeRemoveNode, x);
  } else {
    add(pick(2) ? raftpb::ConfChangeAddLearnerNode : raftpb::ConfChangeAddNode, x);
  }
  // Sometimes change two nodes at once (joint consensus), sometimes explicitly joint.
  std::uint64_t y = 1 + pick(nodes_.size());
  if (cc.changes_size() == 1 && y != x && !voters.count(y) && !learners.count(y) && pick(2)) {
    add(raftpb::ConfChangeAddLearnerNode, y);
  }
  if (pick(4) == 0) cc.set_transition(raftpb::ConfChangeTransitionJointExplicit);
  std::uint64_t via = 1 + pick(nodes_.size());
  if (!node(via).up()) return;
  (void)node(via).proposeConfChange(cc);
  ++stats_.confChanges;
  pump(via);
}

void ChaosCluster::clientOps() {
  if (chance(read_)) {
    std::uint64_t via = 1 + pick(nodes_.size());
    if (node(via).up()) {
      std::string ctx = fmt::format("r{}-{}", now_, via);
      reads_.requested(ctx, highestCommit(nodes_));
      node(via).node().readIndex(ctx);
      node(via).observe();
      pump(via);
    }
  }
  if (chance(propose_)) {
    std::uint64_t via = 1 + pick(nodes_.size());
    if (node(via).up()) {
      (void)node(via).propose(fmt::format("p{}-{}", now_, via));
      pump(via);
    }
  }
  if (chance(confChange_)) proposeConfChange();
  if (chance(compact_)) {
    std::uint64_t id = 1 + pick(nodes_.size());
    if (node(id).up()) node(id).compact(node(id).stateMachine().appliedIndex);
  }
}

void ChaosCluster::liveness() {
  // Heal: no more faults, every node runs again (including removed ones: a node removed
  // from the newest configuration may still be needed by members that have not learned
  // about that configuration yet, e.g. to leave a joint configuration).
  faultsOn_ = false;
  std::fill(side_.begin(), side_.end(), 0);
  std::vector<std::uint64_t> all;
  for (std::uint64_t id = 1; id <= nodes_.size(); ++id) {
    all.push_back(id);
    if (!node(id).up()) {
      node(id).restart();
      pump(id);
    }
  }
  // A joint configuration left explicitly must be left by the application.
  // The bound grows with the backlog to replicate: with one entry per MsgApp and one
  // MsgApp in flight, a follower that missed n entries needs about n round trips.
  const std::uint64_t bound =
      static_cast<std::uint64_t>(opts_.livenessBoundTicks) + 4 * replicationBacklog(nodes_);
  for (int k = 0; k < opts_.livenessProposals; ++k) {
    std::string data = fmt::format("live-{}", k);
    std::uint64_t start = now_;
    std::uint64_t lastSubmit = 0;
    bool submitted = false;
    while (!applied_.count(data)) {
      if (now_ - start > bound) {
        throw LivenessFailure(
            fmt::format("proposal {} not committed within {} ticks after the heal (seed {})\n{}",
                        data, bound, opts_.seed, describeNodes()));
      }
      // A client retries through a random member (the proposal may have been dropped or
      // lost with a leader change) every two election timeouts.
      if (!submitted || now_ - lastSubmit >= 20) {
        std::uint64_t via = all[pick(all.size())];
        (void)node(via).propose(data);
        raftpb::ConfState now = newestConfState(nodes_);
        if (now.voters_outgoing_size() > 0 && !now.auto_leave()) {
          (void)node(via).proposeConfChange(raftpb::ConfChangeV2());
        }
        pump(via);
        submitted = true;
        lastSubmit = now_;
      }
      ++now_;
      tickAll();
      deliverDue();
    }
  }
}

ChaosStats ChaosCluster::run() {
  for (std::uint64_t id = 1; id <= nodes_.size(); ++id) pump(id);
  for (int t = 0; t < opts_.faultTicks; ++t) {
    ++now_;
    injectFaults();
    clientOps();
    tickAll();
    deliverDue();
  }
  liveness();
  stats_.ticks = now_;
  stats_.committedEntries = invariants_.committedCount();
  return stats_;
}

}  // namespace detcd::raft::testing

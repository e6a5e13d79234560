#include "server/NodeImpl.h"

#include <xxhash.h>

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "raft/ConfChanger.h"
#include "server/Applier.h"
#include "server/Errors.h"

namespace detcd::server {

namespace {

/// Readies handled per turn of the event loop before yielding (etcd applies asynchronously, so
/// the applied index may trail the commit index; "too many requests" guards that gap).
constexpr int kReadiesPerTurn = 8;

std::string_view roleName(raft::StateType s) {
  switch (s) {
    case raft::StateType::Leader: return "leader";
    case raft::StateType::Candidate: return "candidate";
    case raft::StateType::PreCandidate: return "pre-candidate";
    case raft::StateType::Follower: break;
  }
  return "follower";
}

std::uint64_t deriveClusterId(const NodeConfig& c) {
  if (c.clusterId != 0) return c.clusterId;
  std::vector<std::uint64_t> ids;
  for (const auto& m : c.initialCluster) ids.push_back(m.id);
  if (ids.empty()) return 0;
  std::sort(ids.begin(), ids.end());
  return XXH3_64bits(ids.data(), ids.size() * sizeof(std::uint64_t));
}

mvcc::KvStoreOptions storeOptions(const NodeConfig& c) {
  mvcc::KvStoreOptions o;
  o.maxTxnOps = c.maxTxnOps;
  o.minLeaseTtlSeconds =
      mvcc::Lessor::minLeaseTtlSeconds(c.electionTicks, c.tick.count() / 1'000'000);
  return o;
}

}  // namespace

bool mentions(const raftpb::ConfState& cs, std::uint64_t id) {
  const auto has = [id](const auto& f) { return std::find(f.begin(), f.end(), id) != f.end(); };
  return has(cs.voters()) || has(cs.learners()) || has(cs.voters_outgoing()) ||
         has(cs.learners_next());
}

namespace {

std::uint64_t decodeId(const std::string& ctx) {
  std::uint64_t id = 0;
  for (unsigned char c : ctx) id = (id << 8) | c;
  return id;
}

/// Traces one Raft message a member sent ("raft-send", peer field "to") or stepped
/// ("raft-recv", peer field "from"), for reports' timelines. Heartbeats and their answers are
/// left out unless `heartbeats` (NodeConfig::traceHeartbeats): they are most of the traffic and
/// say little.
void traceRaftMessage(env::Tracer& tracer, std::string_view kind, std::string_view peerKey,
                      std::uint64_t peer, const raftpb::Message& m, bool heartbeats) {
  const bool heartbeat = m.type() == raftpb::MsgHeartbeat || m.type() == raftpb::MsgHeartbeatResp;
  if (heartbeat && !heartbeats) return;
  tracer.event(kind, {{peerKey, peer},
                      {"type", std::string_view(raftpb::MessageType_Name(m.type()))},
                      {"term", m.term()},
                      {"index", m.index()},
                      {"entries", static_cast<std::uint64_t>(m.entries_size())},
                      {"commit", m.commit()},
                      {"reject", m.reject()}});
}

}  // namespace

Node::Impl::Impl(env::Env& env, NodeConfig config)
    : env_(env),
      cfg_(std::move(config)),
      clusterId_(deriveClusterId(cfg_)),
      store_(storeOptions(cfg_)),
      hub_(store_),
      log_(env, cfg_.dataDir, cfg_.walSegmentBytes),
      waits_(env.clock),
      quota_(cfg_.quotaBackendBytes) {
  if (cfg_.id == 0) throw std::invalid_argument("NodeConfig: id must be non-zero");
  if (cfg_.tick <= env::Nanos{0}) throw std::invalid_argument("NodeConfig: tick must be positive");
  if (cfg_.snapshotCount == 0) {
    throw std::invalid_argument("NodeConfig: snapshotCount must be positive");
  }
  if (cfg_.heartbeatTicks <= 0 || cfg_.electionTicks <= cfg_.heartbeatTicks) {
    throw std::invalid_argument(
        "NodeConfig: heartbeatTicks must be positive and electionTicks greater than it");
  }
  if (!cfg_.join && cfg_.initialCluster.empty() && !log_.exists()) {
    throw std::invalid_argument(
        "NodeConfig: a new member needs initialCluster (or join for an existing cluster)");
  }
  // Request IDs: the member in the top 16 bits, a counter started from the seed and the clock
  // below, so that incarnations of one member do not reuse IDs (etcd's idutil.Generator).
  idPrefix_ = (cfg_.id & 0xffff) << 48;
  const std::uint64_t mix[2] = {env.seed, static_cast<std::uint64_t>(env.clock.now().count())};
  idCounter_ = XXH3_64bits(mix, sizeof mix) & ((std::uint64_t{1} << 40) - 1);
  start();
}

Node::Impl::~Impl() {
  // A destroyed node is a crashed one: no callback runs, no timer fires afterwards.
  env_.transport.setReceiver(nullptr);
  for (env::TimerId t :
       {tickTimer_, leaseTimer_, syncTimer_, progressTimer_, pumpTimer_, removalTimer_,
        publishTimer_}) {
    if (t != 0) env_.clock.cancel(t);
  }
}

raftpb::Snapshot Node::Impl::bootstrapSnapshot() const {
  serverpb::SnapshotData d;
  {
    auto store = store_.snapshot();
    d.mutable_store()->Swap(&store);  // not a deep copy of every record
  }
  std::map<std::uint64_t, const InitialMember*> sorted;
  for (const auto& m : cfg_.initialCluster) sorted[m.id] = &m;
  raftpb::Snapshot s;
  for (const auto& [id, m] : sorted) {
    auto* pm = d.add_members();
    pm->set_id(id);
    pm->set_name(m->name);
    pm->set_peer_url(m->peerUrl);
    s.mutable_metadata()->mutable_conf_state()->add_voters(id);
  }
  d.set_consistent_index(1);
  d.set_cluster_id(clusterId_);
  s.mutable_metadata()->set_index(1);
  s.mutable_metadata()->set_term(1);
  s.set_data(d.SerializeAsString());
  return s;
}

void Node::Impl::start() {
  serverpb::WalMetadata meta;
  meta.set_member_id(cfg_.id);
  meta.set_cluster_id(clusterId_);
  meta.set_joined(cfg_.join);
  meta.set_cluster_token(cfg_.clusterToken);
  std::vector<raftpb::Entry> alreadyApplied;
  if (!log_.exists()) {
    std::optional<raftpb::Snapshot> boot;
    if (!cfg_.join) boot = bootstrapSnapshot();
    if (auto e = log_.create(meta.SerializeAsString(), boot)) {
      stop("bootstrap failed: " + e.message());
      return;
    }
  } else {
    auto rec = log_.open(cfg_.bugs.applyTwice ? cfg_.snapshotCatchUpEntries : 0);
    if (!rec) {
      refuse(rec.error().message());
      return;
    }
    serverpb::WalMetadata found;
    if (!found.ParseFromString(rec->metadata) || found.member_id() != cfg_.id) {
      refuse("wal in " + cfg_.dataDir + "/wal belongs to member " +
             std::to_string(found.member_id()) + ", not " + std::to_string(cfg_.id));
      return;
    }
    if (found.cluster_id() != 0) clusterId_ = found.cluster_id();
    alreadyApplied = std::move(rec->alreadyApplied);
    const bool empty = rec->snapshot.metadata().index() == 0 && rec->hardState.commit() == 0 &&
                       log_.storage().lastIndex() == 0;
    if (empty && !found.joined()) {
      // A crash interrupted the bootstrap after the WAL was created: finish it.
      if (auto e = log_.bootstrap(bootstrapSnapshot())) {
        stop("bootstrap failed: " + e.message());
        return;
      }
    }
  }
  const raftpb::Snapshot snap = log_.storage().snapshot().value;
  if (snap.metadata().index() > 0 && !restoreSnapshot(snap)) return;
  if (removed_) {
    stop("removed from the cluster");
    return;
  }
  confState_ = log_.storage().initialState().confState;
  if (!alreadyApplied.empty()) {
    // apply-twice (a deliberate defect): entries the snapshot already contains are applied
    // again, as if the consistent index were not there.
    for (const auto& e : alreadyApplied) {
      consistentIndex_ = e.index() - 1;
      applyEntry(e);
    }
    consistentIndex_ = snap.metadata().index();
  }

  raft::Config rc;
  rc.id = cfg_.id;
  rc.electionTick = cfg_.electionTicks;
  rc.heartbeatTick = cfg_.heartbeatTicks;
  rc.storage = &log_.storage();
  rc.applied = consistentIndex_;
  rc.checkQuorum = cfg_.checkQuorum;
  rc.preVote = cfg_.preVote;
  rc.randomSeed = env_.seed;
  rc.maxSizePerMsg = cfg_.maxSizePerMsg;
  rc.maxInflightMsgs = static_cast<std::size_t>(cfg_.maxInflightMsgs);
  // Bounded apply work per Ready (and kReadiesPerTurn per turn) keeps the loop responsive while
  // a member catches up; the applied index then trails the commit index for a while.
  rc.maxCommittedSizePerReady = 64 << 10;
  rc.maxUncommittedEntriesSize = std::uint64_t{1} << 30;  // etcd's maxUncommittedEntriesSize
  rc.mutations.commitPreviousTermReplicas = cfg_.bugs.commitPreviousTerm;
  rc.mutations.grantTwoVotesPerTerm = cfg_.bugs.doubleVote;
  try {
    raw_ = std::make_unique<raft::RawNode>(rc);
  } catch (const std::exception& ex) {
    // The durable state contradicts itself (e.g. a commit index beyond the log): never serve.
    refuse(std::string("raft state on disk: ") + ex.what());
    return;
  }

  const raftpb::HardState& hs = log_.storage().hardState();
  env_.tracer.event("node-start", {{"term", hs.term()},
                                   {"commit", hs.commit()},
                                   {"applied", consistentIndex_},
                                   {"snapshot", snapshotIndex_}});
  env_.transport.setReceiver(
      [this](env::NodeId from, std::string payload) { receive(from, payload); });
  startTimers();
  pump();
  publish();
}

bool Node::Impl::restoreSnapshot(const raftpb::Snapshot& snap) {
  const std::uint64_t index = snap.metadata().index();
  serverpb::SnapshotData d;
  mvcc::Status st;
  if (!d.ParseFromString(snap.data())) {
    st = mvcc::errors::make(mvcc::StatusCode::kInvalidArgument, "unparsable snapshot data");
  } else {
    st = store_.restore(d.store());
  }
  if (!st.ok()) {
    const std::string reason = "snapshot at index " + std::to_string(index) + ": " + st.message;
    if (raw_) {
      stop(reason);
    } else {
      refuse(reason);
    }
    return false;
  }
  hub_.restored();
  members_.assign(d);
  alarms_.assign(d);
  // A removed member stays removed, also when it restarts from (or is sent) a snapshot taken
  // after its removal, which no longer holds the configuration change that removed it.
  if (members_.isRemoved(cfg_.id) && !mentions(snap.metadata().conf_state(), cfg_.id)) {
    removed_ = true;
  }
  consistentIndex_ = d.consistent_index();
  if (d.cluster_id() != 0) clusterId_ = d.cluster_id();
  snapshotIndex_ = index;
  confState_ = snap.metadata().conf_state();
  return true;
}

void Node::Impl::startTimers() {
  tickTimer_ = env_.clock.after(cfg_.tick, [this] { onTick(); });
  leaseTimer_ = env_.clock.after(cfg_.leaseCheckInterval, [this] { onLeaseCheck(); });
  syncTimer_ = env_.clock.after(cfg_.watchSyncInterval, [this] { onWatchSync(); });
  progressTimer_ = env_.clock.after(cfg_.progressNotifyInterval, [this] { onProgressNotify(); });
}

void Node::Impl::onTick() {
  tickTimer_ = 0;
  if (stopped_) return;
  raw_->tick();
  ++ticks_;
  if (cfg_.bugs.skipFsync &&
      ticks_ % static_cast<std::uint64_t>(std::max(1, cfg_.electionTicks)) == 0) {
    // skip-fsync: what the Ready loop acknowledged unsynced becomes durable only once per
    // election timeout (a window wide enough for crashes to lose acknowledged writes).
    if (auto e = log_.sync()) {
      stop("wal: " + e.message());
      return;
    }
  }
  if (ticks_ % static_cast<std::uint64_t>(std::max(1, cfg_.electionTicks / 2)) == 0) {
    retryReadIndexes();
  }
  pump();
  if (!stopped_) tickTimer_ = env_.clock.after(cfg_.tick, [this] { onTick(); });
}

void Node::Impl::receive(env::NodeId from, const std::string& payload) {
  if (stopped_) return;
  serverpb::PeerMessage pm;
  if (!pm.ParseFromString(payload)) return;  // not ours: the transport never corrupts
  // Removed, and out of Raft's configuration (not an outgoing voter of a joint one, whose vote
  // the leave still needs).
  if (members_.isRemoved(from) && !mentions(confState_, from)) {
    serverpb::PeerMessage gone;
    gone.set_removed(true);
    sendPeer(from, gone);
    // A removed leader's hand-over (MsgTimeoutNow) is still taken: it names its successor.
    const bool handOver = pm.has_raft() && pm.raft().type() == raftpb::MsgTimeoutNow;
    if (!handOver) return;
  }
  switch (pm.body_case()) {
    case serverpb::PeerMessage::kRaft: {
      traceRaftMessage(env_.tracer, "raft-recv", "from", from, pm.raft(), cfg_.traceHeartbeats);
      const raft::Raft& r = raw_->raft();
      const auto before = std::make_pair(r.state(), r.lead());
      try {
        (void)raw_->step(pm.raft());
      } catch (const std::exception& ex) {
        // Raft found its durable state contradicting the leader's (etcd panics: a commit
        // index beyond the log means acknowledged entries were lost, e.g. by skip-fsync).
        stop(std::string("raft: ") + ex.what());
        flushAnswers();
        return;
      }
      // A change of role or leader is handled at once (the lessor's promotion or demotion,
      // reads lost with the old leader), before a request of this turn sees the old role;
      // anything else joins this turn's Ready.
      if (std::make_pair(r.state(), r.lead()) != before) {
        pump();
      } else {
        schedulePump();
      }
      break;
    }
    case serverpb::PeerMessage::kLeaseForward:
      handleLeaseForward(from, pm.lease_forward());
      break;
    case serverpb::PeerMessage::kLeaseAnswer:
      handleLeaseAnswer(pm.lease_answer());
      break;
    case serverpb::PeerMessage::kRemoved:
      // Told by a member that applied the removal: stop after the same delay (pump()).
      removed_ = true;
      schedulePump();
      break;
    case serverpb::PeerMessage::BODY_NOT_SET:
      break;
  }
}

void Node::Impl::sendPeer(env::NodeId to, const serverpb::PeerMessage& m) {
  env_.transport.send(to, m.SerializeAsString());
}

void Node::Impl::respond(std::function<void()> answer) {
  if (pumping_) {
    answers_.push_back(std::move(answer));
  } else {
    answer();
  }
}

void Node::Impl::flushAnswers() {
  while (!answers_.empty()) {
    auto batch = std::exchange(answers_, {});
    for (auto& a : batch) a();
  }
}

void Node::Impl::schedulePump() {
  if (pumpTimer_ != 0 || stopped_) return;
  pumpTimer_ = env_.clock.after(env::Nanos{0}, [this] {
    pumpTimer_ = 0;
    pump();
  });
}

void Node::Impl::pump() {
  if (pumping_ || !raw_) return;
  // This pump takes whatever a scheduled one would have found.
  if (pumpTimer_ != 0) {
    env_.clock.cancel(pumpTimer_);
    pumpTimer_ = 0;
  }
  if (!stopped_) proposeQueued();
  pumping_ = true;
  int handled = 0;
  while (!stopped_ && raw_->hasReady()) {
    if (handled == kReadiesPerTurn) {
      schedulePump();
      break;
    }
    handleReady();
    ++handled;
  }
  pumping_ = false;
  if (removed_ && !stopped_ && removalTimer_ == 0) {
    // As etcd (stopWithDelay after applying its own removal): keep running for ten ticks, so
    // that the others learn that the configuration without this member is committed; a
    // member that left at once could leave them in a joint configuration that needs its vote.
    removalTimer_ = env_.clock.after(10 * cfg_.tick, [this] {
      removalTimer_ = 0;
      stop("removed from the cluster");
      flushAnswers();
    });
  }
  flushAnswers();
}

void Node::Impl::sendRaftMessages(std::vector<raftpb::Message> msgs) {
  for (auto& m : msgs) {
    const std::uint64_t to = m.to();
    const bool snapshot = m.type() == raftpb::MsgSnap;
    traceRaftMessage(env_.tracer, "raft-send", "to", to, m, cfg_.traceHeartbeats);
    serverpb::PeerMessage pm;
    *pm.mutable_raft() = std::move(m);
    sendPeer(to, pm);
    // Sending cannot fail visibly; a lost snapshot is retried after the follower rejects the
    // next append (etcd reports a snapshot as finished once the transport took it).
    if (snapshot) raw_->reportSnapshot(to, raft::SnapshotStatus::Finish);
  }
}

void Node::Impl::handleReady() {
  raft::Ready rd = raw_->ready();
  // 0. A leader's appends leave first, so that the followers write them while it does.
  sendRaftMessages(raw_->takeLeaderMessages(rd));
  // 1. Persist: snapshot, entries, HardState; fsync unless only the commit index moved (or the
  // skip-fsync defect is on).
  const bool sync = rd.mustSync && !cfg_.bugs.skipFsync;
  if (auto e = log_.persist(rd, sync)) {
    stop("wal: " + e.message());
    return;
  }
  if (rd.softState) onSoftState(*rd.softState);
  // 2. Apply.
  if (rd.snapshot) {
    if (!restoreSnapshot(*rd.snapshot)) return;
    // Not "removed" for lacking from the snapshot's ConfState: a joining member receives one
    // older than its addition. restoreSnapshot() checks the removed IDs instead.
    env_.tracer.event("snapshot-restore", {{"index", rd.snapshot->metadata().index()}});
  }
  for (const auto& e : rd.committedEntries) {
    applyEntry(e);
    if (stopped_) return;
  }
  // 3. Only now may the other messages leave.
  std::vector<raftpb::Message> msgs = raw_->advance(rd);
  traceRaftState();
  sendRaftMessages(std::move(msgs));
  serveReads(rd.readStates);
  if (!rd.committedEntries.empty() || rd.snapshot) {
    maybeSnapshot();
    deliverWatches();
  }
}

void Node::Impl::onSoftState(const raft::SoftState& ss) {
  const bool leader = ss.raftState == raft::StateType::Leader;
  if (leader) ledUntilNow_ = true;
  if (ss.lead != 0 && ss.lead != cfg_.id) ledUntilNow_ = false;
  mvcc::Lessor& lessor = store_.lessor();
  if (leader && !lessor.primary()) {
    lessor.promote(env_.clock.now().count(), (cfg_.tick * cfg_.electionTicks).count());
  } else if (!leader && lessor.primary()) {
    lessor.demote();
    revoking_.clear();
    failExpiredKeepAlives(errors::notLeader());
  }
  if (ss.lead != lastLead_) {
    if (ss.lead != 0) ++leaderChanges_;  // etcd's raftNode counts a new non-zero leader
    lastLead_ = ss.lead;
    // A ReadIndex in flight may have been lost with the old leader (etcd 3.4 fails its reads).
    if (readBatchId_ != 0) {
      readBatchId_ = 0;
      for (std::uint64_t id : std::exchange(readBatch_, {})) {
        waits_.trigger(id, errors::leaderChanged());
      }
    }
    for (auto it = moveLeaders_.begin(); it != moveLeaders_.end();) {
      if (it->second == ss.lead) {
        const std::uint64_t id = it->first;
        it = moveLeaders_.erase(it);
        waits_.trigger(id, {});
      } else {
        ++it;
      }
    }
  }
}

void Node::Impl::applyEntry(const raftpb::Entry& e) {
  if (e.index() <= consistentIndex_) return;  // already in the store (consistent index)
  env_.tracer.event("apply", {{"index", e.index()},
                              {"term", e.term()},
                              {"hash", static_cast<std::uint64_t>(
                                           XXH3_64bits(e.data().data(), e.data().size()))}});
  switch (e.type()) {
    case raftpb::EntryNormal:
      applyNormal(e);
      break;
    case raftpb::EntryConfChange:
    case raftpb::EntryConfChangeV2:
      applyConfChange(e);
      break;
    default:
      break;
  }
  if (!stopped_) consistentIndex_ = e.index();
}

void Node::Impl::applyNormal(const raftpb::Entry& e) {
  if (e.data().empty()) return;  // a new leader's empty entry
  serverpb::InternalRaftRequest req;
  if (!req.ParseFromString(e.data())) {
    stop("entry " + std::to_string(e.index()) + " holds no valid proposal");
    return;
  }
  if (req.has_member_attr_set()) return applyAttributes(req);
  ApplyResult r = applyWithAlarms(store_, alarms_, quota_, req, env_.clock.now().count());
  if (req.has_lease_revoke()) {
    revoking_.erase(req.lease_revoke().id());
    answerExpiredKeepAlives(req.lease_revoke().id());
  }
  if (req.has_alarm()) {
    traceAlarm(req.alarm(), static_cast<const etcdserverpb::AlarmResponse&>(*r.response));
  }
  if (r.status == errors::noSpace() && !alarms_.active(etcdserverpb::NOSPACE) &&
      raiseAfterApply(req)) {
    return;
  }
  waits_.trigger(req.id(), r.status, r.response.get());
}

void Node::Impl::applyConfChange(const raftpb::Entry& e) {
  raftpb::ConfChangeV2 cc;
  bool parsed;
  if (e.type() == raftpb::EntryConfChange) {
    raftpb::ConfChange v1;
    parsed = v1.ParseFromString(e.data());
    if (parsed) cc = raft::toV2(v1);
  } else {
    parsed = cc.ParseFromString(e.data());
  }
  serverpb::ConfChangeContext ctx;
  if (!parsed || (!cc.context().empty() && !ctx.ParseFromString(cc.context()))) {
    stop("entry " + std::to_string(e.index()) + " holds no valid configuration change");
    return;
  }
  if (!raw_) return;  // apply-twice replay before Raft exists: the store only
  mvcc::Status st = members_.validate(cc);
  if (st.ok()) {
    try {
      confState_ = raw_->applyConfChange(cc);
    } catch (const raft::ConfChangeError& ex) {
      // Proposed against an older configuration: rejected alike on every member.
      st = mvcc::errors::make(mvcc::StatusCode::kFailedPrecondition, ex.what());
    }
  }
  if (st.ok()) {
    members_.apply(cc, ctx.member());
    // Removed once its removal applied and the configuration no longer needs it. A member that
    // joins replays configurations from before its addition: those do not mention it either.
    if (members_.isRemoved(cfg_.id) && !mentions(confState_, cfg_.id)) removed_ = true;
  }
  waits_.trigger(ctx.request_id(), st);
}

void Node::Impl::serveReads(const std::vector<raft::ReadState>& readStates) {
  for (const auto& rs : readStates) {
    if (readBatchId_ == 0 || decodeId(rs.requestCtx) != readBatchId_) continue;
    for (std::uint64_t id : readBatch_) awaitingApply_[id] = rs.index;
    readBatchId_ = 0;
    readBatch_.clear();
  }
  // Reads that arrived meanwhile get their own ReadIndex now.
  if (readBatchId_ == 0 && !readsWaiting_.empty() && !stopped_) startReadBatch();
  for (auto it = awaitingApply_.begin(); it != awaitingApply_.end();) {
    if (it->second <= consistentIndex_) {
      const std::uint64_t id = it->first;
      it = awaitingApply_.erase(it);
      waits_.trigger(id, {});
    } else {
      ++it;
    }
  }
}

void Node::Impl::maybeSnapshot() {
  if (stopped_ || consistentIndex_ - snapshotIndex_ < cfg_.snapshotCount) return;
  serverpb::SnapshotData d;
  {
    auto store = store_.snapshot();
    d.mutable_store()->Swap(&store);  // not a deep copy of every record
  }
  members_.save(&d);
  alarms_.save(&d);
  d.set_consistent_index(consistentIndex_);
  d.set_cluster_id(clusterId_);
  auto snap = log_.storage().createSnapshot(consistentIndex_, &confState_, d.SerializeAsString());
  if (!snap.ok()) return;
  const std::uint64_t keep = cfg_.snapshotCatchUpEntries;
  const std::uint64_t compactTo = consistentIndex_ > keep ? consistentIndex_ - keep : 0;
  // apply-twice keeps the WAL back to the previous snapshot, so that a restart finds entries the
  // newest snapshot already holds (and applies them again).
  const std::uint64_t releaseTo = cfg_.bugs.applyTwice ? snapshotIndex_ : consistentIndex_;
  if (auto e = log_.saveOwnSnapshot(snap.value, compactTo, releaseTo)) {
    stop("snapshot: " + e.message());
    return;
  }
  snapshotIndex_ = consistentIndex_;
  ++snapshots_;
  env_.tracer.event("snapshot-save", {{"index", snapshotIndex_}});
}

void Node::Impl::traceRaftState() {
  const raft::Raft& r = raw_->raft();
  Traced t{r.term(), r.vote(), r.lead(), r.log().committed(), r.log().lastIndex(),
           std::string(roleName(r.state()))};
  role_ = t.role;
  if (traced_ && *traced_ == t) return;
  traced_ = t;
  env_.tracer.event("raft-state", {{"term", t.term},
                                   {"vote", t.vote},
                                   {"role", std::string_view(t.role)},
                                   {"leader", t.leader},
                                   {"commit", t.commit},
                                   {"last", t.last}});
}

void Node::Impl::stop(const std::string& reason) {
  if (stopped_) return;
  stopped_ = true;
  stopReason_ = reason;
  env_.tracer.event("node-stopped", {{"reason", std::string_view(reason)}});
  for (env::TimerId* t : {&tickTimer_, &leaseTimer_, &syncTimer_, &progressTimer_, &pumpTimer_,
                          &removalTimer_, &publishTimer_}) {
    if (*t != 0) env_.clock.cancel(*t);
    *t = 0;
  }
  readsWaiting_.clear();
  readBatch_.clear();
  readBatchId_ = 0;
  awaitingApply_.clear();
  moveLeaders_.clear();
  failExpiredKeepAlives(errors::stopped());
  waits_.triggerAll(errors::stopped());
  for (auto& p : std::exchange(queuedProposals_, {})) {
    --proposalsPending_;
    p.done(errors::stopped(), nullptr);
  }
}

void Node::Impl::refuse(const std::string& reason) {
  stopped_ = true;
  refused_ = true;
  stopReason_ = reason;
  env_.tracer.event("node-refused", {{"reason", std::string_view(reason)}});
}

NodeStatus Node::Impl::status() const {
  NodeStatus s;
  s.id = cfg_.id;
  s.clusterId = clusterId_;
  s.name = cfg_.name;
  s.stopped = stopped_;
  s.stopReason = stopReason_;
  s.removed = removed_;
  s.refused = refused_;
  s.role = stopped_ ? "stopped" : role_;
  s.appliedIndex = consistentIndex_;
  s.snapshotIndex = snapshotIndex_;
  s.firstIndex = log_.storage().firstIndex();
  s.revision = store_.currentRevision();
  s.compactRevision = store_.compactRevision();
  // HashKV and the key count walk the whole store: computed once per applied state,
  // however often polled.
  const std::tuple<std::uint64_t, std::int64_t, std::int64_t> key{
      consistentIndex_, s.revision, s.compactRevision};
  if (!summaryCache_ || summaryCache_->first != key) {
    StoreSummary sum;
    etcdserverpb::HashKVResponse hresp;
    (void)store_.hashKV({}, &hresp);
    sum.hashKv = hresp.hash();
    etcdserverpb::RangeRequest all;
    all.set_key(std::string(1, '\0'));
    all.set_range_end(std::string(1, '\0'));
    all.set_count_only(true);
    etcdserverpb::RangeResponse rresp;
    if (store_.range(all, &rresp).ok()) sum.keys = static_cast<std::uint64_t>(rresp.count());
    summaryCache_.emplace(key, sum);
  }
  s.hashKv = summaryCache_->second.hashKv;
  s.keys = summaryCache_->second.keys;
  s.dbSizeBytes = backendBytes(store_);
  s.quotaBackendBytes = quota_.limit();
  etcdserverpb::AlarmResponse alarms;
  alarms_.list(alarms.mutable_alarms());
  s.alarms.assign(alarms.alarms().begin(), alarms.alarms().end());
  s.voters.assign(confState_.voters().begin(), confState_.voters().end());
  s.learners.assign(confState_.learners().begin(), confState_.learners().end());
  s.walSyncs = log_.syncCount();
  s.walFsyncDurations = log_.fsyncDurations();
  s.leaderChanges = leaderChanges_;
  s.proposalsFailed = proposalsFailed_;
  s.proposalsPending = proposalsPending_;
  s.snapshots = snapshots_;
  if (raw_) {
    const raft::Raft& r = raw_->raft();
    s.term = r.term();
    s.leader = r.lead();
    s.commitIndex = r.log().committed();
    s.lastIndex = r.log().lastIndex();
  }
  return s;
}

}  // namespace detcd::server

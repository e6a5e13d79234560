#include "raft/Raft.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "raft/ConfChanger.h"
#include "raft/Storage.h"

namespace detcd::raft {

using raftpb::Message;
using raftpb::MessageType;

std::string_view stateName(StateType s) {
  switch (s) {
    case StateType::Follower:
      return "StateFollower";
    case StateType::Candidate:
      return "StateCandidate";
    case StateType::Leader:
      return "StateLeader";
    case StateType::PreCandidate:
      return "StatePreCandidate";
  }
  return "?";
}

bool isEmptyHardState(const raftpb::HardState& hs) {
  return hs.term() == 0 && hs.vote() == 0 && hs.commit() == 0;
}

bool hardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

bool isLocalMsg(MessageType t) {
  return t == raftpb::MsgHup || t == raftpb::MsgBeat || t == raftpb::MsgUnreachable ||
         t == raftpb::MsgSnapStatus || t == raftpb::MsgCheckQuorum;
}

bool isResponseMsg(MessageType t) {
  return t == raftpb::MsgAppResp || t == raftpb::MsgVoteResp || t == raftpb::MsgHeartbeatResp ||
         t == raftpb::MsgUnreachable || t == raftpb::MsgPreVoteResp;
}

namespace {

MessageType voteRespMsgType(MessageType t) {
  return t == raftpb::MsgVote ? raftpb::MsgVoteResp : raftpb::MsgPreVoteResp;
}

std::uint64_t payloadSize(const raftpb::Entry& e) { return e.data().size(); }

// Whether e is a configuration change that removes node id or demotes it to learner.
bool removesNode(const raftpb::Entry& e, std::uint64_t id) {
  raftpb::ConfChangeV2 cc;
  if (e.type() == raftpb::EntryConfChange) {
    raftpb::ConfChange v1;
    if (!v1.ParseFromString(e.data())) return false;
    cc = toV2(v1);
  } else if (e.type() != raftpb::EntryConfChangeV2 || !cc.ParseFromString(e.data())) {
    return false;
  }
  for (const auto& c : cc.changes()) {
    if (c.node_id() == id && (c.type() == raftpb::ConfChangeRemoveNode ||
                              c.type() == raftpb::ConfChangeAddLearnerNode)) {
      return true;
    }
  }
  return false;
}

bool isLeaveJoint(const raftpb::Entry& e) {
  raftpb::ConfChangeV2 cc;
  return e.type() == raftpb::EntryConfChangeV2 && cc.ParseFromString(e.data()) && leaveJoint(cc);
}

}  // namespace

void Config::validate() const {
  if (id == kNone) throw std::invalid_argument("raft config: id must not be 0 (kNone)");
  if (heartbeatTick <= 0) throw std::invalid_argument("raft config: heartbeatTick must be > 0");
  if (electionTick <= heartbeatTick) {
    throw std::invalid_argument("raft config: electionTick must be greater than heartbeatTick");
  }
  if (storage == nullptr) throw std::invalid_argument("raft config: storage must not be null");
  if (maxInflightMsgs == 0) {
    throw std::invalid_argument("raft config: maxInflightMsgs must be greater than 0");
  }
  if (readOnlyOption == ReadOnlyOption::LeaseBased && !checkQuorum) {
    throw std::invalid_argument(
        "raft config: checkQuorum must be enabled when readOnlyOption is LeaseBased");
  }
}

Raft::Raft(const Config& c)
    : id_(c.id),
      log_((c.validate(), *c.storage), c.maxCommittedSizePerReady),
      maxMsgSize_(c.maxSizePerMsg),
      maxUncommittedSize_(c.maxUncommittedEntriesSize),
      prs_(c.maxInflightMsgs),
      readOnly_(c.readOnlyOption),
      checkQuorum_(c.checkQuorum),
      preVote_(c.preVote),
      heartbeatTimeout_(c.heartbeatTick),
      electionTimeout_(c.electionTick),
      disableProposalForwarding_(c.disableProposalForwarding),
      rng_(c.randomSeed ^ (c.id * 0x9e3779b97f4a7c15ULL)),
      mutations_(c.mutations) {
  InitialState is = c.storage->initialState();
  auto restored = ConfChanger::restore(is.confState, prs_.maxInflight(), log_.lastIndex());
  switchToConfig(restored.config, restored.progress);
  if (!isEmptyHardState(is.hardState)) loadState(is.hardState);
  if (c.applied > 0) log_.appliedTo(c.applied);
  becomeFollower(term_, kNone);
}

raftpb::HardState Raft::hardState() const {
  raftpb::HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

void Raft::loadState(const raftpb::HardState& hs) {
  if (hs.commit() < log_.committed() || hs.commit() > log_.lastIndex()) {
    throw std::logic_error(fmt::format("raft {}: state.commit {} is out of range [{}, {}]", id_,
                                       hs.commit(), log_.committed(), log_.lastIndex()));
  }
  log_.commitTo(hs.commit());
  term_ = hs.term();
  vote_ = hs.vote();
}

// --- messages out ---

void Raft::send(Message m) {
  m.set_from(id_);
  if (m.type() == raftpb::MsgVote || m.type() == raftpb::MsgVoteResp ||
      m.type() == raftpb::MsgPreVote || m.type() == raftpb::MsgPreVoteResp) {
    // Vote messages carry the term they are about (PreVote: the future term).
    assert(m.term() != 0 && "vote messages must carry a term");
  } else {
    assert(m.term() == 0 && "term is set by send");
    // Proposals and ReadIndex requests are forwarded as local messages (term 0).
    if (m.type() != raftpb::MsgProp && m.type() != raftpb::MsgReadIndex) m.set_term(term_);
  }
  msgs_.push_back(std::move(m));
}

bool Raft::maybeSendAppend(std::uint64_t to, bool sendIfEmpty) {
  auto it = prs_.progress.find(to);
  if (it == prs_.progress.end()) return false;
  Progress& pr = it->second;
  if (pr.isPaused()) return false;
  Message m;
  m.set_to(to);
  auto term = log_.term(pr.next - 1);
  auto ents = log_.entries(pr.next, maxMsgSize_);
  if (ents.value.empty() && ents.ok() && term.ok() && !sendIfEmpty) return false;
  if (!term.ok() || !ents.ok()) {
    // The entries the follower needs were compacted: send the snapshot (paper §7).
    if (!pr.recentActive) return false;  // do not send snapshots to peers that seem down
    auto snap = log_.snapshot();
    if (snap.error == Error::SnapshotTemporarilyUnavailable) return false;
    if (!snap.ok() || snap.value.metadata().index() == 0) {
      throw std::logic_error(fmt::format("raft {}: need a non-empty snapshot for {}", id_, to));
    }
    m.set_type(raftpb::MsgSnap);
    *m.mutable_snapshot() = snap.value;
    pr.becomeSnapshot(snap.value.metadata().index());
  } else {
    m.set_type(raftpb::MsgApp);
    m.set_index(pr.next - 1);
    m.set_log_term(term.value);
    for (auto& e : ents.value) *m.add_entries() = std::move(e);
    m.set_commit(log_.committed());
    if (int n = m.entries_size(); n != 0) {
      if (pr.state == ProgressState::Replicate) {
        std::uint64_t last = m.entries(n - 1).index();
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state == ProgressState::Probe) {
        pr.probeSent = true;
      }
    }
  }
  send(std::move(m));
  return true;
}

void Raft::sendHeartbeat(std::uint64_t to, const std::string& ctx) {
  // Never advance a follower's commit past what it is known to have (it may lack entries).
  std::uint64_t commit = std::min(prs_.progress.at(to).match, log_.committed());
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgHeartbeat);
  m.set_commit(commit);
  m.set_context(ctx);
  send(std::move(m));
}

void Raft::sendTimeoutNow(std::uint64_t to) {
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgTimeoutNow);
  send(std::move(m));
}

void Raft::bcastAppend() {
  for (const auto& [id, pr] : prs_.progress) {
    if (id != id_) sendAppend(id);
  }
}

void Raft::bcastHeartbeat() {
  bcastHeartbeatWithCtx(readOnly_.lastPendingRequestCtx().value_or(""));
}

void Raft::bcastHeartbeatWithCtx(const std::string& ctx) {
  for (const auto& [id, pr] : prs_.progress) {
    if (id != id_) sendHeartbeat(id, ctx);
  }
}

// --- log ---

bool Raft::appendEntry(std::vector<raftpb::Entry> es) {
  std::uint64_t li = log_.lastIndex();
  for (std::size_t i = 0; i < es.size(); ++i) {
    es[i].set_term(term_);
    es[i].set_index(li + 1 + i);
  }
  if (!increaseUncommittedSize(es)) return false;
  li = log_.append(es);
  prs_.progress.at(id_).maybeUpdate(li);
  maybeCommit();  // a single-voter group commits at once
  return true;
}

bool Raft::maybeCommit() {
  return log_.maybeCommit(prs_.committed(), term_, mutations_.commitPreviousTermReplicas);
}

bool Raft::increaseUncommittedSize(const std::vector<raftpb::Entry>& ents) {
  std::uint64_t s = 0;
  for (const auto& e : ents) s += payloadSize(e);
  // Always admit one proposal when nothing is outstanding, and always admit empty entries
  // (the leader's term-start entry, leave-joint), so progress is never blocked.
  if (uncommittedSize_ > 0 && s > 0 && uncommittedSize_ + s > maxUncommittedSize_) return false;
  uncommittedSize_ += s;
  return true;
}

void Raft::reduceUncommittedSize(const std::vector<raftpb::Entry>& ents) {
  if (state_ != StateType::Leader) return;
  std::uint64_t s = 0;
  for (const auto& e : ents) s += payloadSize(e);
  uncommittedSize_ = s > uncommittedSize_ ? 0 : uncommittedSize_ - s;
}

bool Raft::committedEntryInCurrentTerm() const {
  return log_.zeroTermOnOutOfBounds(log_.committed()) == term_;
}

void Raft::appliedTo(std::uint64_t applied) {
  log_.appliedTo(applied);
  // Auto-leave: once the entry that entered a joint config is applied, the leader proposes
  // the empty ConfChangeV2 that leaves it.
  if (prs_.config.autoLeave && applied >= pendingConfIndex_ && state_ == StateType::Leader &&
      !removedLeader()) {
    raftpb::Entry e;
    e.set_type(raftpb::EntryConfChangeV2);
    bool ok = appendEntry({e});
    assert(ok && "an empty entry always fits the uncommitted budget");
    (void)ok;
    pendingConfIndex_ = log_.lastIndex();
    bcastAppend();
  }
  if (deferredTransferTerm_ != 0 && !hasUnappliedConfChange()) {
    const bool current = deferredTransferTerm_ == term_ && state_ == StateType::Follower;
    deferredTransferTerm_ = 0;
    if (current) hup(CampaignType::Transfer);
  }
}

// --- roles ---

void Raft::resetRandomizedElectionTimeout() {
  randomizedElectionTimeout_ =
      electionTimeout_ + static_cast<int>(rng_.below(static_cast<std::uint64_t>(electionTimeout_)));
}

void Raft::reset(std::uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  electionElapsed_ = 0;
  heartbeatElapsed_ = 0;
  resetRandomizedElectionTimeout();
  abortLeaderTransfer();
  prs_.resetVotes();
  std::uint64_t last = log_.lastIndex();
  for (auto& [id, pr] : prs_.progress) {
    bool learner = pr.isLearner;
    pr = Progress(prs_.maxInflight());
    pr.next = last + 1;
    pr.isLearner = learner;
    if (id == id_) pr.match = last;
  }
  pendingConfIndex_ = 0;
  selfRemovalPending_ = false;
  uncommittedSize_ = 0;
  readOnly_ = ReadOnly(readOnly_.option());
}

void Raft::becomeFollower(std::uint64_t term, std::uint64_t lead) {
  reset(term);
  lead_ = lead;
  state_ = StateType::Follower;
  pendingReadIndexMessages_.clear();
}

void Raft::becomeCandidate() {
  if (state_ == StateType::Leader)
    throw std::logic_error("invalid transition [leader -> candidate]");
  reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::Candidate;
}

void Raft::becomePreCandidate() {
  if (state_ == StateType::Leader) {
    throw std::logic_error("invalid transition [leader -> pre-candidate]");
  }
  // PreVote (thesis §9.6): neither the term nor the vote changes.
  prs_.resetVotes();
  lead_ = kNone;
  state_ = StateType::PreCandidate;
}

void Raft::becomeLeader() {
  if (state_ == StateType::Follower)
    throw std::logic_error("invalid transition [follower -> leader]");
  reset(term_);
  lead_ = id_;
  state_ = StateType::Leader;
  Progress& self = prs_.progress.at(id_);
  self.becomeReplicate();
  self.recentActive = true;  // the leader never counts itself inactive for CheckQuorum
  // Entries before lastIndex may include an unapplied conf change: be conservative. If one
  // of them removes this node, it is leaving (see stepLeader's MsgProp).
  pendingConfIndex_ = log_.lastIndex();
  auto unapplied = log_.slice(log_.applied() + 1, log_.lastIndex() + 1, kNoLimit);
  if (!unapplied.ok()) throw std::logic_error("raft: cannot read unapplied entries");
  for (const auto& e : unapplied.value)
    selfRemovalPending_ = selfRemovalPending_ || removesNode(e, id_);
  // An empty entry of the new term lets the leader commit older entries (paper §5.4.2,
  // §8 "no-op"), and is the first thing ReadIndex waits for.
  bool ok = appendEntry({raftpb::Entry()});
  assert(ok && "the empty entry is never dropped");
  (void)ok;
}

bool Raft::promotable() const {
  auto it = prs_.progress.find(id_);
  return it != prs_.progress.end() && !it->second.isLearner && !log_.hasPendingSnapshot();
}

// --- elections ---

bool Raft::hasUnappliedConfChange() const {
  auto r = log_.slice(log_.applied() + 1, log_.committed() + 1, kNoLimit);
  if (!r.ok()) throw std::logic_error("raft: cannot read unapplied entries for campaign");
  for (const auto& e : r.value) {
    if (e.type() == raftpb::EntryConfChange || e.type() == raftpb::EntryConfChangeV2) return true;
  }
  return false;
}

void Raft::hup(CampaignType t) {
  if (state_ == StateType::Leader) return;
  if (!promotable()) return;  // learners and removed nodes never campaign
  // A node with an unapplied conf change must not campaign: it may not know the config.
  if (hasUnappliedConfChange()) return;
  campaign(t);
}

void Raft::campaign(CampaignType t) {
  if (!promotable()) return;
  std::uint64_t term;
  MessageType voteMsg;
  if (t == CampaignType::PreElection) {
    becomePreCandidate();
    voteMsg = raftpb::MsgPreVote;
    term = term_ + 1;  // the term we would campaign in
  } else {
    becomeCandidate();
    voteMsg = raftpb::MsgVote;
    term = term_;
  }
  if (poll(id_, true) == VoteResult::Won) {
    // Single-voter group: won on our own vote.
    if (t == CampaignType::PreElection) {
      campaign(CampaignType::Election);
    } else {
      becomeLeader();
    }
    return;
  }
  for (auto id : prs_.voterNodes()) {
    if (id == id_) continue;
    Message m;
    m.set_to(id);
    m.set_term(term);
    m.set_type(voteMsg);
    m.set_index(log_.lastIndex());
    m.set_log_term(log_.lastTerm());
    if (t == CampaignType::Transfer) m.set_context(kCampaignTransfer);
    send(std::move(m));
  }
}

VoteResult Raft::poll(std::uint64_t id, bool granted) {
  prs_.recordVote(id, granted);
  return prs_.tallyVotes().result;
}

void Raft::stepVote(const Message& m) {
  // Paper §5.2: at most one vote per term, first come first served; a node that knows a
  // leader does not vote (it would otherwise disrupt a working leader). PreVote grants
  // for a future term without recording anything.
  bool canVote = vote_ == m.from() || (vote_ == kNone && lead_ == kNone) ||
                 (m.type() == raftpb::MsgPreVote && m.term() > term_) ||
                 mutations_.grantTwoVotesPerTerm;
  // Paper §5.4.1: only vote for a candidate whose log is at least as up-to-date.
  bool upToDate = mutations_.skipUpToDateCheck || log_.isUpToDate(m.index(), m.log_term());
  Message resp;
  resp.set_to(m.from());
  resp.set_type(voteRespMsgType(m.type()));
  if (canVote && upToDate) {
    // The response carries the term of the request so that a PreCandidate can count it.
    resp.set_term(m.term());
    send(std::move(resp));
    if (m.type() == raftpb::MsgVote) {
      electionElapsed_ = 0;
      vote_ = m.from();
    }
  } else {
    resp.set_term(term_);
    resp.set_reject(true);
    send(std::move(resp));
  }
}

// --- step ---

Error Raft::step(Message m) {
  if (m.term() == 0) {
    // local message
  } else if (m.term() > term_) {
    if (m.type() == raftpb::MsgVote || m.type() == raftpb::MsgPreVote) {
      bool force = m.context() == kCampaignTransfer;
      bool inLease = checkQuorum_ && lead_ != kNone && electionElapsed_ < electionTimeout_;
      // CheckQuorum lease (thesis §4.2.3): a node that heard from a leader within the
      // minimum election timeout ignores vote requests, so a partitioned node that
      // rejoins with a high term cannot depose a working leader.
      if (!force && inLease) return Error::None;
    }
    if (m.type() == raftpb::MsgPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type() == raftpb::MsgPreVoteResp && !m.reject()) {
      // Granted pre-votes carry the future term; we bump it only when we win.
    } else if (m.type() == raftpb::MsgApp || m.type() == raftpb::MsgHeartbeat ||
               m.type() == raftpb::MsgSnap) {
      becomeFollower(m.term(), m.from());  // only a leader sends these
    } else {
      becomeFollower(m.term(), kNone);  // paper §5.1: adopt the higher term
    }
  } else if (m.term() < term_) {
    if (m.type() == raftpb::MsgHeartbeat || m.type() == raftpb::MsgApp) {
      // Paper §5.1: answer with our term, so a stale leader (e.g. after a partition) learns
      // it and steps down. etcd answers only with CheckQuorum or PreVote and otherwise
      // relies on our vote requests reaching the stale leader — which they do not when our
      // (older) configuration does not contain it.
      Message resp;
      resp.set_to(m.from());
      resp.set_type(raftpb::MsgAppResp);
      send(std::move(resp));
    } else if (m.type() == raftpb::MsgPreVote || m.type() == raftpb::MsgVote) {
      // Paper §5.1: reject with our term so that the candidate learns it is behind. (etcd
      // ignores a stale MsgVote; then a candidate whose only possible voters have higher
      // terms but never contact it — e.g. a lagging voter that campaigns only towards the
      // peers of an older configuration — would stay behind forever.)
      Message resp;
      resp.set_to(m.from());
      resp.set_term(term_);
      resp.set_type(voteRespMsgType(m.type()));
      resp.set_reject(true);
      send(std::move(resp));
    }
    return Error::None;  // paper §5.1: stale-term requests are rejected/ignored
  }

  switch (m.type()) {
    case raftpb::MsgHup:
      hup(preVote_ ? CampaignType::PreElection : CampaignType::Election);
      return Error::None;
    case raftpb::MsgVote:
    case raftpb::MsgPreVote:
      stepVote(m);
      return Error::None;
    default:
      break;
  }
  switch (state_) {
    case StateType::Leader:
      return stepLeader(m);
    case StateType::Candidate:
    case StateType::PreCandidate:
      return stepCandidate(m);
    case StateType::Follower:
      return stepFollower(m);
  }
  return Error::None;
}

Error Raft::stepLeader(Message& m) {
  switch (m.type()) {
    case raftpb::MsgBeat:
      bcastHeartbeat();
      return Error::None;
    case raftpb::MsgCheckQuorum:
      if (!prs_.quorumActive()) {
        becomeFollower(term_, kNone);  // CheckQuorum: lost contact with a quorum
      }
      for (auto& [id, pr] : prs_.progress) {
        if (id != id_) pr.recentActive = false;
      }
      return Error::None;
    case raftpb::MsgProp: {
      if (m.entries_size() == 0) throw std::invalid_argument("raft: stepped empty MsgProp");
      // A leader on its way out (removed, demoted, not in the incoming half of a joint
      // configuration, or with its own removal pending) accepts nothing but leaving the
      // joint configuration. Otherwise it could step down holding entries the remaining
      // voters lack: it would then refuse them its vote while they still need it (their
      // configuration takes effect only when they apply it), and never campaign itself.
      bool leaving = removedLeader() || !prs_.config.voters.incoming.contains(id_) ||
                     (selfRemovalPending_ && pendingConfIndex_ > log_.applied());
      if (leaving && !(m.entries_size() == 1 && isLeaveJoint(m.entries(0)))) {
        return Error::ProposalDropped;
      }
      if (leadTransferee_ != kNone) return Error::ProposalDropped;
      std::vector<raftpb::Entry> ents(m.entries().begin(), m.entries().end());
      for (std::size_t i = 0; i < ents.size(); ++i) {
        auto& e = ents[i];
        raftpb::ConfChangeV2 cc;
        bool isCC = false;
        if (e.type() == raftpb::EntryConfChange) {
          raftpb::ConfChange v1;
          if (!v1.ParseFromString(e.data())) throw std::invalid_argument("raft: bad ConfChange");
          cc = toV2(v1);
          isCC = true;
        } else if (e.type() == raftpb::EntryConfChangeV2) {
          if (!cc.ParseFromString(e.data())) throw std::invalid_argument("raft: bad ConfChangeV2");
          isCC = true;
        }
        if (!isCC) continue;
        bool alreadyPending = pendingConfIndex_ > log_.applied();
        bool alreadyJoint = prs_.config.joint();
        bool wantsLeaveJoint = leaveJoint(cc);
        // One conf change at a time (thesis §4.1); joint configs must be left before the
        // next change; refused changes become empty entries so indexes stay aligned.
        if (alreadyPending || (alreadyJoint && !wantsLeaveJoint) ||
            (!alreadyJoint && wantsLeaveJoint)) {
          e = raftpb::Entry();
        } else {
          pendingConfIndex_ = log_.lastIndex() + i + 1;
          selfRemovalPending_ = selfRemovalPending_ || removesNode(e, id_);
        }
      }
      if (!appendEntry(std::move(ents))) return Error::ProposalDropped;
      bcastAppend();
      return Error::None;
    }
    case raftpb::MsgReadIndex:
      // A removed leader cannot confirm its leadership (found by the harness: with the
      // singleton shortcut it answered from a configuration whose only voter was another
      // node, which already led a newer term). The request is dropped; clients retry.
      if (removedLeader()) return Error::None;
      if (prs_.isSingleton() && prs_.config.voters.incoming.contains(id_)) {
        respondToReadIndex(m, log_.committed());
        return Error::None;
      }
      // Thesis §6.4: the leader's commit index is current only once it committed an entry
      // of its own term; postpone until then.
      if (!committedEntryInCurrentTerm()) {
        pendingReadIndexMessages_.push_back(m);
        return Error::None;
      }
      sendMsgReadIndexResponse(m);
      return Error::None;
    default:
      break;
  }

  auto it = prs_.progress.find(m.from());
  if (it == prs_.progress.end()) return Error::None;
  Progress& pr = it->second;
  switch (m.type()) {
    case raftpb::MsgAppResp: {
      pr.recentActive = true;
      if (m.reject()) {
        // Fast back-off: the follower told us its term at reject_hint; skip every entry of
        // ours with a larger term in one step.
        std::uint64_t nextProbe = m.reject_hint();
        if (m.log_term() > 0) nextProbe = log_.findConflictByTerm(m.reject_hint(), m.log_term());
        if (pr.maybeDecrTo(m.index(), nextProbe)) {
          if (pr.state == ProgressState::Replicate) pr.becomeProbe();
          sendAppend(m.from());
        }
      } else {
        bool oldPaused = pr.isPaused();
        if (pr.maybeUpdate(m.index())) {
          if (pr.state == ProgressState::Probe) {
            pr.becomeReplicate();
          } else if (pr.state == ProgressState::Snapshot && pr.match >= pr.pendingSnapshot) {
            pr.becomeProbe();
            pr.becomeReplicate();
          } else if (pr.state == ProgressState::Replicate) {
            pr.inflights.freeLE(m.index());
          }
          if (maybeCommit()) {
            releasePendingReadIndexMessages();
            bcastAppend();
          } else if (oldPaused) {
            sendAppend(m.from());  // it was paused and is not any more
          }
          // Keep the pipe full up to the inflight limit.
          while (maybeSendAppend(m.from(), false)) {
          }
          if (m.from() == leadTransferee_ && pr.match == log_.lastIndex()) {
            sendTimeoutNow(m.from());  // transferee caught up: let it campaign now
          }
        }
      }
      return Error::None;
    }
    case raftpb::MsgHeartbeatResp: {
      pr.recentActive = true;
      pr.probeSent = false;
      if (pr.state == ProgressState::Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < log_.lastIndex()) sendAppend(m.from());
      if (readOnly_.option() != ReadOnlyOption::Safe || m.context().empty()) return Error::None;
      if (prs_.config.voters.voteResult(readOnly_.recvAck(m.from(), m.context())) !=
          VoteResult::Won) {
        return Error::None;
      }
      for (const auto& rs : readOnly_.advance(m.context())) respondToReadIndex(rs.req, rs.index);
      return Error::None;
    }
    case raftpb::MsgSnapStatus:
      if (pr.state != ProgressState::Snapshot) return Error::None;
      if (m.reject()) pr.pendingSnapshot = 0;  // failed: probe from match again
      pr.becomeProbe();
      // Wait for a heartbeat response before the next MsgApp: the snapshot may still be
      // being applied by the follower.
      pr.probeSent = true;
      return Error::None;
    case raftpb::MsgUnreachable:
      if (pr.state == ProgressState::Replicate) pr.becomeProbe();
      return Error::None;
    case raftpb::MsgTransferLeader: {
      if (pr.isLearner) return Error::None;  // learners cannot lead
      std::uint64_t transferee = m.from();
      if (leadTransferee_ != kNone) {
        if (leadTransferee_ == transferee) return Error::None;  // already in progress
        abortLeaderTransfer();
      }
      if (transferee == id_) return Error::None;
      // The transfer must finish within one election timeout (tickHeartbeat aborts it).
      electionElapsed_ = 0;
      leadTransferee_ = transferee;
      if (pr.match == log_.lastIndex()) {
        sendTimeoutNow(transferee);
      } else {
        sendAppend(transferee);
      }
      return Error::None;
    }
    default:
      return Error::None;
  }
}

Error Raft::stepCandidate(Message& m) {
  MessageType myVoteResp =
      state_ == StateType::PreCandidate ? raftpb::MsgPreVoteResp : raftpb::MsgVoteResp;
  switch (m.type()) {
    case raftpb::MsgProp:
      return Error::ProposalDropped;  // no leader
    case raftpb::MsgApp:
      becomeFollower(m.term(), m.from());  // paper §5.2: a leader of our term exists
      handleAppendEntries(m);
      return Error::None;
    case raftpb::MsgHeartbeat:
      becomeFollower(m.term(), m.from());
      handleHeartbeat(m);
      return Error::None;
    case raftpb::MsgSnap:
      becomeFollower(m.term(), m.from());
      handleSnapshot(m);
      return Error::None;
    default:
      break;
  }
  if (m.type() == myVoteResp) {
    VoteResult res = poll(m.from(), !m.reject());
    if (res == VoteResult::Won) {
      if (state_ == StateType::PreCandidate) {
        campaign(CampaignType::Election);
      } else {
        becomeLeader();
        bcastAppend();
      }
    } else if (res == VoteResult::Lost) {
      // A rejecting response with a higher term was already handled in step().
      becomeFollower(term_, kNone);
    }
  }
  return Error::None;  // MsgTimeoutNow and others are ignored by candidates
}

Error Raft::stepFollower(Message& m) {
  switch (m.type()) {
    case raftpb::MsgProp:
      if (lead_ == kNone || disableProposalForwarding_) return Error::ProposalDropped;
      m.set_to(lead_);
      send(std::move(m));
      return Error::None;
    case raftpb::MsgApp:
      electionElapsed_ = 0;
      lead_ = m.from();
      handleAppendEntries(m);
      return Error::None;
    case raftpb::MsgHeartbeat:
      electionElapsed_ = 0;
      lead_ = m.from();
      handleHeartbeat(m);
      return Error::None;
    case raftpb::MsgSnap:
      electionElapsed_ = 0;
      lead_ = m.from();
      handleSnapshot(m);
      return Error::None;
    case raftpb::MsgTransferLeader:
      if (lead_ == kNone) return Error::None;
      m.set_to(lead_);
      m.set_term(0);
      send(std::move(m));
      return Error::None;
    case raftpb::MsgTimeoutNow:
      // Leadership transfer: campaign at once, bypassing PreVote and the lease of others —
      // or, with a committed configuration change still to apply, as soon as it is applied.
      if (promotable() && hasUnappliedConfChange()) {
        deferredTransferTerm_ = term_;
        return Error::None;
      }
      hup(CampaignType::Transfer);
      return Error::None;
    case raftpb::MsgReadIndex:
      if (lead_ == kNone) return Error::None;  // dropped; the client retries
      m.set_to(lead_);
      send(std::move(m));
      return Error::None;
    case raftpb::MsgReadIndexResp:
      if (m.entries_size() != 1) return Error::None;
      readStates_.push_back(ReadState{m.index(), m.entries(0).data()});
      return Error::None;
    default:
      return Error::None;
  }
}

void Raft::handleAppendEntries(const Message& m) {
  Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MsgAppResp);
  if (m.index() < log_.committed()) {
    resp.set_index(log_.committed());  // already have (and committed) all of it
    send(std::move(resp));
    return;
  }
  std::vector<raftpb::Entry> ents(m.entries().begin(), m.entries().end());
  if (auto lastNew = log_.maybeAppend(m.index(), m.log_term(), m.commit(), ents)) {
    resp.set_index(*lastNew);
    send(std::move(resp));
    return;
  }
  // Paper §5.3 consistency check failed. Hint the leader at our last entry with a term
  // <= the leader's term at m.index, so it can skip a whole conflicting term at once.
  std::uint64_t hint = std::min(m.index(), log_.lastIndex());
  hint = log_.findConflictByTerm(hint, m.log_term());
  resp.set_index(m.index());
  resp.set_reject(true);
  resp.set_reject_hint(hint);
  resp.set_log_term(log_.zeroTermOnOutOfBounds(hint));
  send(std::move(resp));
}

void Raft::handleHeartbeat(const Message& m) {
  log_.commitTo(m.commit());
  Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MsgHeartbeatResp);
  resp.set_context(m.context());
  send(std::move(resp));
}

void Raft::handleSnapshot(const Message& m) {
  Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MsgAppResp);
  if (restore(m.snapshot())) {
    resp.set_index(log_.lastIndex());
  } else {
    resp.set_index(log_.committed());
  }
  send(std::move(resp));
}

bool Raft::restore(const raftpb::Snapshot& s) {
  if (s.metadata().index() <= log_.committed()) return false;
  if (state_ != StateType::Follower) {
    // Defensive (etcd): only followers install snapshots; move to a new term so that the
    // sender stops treating us as its follower.
    becomeFollower(term_ + 1, kNone);
    return false;
  }
  // etcd refuses a snapshot whose ConfState lacks this node ("should never happen"). It
  // does happen when a node is re-added after the leader's newest snapshot was taken; the
  // leader knows the node as a member, so we accept it: until the entry that re-adds us is
  // applied we are a non-member follower, which never campaigns (promotable() is false).
  const auto& cs = s.metadata().conf_state();
  if (log_.matchTerm(s.metadata().index(), s.metadata().term())) {
    // We already have the entries; just fast-forward the commit index.
    log_.commitTo(s.metadata().index());
    return false;
  }
  log_.restore(s);
  prs_ = ProgressTracker(prs_.maxInflight());
  auto restored = ConfChanger::restore(cs, prs_.maxInflight(), log_.lastIndex());
  switchToConfig(restored.config, restored.progress);
  if (auto it = prs_.progress.find(id_); it != prs_.progress.end()) {
    it->second.maybeUpdate(it->second.next - 1);
  }
  return true;
}

raftpb::ConfState Raft::applyConfChange(const raftpb::ConfChangeV2& cc) {
  ConfChanger changer(prs_, log_.lastIndex());
  ConfChanger::Outcome o;
  bool autoLeave = false;
  if (leaveJoint(cc)) {
    o = changer.leaveJoint();
  } else if (enterJoint(cc, &autoLeave)) {
    o = changer.enterJoint(autoLeave, {cc.changes().begin(), cc.changes().end()});
  } else {
    o = changer.simple({cc.changes().begin(), cc.changes().end()});
  }
  return switchToConfig(o.config, o.progress);
}

raftpb::ConfState Raft::switchToConfig(const TrackerConfig& cfg, const ProgressMap& progress) {
  prs_.config = cfg;
  prs_.progress = progress;
  raftpb::ConfState cs = prs_.confState();
  auto it = prs_.progress.find(id_);
  isLearner_ = it != prs_.progress.end() && it->second.isLearner;
  if ((it == prs_.progress.end() || isLearner_) && state_ == StateType::Leader) {
    // A removed (or demoted) leader steps down by handing leadership to the most caught-up
    // voter. It must not simply stop: configurations take effect when applied, so the
    // remaining voters may still use a configuration that needs this node's vote until
    // they learn that the change committed — which they learn from this leader.
    handOverLeadership();
    return cs;
  }
  if (state_ != StateType::Leader || cs.voters_size() == 0) return cs;
  if (maybeCommit()) {
    bcastAppend();  // the new config may have a smaller quorum that commits more
  } else {
    for (const auto& [id, pr] : prs_.progress) {
      if (id != id_) maybeSendAppend(id, false);  // probe newly added peers
    }
  }
  if (leadTransferee_ != kNone && prs_.config.voters.ids().count(leadTransferee_) == 0) {
    abortLeaderTransfer();
  }
  return cs;
}

bool Raft::removedLeader() const {
  if (state_ != StateType::Leader) return false;
  auto it = prs_.progress.find(id_);
  return it == prs_.progress.end() || it->second.isLearner;
}

void Raft::handOverLeadership() {
  std::uint64_t best = kNone, bestMatch = 0;
  for (const auto& [id, pr] : prs_.progress) {
    if (id == id_ || pr.isLearner || prs_.config.voters.ids().count(id) == 0) continue;
    if (best == kNone || pr.match > bestMatch) {
      best = id;
      bestMatch = pr.match;
    }
  }
  if (best == kNone) return;  // cannot happen: a configuration always has a voter
  leadTransferee_ = best;
  electionElapsed_ = 0;
  if (bestMatch == log_.lastIndex()) {
    sendTimeoutNow(best);
  } else {
    sendAppend(best);
  }
}

void Raft::releasePendingReadIndexMessages() {
  if (!committedEntryInCurrentTerm()) return;
  auto pending = std::move(pendingReadIndexMessages_);
  pendingReadIndexMessages_.clear();
  for (const auto& m : pending) sendMsgReadIndexResponse(m);
}

void Raft::sendMsgReadIndexResponse(const Message& m) {
  if (readOnly_.option() == ReadOnlyOption::Safe) {
    // Confirm leadership with a heartbeat round carrying the request context.
    const std::string& ctx = m.entries(0).data();
    readOnly_.addRequest(log_.committed(), m);
    readOnly_.recvAck(id_, ctx);
    bcastHeartbeatWithCtx(ctx);
  } else {
    respondToReadIndex(m, log_.committed());  // lease: CheckQuorum keeps leadership fresh
  }
}

void Raft::respondToReadIndex(const Message& req, std::uint64_t readIndex) {
  if (req.from() == kNone || req.from() == id_) {
    readStates_.push_back(ReadState{readIndex, req.entries(0).data()});
    return;
  }
  Message resp;
  resp.set_type(raftpb::MsgReadIndexResp);
  resp.set_to(req.from());
  resp.set_index(readIndex);
  *resp.mutable_entries() = req.entries();
  send(std::move(resp));
}

// --- time ---

void Raft::tick() {
  if (state_ == StateType::Leader) {
    tickHeartbeat();
  } else {
    tickElection();
  }
}

void Raft::tickElection() {
  ++electionElapsed_;
  if (promotable() && pastElectionTimeout()) {
    electionElapsed_ = 0;
    Message m;
    m.set_from(id_);
    m.set_type(raftpb::MsgHup);
    step(m);
  }
}

void Raft::tickHeartbeat() {
  ++heartbeatElapsed_;
  ++electionElapsed_;
  if (electionElapsed_ >= electionTimeout_) {
    electionElapsed_ = 0;
    if (checkQuorum_) {
      Message m;
      m.set_from(id_);
      m.set_type(raftpb::MsgCheckQuorum);
      step(m);
    }
    // A transfer that did not finish within an election timeout is abandoned; a removed
    // leader tries again (the transferee may have refused to campaign while it had an
    // unapplied configuration change).
    if (state_ == StateType::Leader && leadTransferee_ != kNone) abortLeaderTransfer();
    if (removedLeader()) handOverLeadership();
  }
  if (state_ != StateType::Leader) return;
  if (heartbeatElapsed_ >= heartbeatTimeout_) {
    heartbeatElapsed_ = 0;
    Message m;
    m.set_from(id_);
    m.set_type(raftpb::MsgBeat);
    step(m);
  }
}

}  // namespace detcd::raft

#pragma once
// The Raft state machine (etcd raft's `raft` struct). Pure: no I/O, clock or threads.
// Applications use RawNode; tests drive Raft directly to check single rules of the paper.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/Config.h"
#include "raft/Error.h"
#include "raft/ProgressTracker.h"
#include "raft/RaftLog.h"
#include "raft/ReadOnly.h"
#include "raft/Rng.h"

namespace detcd::raft {

enum class StateType : std::uint8_t { Follower, Candidate, Leader, PreCandidate };
std::string_view stateName(StateType s);  // "StateFollower", ...

// Volatile state an application may want to observe (leader, role).
struct SoftState {
  std::uint64_t lead = kNone;
  StateType raftState = StateType::Follower;
  bool operator==(const SoftState&) const = default;
};

bool isEmptyHardState(const raftpb::HardState& hs);
bool hardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b);
bool isLocalMsg(raftpb::MessageType t);
bool isResponseMsg(raftpb::MessageType t);

// Context marking a vote request caused by leadership transfer: it bypasses the
// CheckQuorum lease of other nodes (etcd's campaignTransfer).
inline constexpr const char* kCampaignTransfer = "CampaignTransfer";

// One Raft peer. All rules cite the Raft paper (Ongaro & Ousterhout 2014) or Ongaro's
// thesis (2014); behaviour follows etcd raft 3.4/3.5 where the paper is silent.
//
// Time: tick() advances one logical tick; electionTick / heartbeatTick are in ticks.
// Output: messages to send accumulate in msgs() (see RawNode for the Ready contract).
class Raft {
 public:
  explicit Raft(const Config& c);  // throws std::invalid_argument for a bad Config

  // Handles a message (local or from a peer). Returns ProposalDropped for a proposal that
  // cannot be accepted; other errors never occur here.
  Error step(raftpb::Message m);
  void tick();

  // Membership: installs the change once its entry is applied; returns the new ConfState.
  // Throws ConfChangeError for an invalid change.
  raftpb::ConfState applyConfChange(const raftpb::ConfChangeV2& cc);
  // Called by RawNode::advance: entries up to `applied` were applied.
  void appliedTo(std::uint64_t applied);
  // Called by RawNode::advance: committed entries left the uncommitted budget.
  void reduceUncommittedSize(const std::vector<raftpb::Entry>& ents);

  // --- state, read by RawNode, Status and tests ---
  std::uint64_t id() const { return id_; }
  std::uint64_t term() const { return term_; }
  std::uint64_t vote() const { return vote_; }
  std::uint64_t lead() const { return lead_; }
  StateType state() const { return state_; }
  std::uint64_t leadTransferee() const { return leadTransferee_; }
  int electionElapsed() const { return electionElapsed_; }
  int randomizedElectionTimeout() const { return randomizedElectionTimeout_; }
  int electionTimeout() const { return electionTimeout_; }  // Config::electionTick
  const ProgressTracker& tracker() const { return prs_; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  SoftState softState() const { return SoftState{lead_, state_}; }
  raftpb::HardState hardState() const;
  std::vector<raftpb::Message>& msgs() { return msgs_; }
  const std::vector<raftpb::Message>& msgs() const { return msgs_; }
  std::vector<ReadState>& readStates() { return readStates_; }
  const std::vector<ReadState>& readStates() const { return readStates_; }

  // Role changes; public so that paper tests can set up a situation directly.
  void becomeFollower(std::uint64_t term, std::uint64_t lead);
  void becomeCandidate();
  void becomePreCandidate();
  void becomeLeader();

 private:
  enum class CampaignType : std::uint8_t { PreElection, Election, Transfer };

  // Role-specific handling of a message whose term was already reconciled by step().
  Error stepLeader(raftpb::Message& m);
  Error stepCandidate(raftpb::Message& m);  // candidates and pre-candidates
  Error stepFollower(raftpb::Message& m);
  void stepVote(const raftpb::Message& m);  // MsgVote / MsgPreVote (§5.2, §5.4.1)

  void tickElection();   // followers and candidates: campaign after the timeout
  void tickHeartbeat();  // leaders: heartbeats, CheckQuorum, transfer timeout
  bool pastElectionTimeout() const { return electionElapsed_ >= randomizedElectionTimeout_; }
  void resetRandomizedElectionTimeout();
  // Enters `term` (clearing the vote if it changed) and resets timers, progress, votes,
  // pending conf index, uncommitted budget and ReadIndex state.
  void reset(std::uint64_t term);
  // May campaign: a voter of its configuration without a pending snapshot.
  bool promotable() const;

  // Starts a campaign unless leader, not promotable, or a committed conf change is unapplied.
  void hup(CampaignType t);
  /// Whether a committed configuration change is not applied yet (no campaign until it is).
  bool hasUnappliedConfChange() const;
  void campaign(CampaignType t);  // PreElection, Election or Transfer (no PreVote, no lease)
  VoteResult poll(std::uint64_t id, bool granted);  // records a vote, returns the tally

  // Queues m with from and term filled in (the term of vote messages is set by the caller).
  void send(raftpb::Message m);
  void sendAppend(std::uint64_t to) { maybeSendAppend(to, true); }
  // Sends the entries `to` needs (or the snapshot if they were compacted) unless its
  // progress is paused; returns whether a message was sent.
  bool maybeSendAppend(std::uint64_t to, bool sendIfEmpty);
  void sendHeartbeat(std::uint64_t to, const std::string& ctx);
  void sendTimeoutNow(std::uint64_t to);
  void bcastAppend();
  void bcastHeartbeat();
  void bcastHeartbeatWithCtx(const std::string& ctx);
  // Leader: assigns term and indexes, appends, updates own progress; false if the
  // uncommitted budget is exhausted.
  bool appendEntry(std::vector<raftpb::Entry> es);
  bool maybeCommit();  // advances commit to the quorum index if its entry has our term
  bool increaseUncommittedSize(const std::vector<raftpb::Entry>& ents);
  bool committedEntryInCurrentTerm() const;  // ReadIndex precondition (thesis §6.4)
  void abortLeaderTransfer() { leadTransferee_ = kNone; }
  // A leader that is no longer a voter of the configuration it applied.
  bool removedLeader() const;
  // Starts a leadership transfer to the voter with the highest match index.
  void handOverLeadership();

  // Follower side of MsgApp (§5.3 consistency check, fast back-off hint), MsgHeartbeat and
  // MsgSnap.
  void handleAppendEntries(const raftpb::Message& m);
  void handleHeartbeat(const raftpb::Message& m);
  void handleSnapshot(const raftpb::Message& m);
  // Installs a snapshot newer than our commit index; false if it was not needed.
  bool restore(const raftpb::Snapshot& s);
  void loadState(const raftpb::HardState& hs);  // on start: term, vote, commit
  // Installs a configuration; a leader then commits/probes under it, and a removed leader
  // hands over leadership.
  raftpb::ConfState switchToConfig(const TrackerConfig& cfg, const ProgressMap& progress);
  void releasePendingReadIndexMessages();                   // once an entry of our term committed
  void sendMsgReadIndexResponse(const raftpb::Message& m);  // safe (heartbeat round) or lease
  // Answers a ReadIndex request at readIndex: locally (ReadState) or to the requester.
  void respondToReadIndex(const raftpb::Message& req, std::uint64_t readIndex);

  std::uint64_t id_;
  std::uint64_t term_ = 0;
  std::uint64_t vote_ = kNone;
  std::vector<ReadState> readStates_;
  RaftLog log_;
  std::uint64_t maxMsgSize_;
  std::uint64_t maxUncommittedSize_;
  ProgressTracker prs_;
  StateType state_ = StateType::Follower;
  bool isLearner_ = false;
  std::vector<raftpb::Message> msgs_;
  std::uint64_t lead_ = kNone;
  std::uint64_t leadTransferee_ = kNone;
  // Only one conf change may be pending (proposed, not applied): the log index of the
  // newest one. Set to the last index when becoming leader, since unapplied ones may exist.
  std::uint64_t pendingConfIndex_ = 0;
  /// Term of a MsgTimeoutNow that arrived while a committed configuration change was still
  /// unapplied: the transfer campaign runs once it is applied (0: none). Refusing it outright
  /// left a removed leader's only successor waiting a whole election timeout, during which a
  /// crash lost the commit index that made it the sole voter.
  std::uint64_t deferredTransferTerm_ = 0;
  // The pending conf change removes or demotes this leader: accept no more proposals.
  bool selfRemovalPending_ = false;
  std::uint64_t uncommittedSize_ = 0;  // bytes of entry data appended but not committed
  ReadOnly readOnly_;
  int electionElapsed_ = 0;
  int heartbeatElapsed_ = 0;
  bool checkQuorum_;
  bool preVote_;
  int heartbeatTimeout_;
  int electionTimeout_;
  int randomizedElectionTimeout_ = 0;
  bool disableProposalForwarding_;
  Rng rng_;
  Mutations mutations_;
  // ReadIndex requests received before the leader committed an entry of its term.
  std::vector<raftpb::Message> pendingReadIndexMessages_;
};

}  // namespace detcd::raft

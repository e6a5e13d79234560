#pragma once
// The application-facing Raft API (etcd raft's RawNode) and the Ready contract.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/Raft.h"

namespace detcd::raft {

class RawNode;

// A batch of work produced by RawNode::ready(). The application handles it in this order:
//
//   1. Persist, durably: `snapshot` (if any), then `entries` (appended after truncating any
//      conflicting suffix), then `hardState` (if any) — into the Storage given in Config
//      (e.g. MemoryStorage, after writing them to the WAL).
//   2. Apply `snapshot` and `committedEntries` in order (for conf-change entries call
//      applyConfChange), and serve `readStates` once the applied index reaches their index.
//   3. Call RawNode::advance(rd). It checks that Storage now holds the Ready's HardState,
//      entries and snapshot, and only then hands out the messages of this Ready. This is
//      what makes it impossible to send a message (a vote, an append acknowledgement)
//      before the state it promises is durable (paper §5.2/§5.3: a node must never forget
//      a vote or an acknowledged entry after a crash).
//   4. Send those messages (any order; the network may lose or reorder them). A leader may
//      take its appends out before step 1 and send them first (takeLeaderMessages).
//
// Applying before advance (as etcd requires) lets advance() act on the new configuration,
// e.g. propose the automatic leave of a joint configuration exactly once.
// Messages are not public members on purpose; the only way to obtain them is advance().
struct Ready {
  std::optional<SoftState> softState;          // set when leader or role changed
  std::optional<raftpb::HardState> hardState;  // set when term, vote or commit changed
  std::vector<ReadState> readStates;
  std::vector<raftpb::Entry> entries;           // to persist
  std::optional<raftpb::Snapshot> snapshot;     // to persist (and apply)
  std::vector<raftpb::Entry> committedEntries;  // to apply
  bool mustSync = false;                        // entries, vote or term changed: persist with fsync

  std::size_t messageCount() const { return messages_.size(); }

 private:
  friend class RawNode;
  std::vector<raftpb::Message> messages_;
};

// Progress of a node as a status report (etcd's Status).
struct Status {
  std::uint64_t id = kNone;
  raftpb::HardState hardState;
  SoftState softState;
  std::uint64_t applied = 0;
  std::uint64_t leadTransferee = kNone;
  TrackerConfig config;
  ProgressMap progress;  // filled only on the leader

  std::string describe() const;
};

enum class SnapshotStatus : std::uint8_t { Finish, Failure };

// Drives one Raft peer. Single-threaded; every call is synchronous and deterministic.
class RawNode {
 public:
  // Throws std::invalid_argument for an invalid Config. To start a new cluster, first
  // bootstrap the Storage (e.g. a snapshot at index 1 whose ConfState names the voters, as
  // etcd's Bootstrap does); a node restarting reads its state from Storage.
  explicit RawNode(const Config& c);

  void tick() { raft_.tick(); }
  // Starts an election now (ignored on a leader, a learner or a removed node).
  Error campaign();
  // Proposes data to be appended to the log. ProposalDropped when no leader is known or
  // forwarding is off, a transfer is in progress, or the uncommitted budget is exhausted.
  // Success means "handed to the leader", not "committed".
  Error propose(const std::string& data);
  // Proposes several normal entries in one MsgProp, in order: the leader appends them together
  // and sends each follower one MsgApp for all of them, instead of one per entry (etcd's
  // MsgProp carries many entries too). All or nothing: ProposalDropped drops every one.
  // `data` must not be empty.
  Error propose(const std::vector<std::string>& data);
  // Proposes a membership change as an EntryConfChange (V1) or EntryConfChangeV2 entry; the
  // change takes effect when the application calls applyConfChange on the committed entry.
  // Errors as for propose.
  Error proposeConfChange(const raftpb::ConfChange& cc);
  Error proposeConfChange(const raftpb::ConfChangeV2& cc);
  // Installs a committed conf-change entry's change; returns the new membership.
  raftpb::ConfState applyConfChange(const raftpb::ConfChangeV2& cc);
  raftpb::ConfState applyConfChange(const raftpb::ConfChange& cc);
  // Feeds a message received from a peer. StepLocalMsg for local types, StepPeerNotFound
  // for a response from an unknown peer.
  Error step(const raftpb::Message& m);
  // Requests a linearizable read point; the answer arrives as a ReadState with this
  // context in a later Ready (dropped silently if no leader is known: retry).
  void readIndex(const std::string& ctx);
  // Asks the leader to hand leadership to transferee (MsgTimeoutNow once caught up).
  void transferLeader(std::uint64_t transferee);
  void reportUnreachable(std::uint64_t id);
  void reportSnapshot(std::uint64_t id, SnapshotStatus status);

  bool hasReady() const;
  Ready ready();
  // Removes from rd and returns the messages a leader may send before persisting rd (Raft
  // thesis §10.2.1: the leader writes its log in parallel with replicating it; etcd's raftNode
  // sends a leader's messages before saving the Ready): its MsgApp, MsgHeartbeat and MsgSnap of
  // a term already durable. They promise nothing about this node's disk. The commit index they
  // carry counts an entry of rd only once a follower acknowledged it, which the follower can do
  // only after receiving it — so the application must persist rd before it steps any message
  // that arrives after these were sent (a single-threaded loop that persists at once does).
  // Empty unless this node leads. advance(rd) later returns the rest.
  std::vector<raftpb::Message> takeLeaderMessages(Ready& rd);
  // Acknowledges that rd's durable part is in Storage and its committed entries were applied
  // (see Ready) and returns rd's messages to send. Throws std::logic_error naming what is
  // missing from Storage.
  std::vector<raftpb::Message> advance(Ready& rd);

  Status status() const;
  Raft& raft() { return raft_; }
  const Raft& raft() const { return raft_; }

 private:
  void checkPersisted(const Ready& rd) const;
  // Steps a local MsgProp carrying one entry of `type` with `data` (etcd's confChangeToMsg).
  Error proposeEntry(raftpb::EntryType type, std::string data);

  Raft raft_;
  const Storage& storage_;
  SoftState prevSoftState_;
  raftpb::HardState prevHardState_;
};

}  // namespace detcd::raft

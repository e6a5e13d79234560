#pragma once
// Drives one Raft process for harnesses: a RawNode, its "disk" (MemoryStorage) and its
// state machine, with crash/restart. Transport-agnostic, so the deterministic test network
// and the simulator (sim/) can both move its messages.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/Invariants.h"
#include "raft/MemoryStorage.h"
#include "raft/RawNode.h"

namespace detcd::raft {

// The state machine of harness nodes: a hash chain over applied entries, so two nodes that
// applied the same entries in the same order have the same hash. The snapshot data is the
// hash (8 bytes, little-endian).
struct HashStateMachine {
  std::uint64_t hash = 0;
  std::uint64_t appliedIndex = 0;
  void apply(const raftpb::Entry& e);
  std::string encode() const;
  void restore(const raftpb::Snapshot& s);  // throws std::invalid_argument on bad data
};

// What one handleReady() did, for logs and script tests.
struct ReadyReport {
  Ready ready;
  std::vector<raftpb::Message> messages;  // released by advance(): ready to send
};

// One node. Invariant: storage_ holds exactly what was made durable; crash() drops the
// RawNode and keeps storage_, so restart() resumes from durable state only.
// If an Invariants is attached, every state change is reported to it.
class NodeDriver {
 public:
  // Creates node `id` whose Storage starts as a snapshot at `snapshotIndex` (term 1) with
  // membership `cs`; snapshotIndex 0 means an empty log that already knows `cs`.
  // `config` supplies everything but id and storage.
  NodeDriver(std::uint64_t id, const Config& config, const raftpb::ConfState& cs,
             std::uint64_t snapshotIndex, Invariants* invariants = nullptr);

  std::uint64_t id() const { return id_; }
  bool up() const { return node_ != nullptr; }
  RawNode& node();  // throws std::logic_error when the node is down
  const HashStateMachine& stateMachine() const { return sm_; }
  const raftpb::ConfState& confState() const { return confState_; }

  // Inputs; each reports the resulting state to the invariants.
  void tick();
  Error step(const raftpb::Message& m);
  Error propose(const std::string& data);
  Error proposeConfChange(const raftpb::ConfChangeV2& cc);

  // Handles one Ready if there is one, following the Ready contract: persists snapshot,
  // entries and HardState, applies committed entries (a conf change that is invalid when
  // applied is rejected alike on every node, keeping the configuration, as etcdserver
  // does), then calls advance. Returns the Ready and the messages to send; nullopt if
  // there was nothing to do.
  std::optional<ReadyReport> handleReady();
  // Loses everything that is not durable: the RawNode with its volatile state.
  void crash();
  // Comes back from the durable storage: the state machine restarts from the snapshot and
  // committed entries after it are applied again; a fresh election-jitter stream is used.
  void restart();
  // Takes a snapshot at the applied index (if newer than the current one) and discards
  // log entries before `index` (clamped to the applied index).
  void compact(std::uint64_t index);
  // Reports the node's state to the invariants (also called by every input above).
  void observe();

 private:
  std::uint64_t id_;
  Config config_;
  std::unique_ptr<MemoryStorage> storage_;
  std::unique_ptr<RawNode> node_;
  HashStateMachine sm_;
  raftpb::ConfState confState_;
  Invariants* invariants_;
  std::uint64_t restarts_ = 0;
};

}  // namespace detcd::raft

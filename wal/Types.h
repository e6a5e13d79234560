#pragma once
// The values the WAL and the snapshotter store, independent of raftpb (the server converts).

#include <cstdint>
#include <string>
#include <vector>

namespace detcd::wal {

/// One Raft log entry. `type` is the number of raftpb's EntryType (0 normal, 1 conf change,
/// 2 conf change v2); the WAL does not interpret it or `data`.
struct Entry {
  std::uint64_t index = 0;  ///< log index, >= 1
  std::uint64_t term = 0;
  std::uint32_t type = 0;
  std::string data;
  bool operator==(const Entry&) const = default;
};

/// Raft's persistent state (paper Figure 2: currentTerm, votedFor) and the commit index.
struct HardState {
  std::uint64_t term = 0;
  std::uint64_t vote = 0;  ///< node id, 0 for none
  std::uint64_t commit = 0;
  bool operator==(const HardState&) const = default;
};

/// A snapshot marker: the position {index, term} of a saved snapshot. {0, 0} is the empty log's
/// start, which every WAL holds.
struct SnapshotMarker {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  bool operator==(const SnapshotMarker&) const = default;
};

/// Membership as raft's ConfState: node ids of voters and learners (and, in joint consensus, the
/// outgoing voters and the learners to be added when leaving the joint configuration).
struct ConfState {
  std::vector<std::uint64_t> voters;
  std::vector<std::uint64_t> learners;
  std::vector<std::uint64_t> votersOutgoing;
  std::vector<std::uint64_t> learnersNext;
  bool autoLeave = false;
  bool operator==(const ConfState&) const = default;
};

/// What a snapshot covers: the log up to and including {index, term}, and the membership then.
struct SnapshotMetadata {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  ConfState confState;
  bool operator==(const SnapshotMetadata&) const = default;
};

/// A snapshot: metadata and the serialized state machine (opaque bytes).
struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;
  bool operator==(const Snapshot&) const = default;
};

}  // namespace detcd::wal

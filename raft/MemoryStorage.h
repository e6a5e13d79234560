#pragma once
// In-memory Storage (etcd raft's MemoryStorage): the durable-state mirror used by tests and
// by the node, which appends to it after the same data reached its WAL.

#include "raft/Storage.h"

namespace detcd::raft {

// Holds a snapshot, the entries after it and a HardState. Invariant: ents_[0] is a dummy
// entry whose index/term are those of the snapshot (0/0 initially), so term() works for
// firstIndex() - 1.
class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  InitialState initialState() const override;
  Result<std::vector<raftpb::Entry>> entries(std::uint64_t lo, std::uint64_t hi,
                                             std::uint64_t maxSize) const override;
  Result<std::uint64_t> term(std::uint64_t i) const override;
  std::uint64_t lastIndex() const override;
  std::uint64_t firstIndex() const override;
  Result<raftpb::Snapshot> snapshot() const override;

  void setHardState(const raftpb::HardState& hs) { hardState_ = hs; }
  // Starts a new group from an empty log that already knows its membership (etcd's test
  // storage "withPeers"); only before any entry or snapshot was stored.
  void setConfState(const raftpb::ConfState& cs);
  const raftpb::HardState& hardState() const { return hardState_; }

  // Replaces all contents with the snapshot. Error::SnapOutOfDate if it is older than
  // the current snapshot.
  Error applySnapshot(const raftpb::Snapshot& snap);
  // Makes a snapshot at applied index i (<= lastIndex) with the given membership and data.
  // Error::SnapOutOfDate if i is not newer than the current snapshot.
  Result<raftpb::Snapshot> createSnapshot(std::uint64_t i, const raftpb::ConfState* cs,
                                          std::string data);
  // Discards entries before index i (i <= lastIndex; i must be covered by the application's
  // snapshot). Error::Compacted if already compacted past i.
  Error compact(std::uint64_t i);
  // Appends entries, truncating any conflicting suffix. Entries must be contiguous and must
  // not leave a gap after lastIndex(); entries older than firstIndex() are ignored.
  void append(const std::vector<raftpb::Entry>& ents);

 private:
  raftpb::HardState hardState_;
  raftpb::Snapshot snapshot_;
  std::vector<raftpb::Entry> ents_;
};

}  // namespace detcd::raft

#pragma once
// The stable-log interface Raft reads from (etcd raft's Storage).

#include <cstdint>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/Error.h"

namespace detcd::raft {

// What a node restarts from: the persisted HardState and the membership of its latest
// snapshot or configuration.
struct InitialState {
  raftpb::HardState hardState;
  raftpb::ConfState confState;
};

// Read access to everything the application has made durable: the snapshot, the entries
// after it and the HardState. Raft never writes to Storage; the application does, when it
// handles a Ready. Indexes are Raft log indexes (1-based); sizes are bytes.
//
// Contract (etcd's): entries in [firstIndex(), lastIndex()] are available; term(i) is also
// available for i == firstIndex() - 1 (the snapshot's index). Asking for older indexes
// yields Error::Compacted, newer ones Error::Unavailable.
class Storage {
 public:
  virtual ~Storage() = default;

  virtual InitialState initialState() const = 0;
  // Entries [lo, hi), cut after the first entry once their total ByteSizeLong exceeds
  // maxSize (at least one entry is returned when lo < hi).
  virtual Result<std::vector<raftpb::Entry>> entries(std::uint64_t lo, std::uint64_t hi,
                                                     std::uint64_t maxSize) const = 0;
  virtual Result<std::uint64_t> term(std::uint64_t i) const = 0;
  virtual std::uint64_t lastIndex() const = 0;
  virtual std::uint64_t firstIndex() const = 0;
  // The most recent snapshot; SnapshotTemporarilyUnavailable if it is being built.
  virtual Result<raftpb::Snapshot> snapshot() const = 0;
};

// Truncates ents so that their total serialized size is at most maxSize bytes, keeping at
// least one entry. Used for MaxSizePerMsg and MaxCommittedSizePerReady.
void limitSize(std::vector<raftpb::Entry>& ents, std::uint64_t maxSize);

}  // namespace detcd::raft

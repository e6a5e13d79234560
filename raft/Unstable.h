#pragma once
// Entries and a snapshot that Raft holds but the application has not yet persisted.

#include <cstdint>
#include <optional>
#include <vector>

#include "proto/raftpb.pb.h"

namespace detcd::raft {

// The not-yet-durable tail of the log (etcd raft's unstable). entries_[i] has log index
// offset_ + i. If a snapshot is pending it precedes entries_ (offset_ == snapshot index+1).
class Unstable {
 public:
  explicit Unstable(std::uint64_t offset) : offset_(offset) {}

  // First index, known only if a snapshot is pending (its index + 1).
  std::optional<std::uint64_t> maybeFirstIndex() const;
  std::optional<std::uint64_t> maybeLastIndex() const;
  std::optional<std::uint64_t> maybeTerm(std::uint64_t i) const;

  // The application persisted entries up to (i, t): drop them from the unstable part.
  // Ignored if the entry at i no longer has term t (it was replaced meanwhile).
  void stableTo(std::uint64_t i, std::uint64_t t);
  void stableSnapTo(std::uint64_t i);
  void restore(const raftpb::Snapshot& s);
  // Appends ents, replacing any unstable entries at or after ents[0].index().
  void truncateAndAppend(const std::vector<raftpb::Entry>& ents);
  // Entries [lo, hi); both must lie within [offset, offset + size].
  std::vector<raftpb::Entry> slice(std::uint64_t lo, std::uint64_t hi) const;

  const std::vector<raftpb::Entry>& entries() const { return entries_; }
  const std::optional<raftpb::Snapshot>& snapshot() const { return snapshot_; }
  std::uint64_t offset() const { return offset_; }

 private:
  std::optional<raftpb::Snapshot> snapshot_;
  std::vector<raftpb::Entry> entries_;
  std::uint64_t offset_;
};

}  // namespace detcd::raft

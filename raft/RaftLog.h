#pragma once
// The Raft log as Raft sees it: Storage (durable) followed by Unstable (not yet durable).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "raft/Storage.h"
#include "raft/Unstable.h"

namespace detcd::raft {

// Invariant: applied <= committed <= lastIndex(); firstIndex() - 1 is the snapshot index.
class RaftLog {
 public:
  static constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

  // storage must outlive the log. maxNextEntsSize bounds the bytes of committed entries
  // handed out per Ready.
  RaftLog(const Storage& storage, std::uint64_t maxNextEntsSize);

  // Follower side of AppendEntries (paper §5.3): if the entry at `index` has `logTerm`,
  // appends ents (dropping a conflicting suffix), advances commit to
  // min(committed, index + ents.size()) and returns the index of the last new entry.
  // Returns nullopt (reject) when the log does not contain (index, logTerm).
  std::optional<std::uint64_t> maybeAppend(std::uint64_t index, std::uint64_t logTerm,
                                           std::uint64_t committed,
                                           const std::vector<raftpb::Entry>& ents);
  // Appends ents after entries up to ents[0].index() - 1; returns lastIndex().
  // ents[0].index() - 1 must not be below committed.
  std::uint64_t append(const std::vector<raftpb::Entry>& ents);
  // Index of the first entry of ents whose term differs from ours, or 0 when none does.
  std::uint64_t findConflict(const std::vector<raftpb::Entry>& ents) const;
  // Largest index <= index whose term is <= term (0 if none): the fast back-off hint of
  // etcd raft, so a leader skips a whole conflicting term per round trip.
  std::uint64_t findConflictByTerm(std::uint64_t index, std::uint64_t term) const;

  std::vector<raftpb::Entry> unstableEntries() const { return unstable_.entries(); }
  // Committed but not applied entries, at most maxNextEntsSize bytes (at least one).
  std::vector<raftpb::Entry> nextEnts() const;
  bool hasNextEnts() const;
  bool hasPendingSnapshot() const { return unstable_.snapshot().has_value(); }
  Result<raftpb::Snapshot> snapshot() const;

  std::uint64_t firstIndex() const;
  std::uint64_t lastIndex() const;
  std::uint64_t lastTerm() const;
  // Term of entry i for i in [firstIndex() - 1, lastIndex()]; Error::Compacted below that
  // range, Error::Unavailable above it.
  Result<std::uint64_t> term(std::uint64_t i) const;
  // Term of entry i or 0 when it is not available (compacted or beyond the end).
  std::uint64_t zeroTermOnOutOfBounds(std::uint64_t i) const;
  // Entries [i, lastIndex] limited to maxSize bytes; Compacted if i is compacted.
  Result<std::vector<raftpb::Entry>> entries(std::uint64_t i, std::uint64_t maxSize) const;
  std::vector<raftpb::Entry> allEntries() const;
  // Entries [lo, hi) limited to maxSize bytes.
  Result<std::vector<raftpb::Entry>> slice(std::uint64_t lo, std::uint64_t hi,
                                           std::uint64_t maxSize) const;

  // Election restriction (paper §5.4.1): is a log ending at (lasti, term) at least as
  // up-to-date as ours?
  bool isUpToDate(std::uint64_t lasti, std::uint64_t term) const;
  bool matchTerm(std::uint64_t i, std::uint64_t term) const;
  // Leader commit (paper §5.4.2): commit maxIndex only if its entry has the current term.
  // With countOlderTerms (the mutation switch) the term check is skipped, which is unsafe.
  bool maybeCommit(std::uint64_t maxIndex, std::uint64_t term, bool countOlderTerms = false);
  void commitTo(std::uint64_t tocommit);
  void appliedTo(std::uint64_t i);
  void stableTo(std::uint64_t i, std::uint64_t t) { unstable_.stableTo(i, t); }
  void stableSnapTo(std::uint64_t i) { unstable_.stableSnapTo(i); }
  void restore(const raftpb::Snapshot& s);

  std::uint64_t committed() const { return committed_; }
  std::uint64_t applied() const { return applied_; }
  const Unstable& unstable() const { return unstable_; }

 private:
  void mustCheckOutOfBounds(std::uint64_t lo, std::uint64_t hi) const;

  const Storage& storage_;
  Unstable unstable_;
  std::uint64_t committed_;
  std::uint64_t applied_;
  std::uint64_t maxNextEntsSize_;
};

}  // namespace detcd::raft

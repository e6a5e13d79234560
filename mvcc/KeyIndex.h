#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "mvcc/Revision.h"

namespace detcd::mvcc {

/// The revisions of one key, grouped in generations (etcd mvcc's keyIndex).
///
/// A generation is the life of the key from a put that created it to the tombstone that
/// deleted it: {created, version, revs}. `revs` holds every revision still stored (puts,
/// then the tombstone last if the generation is closed); `version` is the version of the
/// newest put of the generation (1 after creation). The last generation is the live one;
/// after a tombstone it is empty until the key is put again.
///
/// Invariants: revisions increase strictly across all generations; every generation but
/// the last ends with a tombstone; only the last generation may be empty.
class KeyIndex {
 public:
  /// What a key looked like at some revision.
  struct Found {
    Revision modified;  ///< revision of the put visible at the asked revision
    Revision created;   ///< revision of the put that created the generation
    int64_t version;    ///< 1 for the creating put, +1 per later put
  };

  KeyIndex();

  /// Records a put at `rev` (greater than every stored revision).
  void put(Revision rev);
  /// Records a deletion at `rev`: appends the tombstone and opens an empty generation.
  /// Precondition: the key is live (the last generation is not empty).
  void tombstone(Revision rev);
  /// Rebuilds a generation from a stored record (snapshot restore): a put at `rev` whose
  /// generation was created at `created` and whose version is `version`.
  void restore(Revision created, Revision rev, int64_t version);

  /// The put visible at main revision `atRev`, or nullopt when the key did not exist then
  /// (never created yet, or deleted at or before `atRev`).
  std::optional<Found> get(int64_t atRev) const;

  /// Drops the revisions that compaction at `atRev` makes unreachable (etcd rule): in the
  /// generation alive at `atRev` keep the newest revision <= atRev and everything after it;
  /// drop whole generations whose tombstone is <= atRev, and a generation that is left with
  /// only its tombstone. Appends each dropped revision to `removed`.
  void compact(int64_t atRev, std::vector<Revision>& removed);

  /// The revision that compaction at `atRev` would keep readable for this key (the newest
  /// put <= atRev of the generation alive at atRev), or nullopt (etcd's keyIndex.keep,
  /// which HashKV uses to skip revisions that compaction is about to drop).
  std::optional<Revision> keep(int64_t atRev) const;

  /// True when nothing is stored (the key can be dropped from the index).
  bool empty() const { return generations_.size() == 1 && generations_.front().revs.empty(); }
  /// True when the newest generation is live (the key currently exists).
  bool live() const { return !generations_.back().revs.empty(); }
  /// Every stored revision, oldest first.
  std::vector<Revision> revisions() const;

 private:
  struct Generation {
    int64_t version = 0;
    Revision created;
    std::vector<Revision> revs;
  };

  std::vector<Generation> generations_;
};

}  // namespace detcd::mvcc

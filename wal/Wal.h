#pragma once
// The write-ahead log: Raft's entries, HardState and snapshot markers in segment files, written
// only through env::Disk (so it runs unchanged on the simulated disk and on real files).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "env/Buggify.h"
#include "env/Disk.h"
#include "env/Tracer.h"
#include "wal/Error.h"
#include "wal/Payload.h"
#include "wal/Segment.h"
#include "wal/Types.h"
#include "wal/WalReader.h"

namespace detcd::wal {

/// An open WAL, appending to its last segment. docs/storage.md describes the files byte by byte.
///
/// Durability contract (etcd's): records appended since the last sync() survive a crash only
/// after sync() returned success; sync() makes everything appended since the previous one durable
/// with one fdatasync (group commit). A crash may keep, lose or tear anything not yet synced; on
/// the next open() such a torn tail is truncated and reported, never mistaken for damage, and
/// never exposed as data.
///
/// Fail-stop: once a write, fsync, or segment cut fails, the dirty data may be lost (fsyncgate),
/// so every later call returns an ErrorCode::kFailed error naming the first failure. The node must
/// stop and recover by reopening.
///
/// Single-threaded, like the node's event loop that owns it.
class Wal {
 public:
  struct Options {
    /// A segment is cut after a sync() leaves it at least this long; new segments are
    /// preallocated to it (etcd: 64 MiB).
    std::uint64_t segmentBytes = std::uint64_t{64} << 20;
    /// Receives "wal-cut", "wal-tail-truncated", "wal-release" and "wal-failed" events.
    env::Tracer* tracer = nullptr;
    /// Point "wal-early-cut": cut the segment at a sync() although it is not full.
    env::Buggify* buggify = nullptr;
  };

  /// Creates a WAL in `dir` (created if missing; its parent must exist) holding `metadata` (opaque
  /// bytes kept in every segment, e.g. node and cluster ids) and the empty-log snapshot marker
  /// {0, 0}. Durable when it returns. Errors: kExists when `dir` holds segments; kIo.
  static Result<std::unique_ptr<Wal>> create(env::Disk& disk, const std::string& dir,
                                             const std::string& metadata, Options options);

  /// What open() read back.
  struct Recovered {
    std::string metadata;
    /// The last HardState saved (all zero when none ever was).
    HardState hardState;
    /// The entries after the snapshot index, contiguous from at.index + 1; where a later entry
    /// has an index at or below an earlier one, it and its successors replaced the earlier suffix
    /// (a new leader overwrote it).
    std::vector<Entry> entries;
    /// The torn tail that was truncated, if any.
    std::optional<TailDamage> truncatedTail;
  };
  struct Opened {
    std::unique_ptr<Wal> wal;
    Recovered recovered;
  };

  /// Opens the WAL in `dir` at snapshot marker `at` ({0, 0} for the whole log): reads from the
  /// segment that holds `at.index`, truncates a torn tail of the last segment (durably), removes
  /// leftover temporary files, and returns the WAL ready to append after the last record.
  /// Errors: kNotFound (no WAL, or every segment starts after at.index); kSnapshotNotFound /
  /// kSnapshotMismatch (no marker at at.index / a marker with another term); kCorrupt, naming
  /// file and offset, for any damage but a torn tail (the node must refuse to start); kIo.
  static Result<Opened> open(env::Disk& disk, const std::string& dir, SnapshotMarker at,
                             Options options);

  /// The snapshot markers in the WAL at `dir` whose index is at most the last HardState's commit
  /// index (etcd's ValidSnapshotEntries), oldest first: the snapshots the WAL can be opened at,
  /// for Snapshotter::loadNewest() to choose from. Reads every segment without changing anything;
  /// a torn tail is ignored (open() would truncate it). Errors as open()'s.
  static Result<std::vector<SnapshotMarker>> snapshotMarkers(env::Disk& disk,
                                                             const std::string& dir);

  /// Whether `dir` holds a WAL (at least one segment).
  static bool exists(env::Disk& disk, const std::string& dir);

  /// Appends `entries` (contiguous indices; the first at most lastIndex() + 1, so that a suffix
  /// may be overwritten). Buffered until sync(). kBadInput when not contiguous.
  Error append(std::span<const Entry> entries);
  /// Appends a HardState. Buffered until sync().
  Error saveHardState(const HardState& state);
  /// Raft's Ready persistence in etcd's order: entries, then the HardState (when given), then one
  /// sync() — a torn batch can therefore never keep a commit index without its entries.
  Error save(std::span<const Entry> entries, const std::optional<HardState>& state);
  /// Appends a snapshot marker and syncs (a marker must be durable before segments are released).
  /// lastIndex() becomes at least marker.index.
  Error saveSnapshotMarker(const SnapshotMarker& marker);

  /// Writes everything appended since the last sync() with one write and one fdatasync; then cuts
  /// the segment if it reached Options::segmentBytes. Without anything appended it does nothing.
  Error sync();
  /// sync(), then starts a new segment now.
  Error cut();

  /// Deletes the segments that hold nothing at or after `index` (the newest durable snapshot's
  /// index): every segment before segmentFor(index). The last segment is never deleted.
  Error releaseTo(std::uint64_t index);

  /// The index of the last entry appended (or of the snapshot marker, when later).
  std::uint64_t lastIndex() const { return lastIndex_; }
  /// The segment being appended to.
  const SegmentName& tail() const { return tailName_; }
  /// fdatasync calls on segments made by sync() so far (group commit: one per non-empty batch).
  std::uint64_t syncCount() const { return syncCount_; }
  /// The error that stopped the WAL, or success.
  const Error& failure() const { return failed_; }

 private:
  Wal(env::Disk& disk, std::string dir, std::string metadata, Options options);
  void writeRecord(RecordType type, std::string_view data);
  Error startSegment(SegmentName name, bool first);
  Error fail(std::string what, const std::string& path, std::error_code ec);
  void trace(std::string_view kind, std::initializer_list<env::TraceField> fields);

  env::Disk& disk_;
  std::string dir_;
  std::string metadata_;
  Options options_;
  std::unique_ptr<env::File> tailFile_;
  SegmentName tailName_;
  std::uint64_t tailOffset_ = 0;  ///< end of the records written to tailFile_
  std::uint64_t syncedEnd_ = 0;   ///< tailFile_ is durable up to here
  std::uint64_t headerEnd_ = 0;   ///< where tailFile_'s header records end
  std::uint32_t runningCrc_ = 0;  ///< CRC of the last record encoded (pending_ included)
  std::string pending_;           ///< encoded records appended since the last sync()
  EntryEncoder entryEncoder_;     ///< encodes entries straight into pending_
  std::uint64_t lastIndex_ = 0;
  std::optional<HardState> hardState_;  ///< last one appended: copied into new segments' headers
  std::uint64_t syncCount_ = 0;
  Error failed_;
};

}  // namespace detcd::wal

#pragma once
// The node's durable Raft state: the WAL and the snapshot files on env::Disk, mirrored into the
// raft::MemoryStorage that Raft reads (etcd's raftStorage + wal + snapshotter).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "env/Env.h"
#include "proto/raftpb.pb.h"
#include "raft/MemoryStorage.h"
#include "raft/RawNode.h"
#include "server/FsyncHistogram.h"
#include "wal/Snapshotter.h"
#include "wal/Wal.h"

namespace detcd::server {

/// Owns `<dataDir>/wal` and `<dataDir>/snap`. Invariant: the MemoryStorage holds exactly what was
/// written to them (synced, except where the caller chose a buffered save). Every error is a
/// wal::Error; any write error means the node must stop (fail-stop, the WAL refuses further work).
class DurableLog {
 public:
  DurableLog(env::Env& env, std::string dataDir, std::uint64_t walSegmentBytes);

  /// Whether the data directory holds a WAL.
  bool exists();

  /// Creates the data directory and a WAL holding `metadata`. With `bootstrap`, also saves it as
  /// the first snapshot (file + marker + a HardState committing it), as a new cluster's members do.
  wal::Error create(const std::string& metadata, const std::optional<raftpb::Snapshot>& bootstrap);
  /// Saves `snapshot` as the first snapshot of an open, empty WAL (file + marker + a HardState
  /// committing it) and loads it; also completes a bootstrap that a crash interrupted.
  wal::Error bootstrap(const raftpb::Snapshot& snapshot);

  /// What a restart read back.
  struct Recovered {
    std::string metadata;
    /// The newest valid snapshot the WAL accepts (index 0 when none).
    raftpb::Snapshot snapshot;
    raftpb::HardState hardState;
    /// Entries at or below the snapshot index still in the WAL, read only when `replayBehind`
    /// asked for them (the apply-twice defect); empty otherwise.
    std::vector<raftpb::Entry> alreadyApplied;
    /// Names of newer snapshot files skipped as damaged.
    std::vector<std::string> skippedSnapshots;
  };
  /// Opens an existing WAL at the newest snapshot it accepts and loads snapshot, HardState and
  /// entries into the MemoryStorage; entries after the snapshot from the first one whose term is
  /// lower than its predecessor's (the snapshot's, for the first) are a stale suffix a received
  /// snapshot replaced and are dropped. A torn WAL tail is truncated (the WAL traces it); any
  /// other damage is an error (kCorrupt naming file and offset).
  /// `replayBehind` > 0 (apply-twice only):
  /// open the WAL at an older marker still in it (the newest at or before snapshot index -
  /// `replayBehind`, else the oldest after it) and return in `alreadyApplied` the entries after
  /// snapshot index - `replayBehind` up to the snapshot index.
  wal::Result<Recovered> open(std::uint64_t replayBehind);

  /// Persists a Ready in etcd's order: snapshot (file, then WAL marker), entries, HardState.
  /// `sync`: one fdatasync before returning; otherwise the records stay buffered until sync().
  wal::Error persist(const raft::Ready& rd, bool sync);
  /// Syncs whatever persist(rd, false) left buffered.
  wal::Error sync();
  /// Saves a snapshot the node took of its own state (file + marker), compacts the in-memory log
  /// to `compactTo` (entries kept for slow followers) and releases the WAL segments that hold
  /// nothing at or after `releaseTo` (the snapshot's index, normally).
  wal::Error saveOwnSnapshot(const raftpb::Snapshot& snap, std::uint64_t compactTo,
                             std::uint64_t releaseTo);

  raft::MemoryStorage& storage() { return storage_; }
  const raft::MemoryStorage& storage() const { return storage_; }
  /// WAL fdatasyncs so far.
  std::uint64_t syncCount() const { return wal_ ? wal_->syncCount() : 0; }
  /// How long the WAL's syncs took, on env.clock (etcd_disk_wal_fsync_duration_seconds). One
  /// observation per sync that reached the disk: the write of the batch and its fdatasync (etcd
  /// times the fdatasync alone; the write before it only copies to the page cache).
  const FsyncHistogram& fsyncDurations() const { return fsyncs_; }

 private:
  wal::Error saveSnapshotFiles(const raftpb::Snapshot& snap);
  /// Runs `op` (which may sync the WAL) and records the sync's duration when it did.
  template <class Op>
  wal::Error timedSync(Op op);

  env::Env& env_;
  std::string dataDir_;
  std::string walDir_;
  wal::Wal::Options walOptions_;
  wal::Snapshotter snapshotter_;
  std::unique_ptr<wal::Wal> wal_;
  raft::MemoryStorage storage_;
  FsyncHistogram fsyncs_;
};

/// The metadata record of the WAL in `<dataDir>/wal` (serverpb::WalMetadata as the node wrote
/// it: member ID, cluster ID), read from the first segment's header without opening the log: the
/// daemon learns its member ID from it before it starts the node (etcd reads the ID from the
/// WAL's metadata on restart). Errors: kNotFound when there is no WAL; kIo; kCorrupt when the
/// first segment has no metadata record.
wal::Result<std::string> readWalMetadata(env::Disk& disk, const std::string& dataDir);

/// Conversions between raftpb and the WAL's own types.
wal::Entry toWal(const raftpb::Entry& e);
raftpb::Entry fromWal(const wal::Entry& e);
wal::HardState toWal(const raftpb::HardState& hs);
wal::Snapshot toWal(const raftpb::Snapshot& s);
raftpb::Snapshot fromWal(const wal::Snapshot& s);

}  // namespace detcd::server

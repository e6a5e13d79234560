#pragma once
// Snapshot files: <term>-<index>.snap with a CRC, saved atomically, loaded newest-valid-first.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/Disk.h"
#include "env/Tracer.h"
#include "wal/Error.h"
#include "wal/Types.h"

namespace detcd::wal {

/// "<term>-<index>.snap", each 16 lowercase hex digits (etcd's naming): bytewise order of the
/// names is the order of {term, index}.
std::string snapshotFileName(std::uint64_t term, std::uint64_t index);

/// A snapshot file's bytes: "dsnp", u32 CRC-32C of the payload, u64 payload length (little
/// endian), then the payload (snappb.Snapshot). See docs/storage.md.
std::string encodeSnapshotFile(const Snapshot& snapshot);
/// Decodes a snapshot file; on damage, the reason (bad magic, length, CRC, or payload).
Result<Snapshot> decodeSnapshotFile(std::string_view bytes);

/// Saves and loads the snapshots of one node in one directory.
///
/// save() is atomic and durable when it returns: the file is written under a temporary name,
/// fdatasynced, renamed and the directory fsynced, so a crash leaves either the whole snapshot or
/// none (a leftover "*.snap.tmp", removed by the next save). Damaged files are never loaded.
class Snapshotter {
 public:
  struct Options {
    /// Snapshots kept after a save (the newest ones); older ones are deleted (etcd keeps 5).
    std::size_t retain = 5;
    /// Receives "snapshot-saved" and "snapshot-skipped" events.
    env::Tracer* tracer = nullptr;
  };

  /// `dir` is created by the first save() when missing (its parent must exist).
  Snapshotter(env::Disk& disk, std::string dir, Options options);

  /// Saves `snapshot` as snapshotFileName(term, index), then deletes snapshots beyond the
  /// retention count. Errors: kIo (the snapshot is not saved unless the error is in deleting old
  /// ones, which is reported but harmless).
  Error save(const Snapshot& snapshot);

  /// A snapshot file that load skipped, and why.
  struct Skipped {
    std::string file;
    std::string reason;
  };
  struct Loaded {
    Snapshot snapshot;
    std::string file;
    /// Newer files that were damaged (torn, bit-flipped, misnamed) and skipped.
    std::vector<Skipped> skipped;
  };

  /// The newest valid snapshot for which `acceptable` (when given) returns true — the server
  /// passes the WAL's snapshot markers so that it never loads a snapshot the WAL cannot continue.
  /// Errors: kNotFound when there is none (with the skipped files in the message); kIo.
  Result<Loaded> loadNewest(
      const std::function<bool(const SnapshotMarker&)>& acceptable = nullptr);

  /// The snapshot file names in the directory, oldest first.
  Result<std::vector<std::string>> list();

 private:
  void trace(std::string_view kind, std::initializer_list<env::TraceField> fields);

  env::Disk& disk_;
  std::string dir_;
  Options options_;
};

}  // namespace detcd::wal

#pragma once
// Reading a WAL directory: listing its segments and walking their records under the recovery
// policy (torn tail vs damage). Shared by Wal::open, `wal dump` and the tests; modifies nothing.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "env/Disk.h"
#include "wal/Error.h"
#include "wal/Segment.h"

namespace detcd::wal {

/// `dir` + "/" + `file`.
std::string joinPath(const std::string& dir, const std::string& file);

/// The whole content of the file `path`. Errors: kIo (open, stat or read failed).
Result<std::string> readWhole(env::Disk& disk, const std::string& path);

/// The directory holding `path`: its prefix before the last '/', or, when it has none, the
/// directory relative paths resolve against ("." on a real disk, the root "" on the simulated one).
std::string parentDir(env::Disk& disk, const std::string& path);

/// The segments of a WAL directory, sorted by sequence number.
struct WalDirectory {
  std::vector<SegmentName> segments;
  /// Leftovers of an interrupted segment cut ("*.wal.tmp"): never part of the log.
  std::vector<std::string> tempFiles;
};

/// Lists `dir`. Errors: kNotFound when `dir` is missing or holds no segment; kCorrupt naming the
/// missing file when the sequence numbers have a gap; kIo for disk errors. Other names are ignored.
Result<WalDirectory> listWal(env::Disk& disk, const std::string& dir);

/// The index of the segment reading must start at to find everything after a snapshot at
/// `index`: the last one (by sequence) whose firstIndex is <= index (etcd's rule). Nothing when
/// every segment starts after `index` (they were released, or the snapshot is older).
std::optional<std::size_t> segmentFor(const std::vector<SegmentName>& segments,
                                      std::uint64_t index);

/// A torn or zero-filled-with-garbage tail found at the end of the last segment: the records stop
/// at `offset` of `file`, and the bytes from there on are the remains of an unsynced write.
struct TailDamage {
  std::string file;
  std::uint64_t offset = 0;
  std::uint64_t bytes = 0;  ///< from offset to the end of the file
  std::string reason;
};

/// Where the records of the last segment end.
struct ReadEnd {
  SegmentName last;
  std::string lastPath;
  std::uint64_t dataEnd = 0;  ///< offset just past the last valid record
  std::uint64_t headerBytes = 0;  ///< length of its header records
  std::uint64_t fileSize = 0;
  std::uint32_t endCrc = 0;   ///< running CRC after the last valid record
  std::optional<TailDamage> tornTail;
};

/// Called for each valid record, in log order, with the segment's path.
using RecordVisitor = std::function<Error(const std::string& path, const Frame& frame)>;

/// Reads segments [from, end) of `wal` in order and hands every valid record to `visit`
/// (stopping at the first error it returns). Policy (docs/storage.md, "Recovery"):
/// - every segment starts with a crc record continuing the previous segment's running CRC, and
///   its header (crc, metadata, ...) is intact;
/// - in the last segment, records that stop at a damaged frame with no later record written after
///   that point was durable (and none continuing the chain from elsewhere) are a torn tail,
///   returned in ReadEnd::tornTail (not an error);
/// - any other damage is a kCorrupt error naming the file and the offset where it starts.
Result<ReadEnd> readSegments(env::Disk& disk, const std::string& dir, const WalDirectory& wal,
                             std::size_t from, const RecordVisitor& visit);

}  // namespace detcd::wal

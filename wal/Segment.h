#pragma once
// WAL segment files: their names, their header, and scanning one segment's records.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wal/Record.h"

namespace detcd::wal {

/// A segment's identity, from its file name "<seq>-<firstIndex>.wal" (each 16 lowercase hex
/// digits, as etcd names them): `seq` counts segments from 0 without gaps; `firstIndex` is the
/// index the next entry had when the segment was started (entries in it may be lower when a new
/// leader overwrote a suffix).
struct SegmentName {
  std::uint64_t seq = 0;
  std::uint64_t firstIndex = 0;
  std::string file() const;
  bool operator==(const SegmentName&) const = default;
};

/// Parses "<16 hex>-<16 hex>.wal"; nothing for any other name.
std::optional<SegmentName> parseSegmentName(std::string_view file);

/// The data of a segment's first record (kCrc): the running CRC of the previous segment's records
/// (0 for the first segment) and the length of the header records (crc, metadata, ...) that were
/// made durable before the segment got its name. 12 bytes: u32 crc, u64 headerBytes.
struct CrcRecord {
  std::uint32_t crc = 0;
  std::uint64_t headerBytes = 0;
};
constexpr std::size_t kCrcRecordBytes = 12;
std::string encodeCrcRecord(const CrcRecord& record);
std::optional<CrcRecord> decodeCrcRecord(std::string_view data);

/// Appends a segment's header to `out`: a crc record continuing `prevCrc` whose headerBytes is the
/// length of the whole header, then `records` (type and data), all with syncedEnd 0 (the header is
/// durable before the segment is named). Returns the running CRC after the header.
std::uint32_t encodeSegmentHeader(const std::vector<std::pair<RecordType, std::string>>& records,
                                  std::uint32_t prevCrc, std::string& out);

/// The result of reading one segment's bytes, before any policy is applied.
struct SegmentScan {
  /// Valid records, in order: each decodes, its CRC matches, its prevCrc continues the previous
  /// one's crc, and the first one is a kCrc record.
  std::vector<Frame> records;
  /// Offset just past the last valid record: where the records stop.
  std::uint64_t dataEnd = 0;
  /// Why the records stop at dataEnd when it is not the clean end (a zero header or the end of
  /// the file): the decoder's reason, a broken chain, a missing crc record.
  std::optional<std::string> stop;
  /// The stop is a self-consistent record that does not continue the chain (or otherwise cannot
  /// be the remains of a torn write): always damage.
  bool chainBroken = false;
  /// The crc record, when the first record is one.
  std::optional<CrcRecord> header;
  /// The running CRC after the last valid record.
  std::uint32_t endCrc = 0;
  /// Offset of a valid frame after dataEnd whose syncedEnd is past dataEnd: proof that the bytes
  /// at dataEnd were durable before, so the stop is damage to synced data, not a torn write.
  std::optional<std::uint64_t> syncedAfter;
  /// Offset of a valid frame after dataEnd that continues the chain from endCrc: the next record
  /// exists, but not where it belongs (a misdirected write), so the stop is damage.
  std::optional<std::uint64_t> misplaced;
  /// Whether any byte after dataEnd is not zero.
  bool junkAfterEnd = false;
};

/// Scans a whole segment's bytes. Safe on arbitrary input.
SegmentScan scanSegment(std::string_view segment);

}  // namespace detcd::wal

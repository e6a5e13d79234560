#pragma once
// The record frame of WAL segments: encoding and a decoder that is safe on arbitrary bytes.
//
// Layout (little-endian; docs/storage.md has the full description):
//
//   offset  size  field
//   0       4     length      bytes of data (not counting the header or padding)
//   4       4     type        RecordType
//   8       8     syncedEnd   offset in this segment up to which the writer knew the segment to be
//                             durable when it wrote this record (recovery uses it to tell a torn
//                             tail from damage to synced data)
//   16      4     prevCrc     the running CRC before this record
//   20      4     crc         CRC-32C of bytes [0, 16) of the header then the data, continued from
//                             prevCrc (so the chain is checked record by record)
//   24      n     data
//   24+n    p     zero padding to the next multiple of 8 bytes
//
// A header of 24 zero bytes marks the end of a segment's records (preallocated space).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace detcd::wal {

/// Record types (numbered as etcd's WAL numbers them).
enum class RecordType : std::uint32_t {
  kMetadata = 1,  ///< opaque bytes given at create(); in every segment's header
  kEntry = 2,     ///< walpb.Entry
  kHardState = 3, ///< walpb.HardState
  kCrc = 4,       ///< first record of a segment: the running CRC and the header's length
  kSnapshot = 5,  ///< walpb.SnapshotMarker
};

/// The name of a record type ("entry", "hardstate", ...), or "unknown".
std::string_view toString(RecordType type);

constexpr std::uint64_t kHeaderBytes = 24;
constexpr std::uint64_t kAlignment = 8;
/// The largest data a record may carry (1 GiB): a larger length is damage, not a record.
constexpr std::uint64_t kMaxRecordBytes = std::uint64_t{1} << 30;

/// Bytes a record with `dataBytes` of data occupies on disk: header, data and padding.
constexpr std::uint64_t frameBytes(std::uint64_t dataBytes) {
  return kHeaderBytes + (dataBytes + kAlignment - 1) / kAlignment * kAlignment;
}

/// A decoded record. `data` views the buffer it was decoded from.
struct Frame {
  RecordType type{};
  std::uint64_t offset = 0;     ///< where the frame starts in its segment
  std::uint64_t bytes = 0;      ///< frameBytes(data.size())
  std::uint64_t syncedEnd = 0;
  std::uint32_t prevCrc = 0;
  std::uint32_t crc = 0;
  std::string_view data;
};

/// Appends the frame of one record to `out` and returns its CRC (the new running CRC).
std::uint32_t encodeFrame(RecordType type, std::string_view data, std::uint64_t syncedEnd,
                          std::uint32_t prevCrc, std::string& out);

/// Fills in the header of `frame` (frameBytes(dataBytes) bytes: a header to write, then the
/// record's data, already in place, then zero padding) and returns the record's CRC.
std::uint32_t sealFrame(RecordType type, std::size_t dataBytes, std::uint64_t syncedEnd,
                        std::uint32_t prevCrc, std::span<char> frame);

/// encodeFrame() for data that is written straight into `out` instead of being built elsewhere
/// and copied: appends frameBytes(dataBytes) zero bytes, calls `writeData(std::span<char>)` with
/// the `dataBytes` of them where the data goes (it must fill exactly those), and seals the frame.
/// The bytes and the CRC are those encodeFrame() gives for the same data. The WAL encodes entries
/// this way, so that a batch costs no allocation per entry (docs/performance-wal.md).
template <class WriteData>
std::uint32_t encodeFrameInPlace(RecordType type, std::size_t dataBytes,
                                 const WriteData& writeData, std::uint64_t syncedEnd,
                                 std::uint32_t prevCrc, std::string& out) {
  const std::size_t start = out.size();
  const std::size_t bytes = frameBytes(dataBytes);
  out.resize(start + bytes);  // zero-filled, so the padding is already in place
  const std::span<char> frame(out.data() + start, bytes);
  writeData(frame.subspan(kHeaderBytes, dataBytes));
  return sealFrame(type, dataBytes, syncedEnd, prevCrc, frame);
}

/// What decodeFrame() found at an offset.
struct Decoded {
  enum class Status {
    kOk,       ///< a frame whose CRC matches (its prevCrc is not checked against anything)
    kZero,     ///< a header of zeros, or fewer than kHeaderBytes bytes left that are all zero
    kInvalid,  ///< anything else; `reason` says what
  } status = Status::kInvalid;
  Frame frame;         ///< for kOk
  std::string reason;  ///< for kInvalid: e.g. "CRC mismatch (stored 0x.., computed 0x..)"
};

/// Decodes the frame at `offset` of `segment` (offset must be a multiple of kAlignment and at most
/// segment.size()). Reads nothing outside `segment`, whatever its bytes are.
Decoded decodeFrame(std::string_view segment, std::uint64_t offset);

}  // namespace detcd::wal

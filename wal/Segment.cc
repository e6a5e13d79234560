#include "wal/Segment.h"

#include <boost/endian/conversion.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace detcd::wal {

std::string SegmentName::file() const {
  return fmt::format("{:016x}-{:016x}.wal", seq, firstIndex);
}

std::optional<SegmentName> parseSegmentName(std::string_view file) {
  // Exactly 16 + 1 + 16 + 4 characters, lowercase hex.
  if (file.size() != 37 || file[16] != '-' || !file.ends_with(".wal")) return std::nullopt;
  const auto hex = [](std::string_view s, std::uint64_t& out) {
    if (!std::all_of(s.begin(), s.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
      return false;
    }
    return std::from_chars(s.data(), s.data() + s.size(), out, 16).ec == std::errc();
  };
  SegmentName name;
  if (!hex(file.substr(0, 16), name.seq) || !hex(file.substr(17, 16), name.firstIndex)) {
    return std::nullopt;
  }
  return name;
}

std::string encodeCrcRecord(const CrcRecord& record) {
  std::string out(kCrcRecordBytes, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  boost::endian::store_little_u32(p, record.crc);
  boost::endian::store_little_u64(p + 4, record.headerBytes);
  return out;
}

std::optional<CrcRecord> decodeCrcRecord(std::string_view data) {
  if (data.size() != kCrcRecordBytes) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  return CrcRecord{boost::endian::load_little_u32(p), boost::endian::load_little_u64(p + 4)};
}

std::uint32_t encodeSegmentHeader(const std::vector<std::pair<RecordType, std::string>>& records,
                                  std::uint32_t prevCrc, std::string& out) {
  std::uint64_t headerBytes = frameBytes(kCrcRecordBytes);
  for (const auto& record : records) headerBytes += frameBytes(record.second.size());
  std::uint32_t crc =
      encodeFrame(RecordType::kCrc, encodeCrcRecord({prevCrc, headerBytes}), 0, prevCrc, out);
  for (const auto& [type, data] : records) crc = encodeFrame(type, data, 0, crc, out);
  return crc;
}

SegmentScan scanSegment(std::string_view segment) {
  SegmentScan scan;
  std::uint64_t offset = 0;
  while (offset < segment.size()) {
    Decoded d = decodeFrame(segment, offset);
    if (d.status == Decoded::Status::kZero) break;
    if (d.status == Decoded::Status::kInvalid) {
      scan.stop = d.reason;
      break;
    }
    const Frame& f = d.frame;
    if (scan.records.empty()) {
      const auto header = f.type == RecordType::kCrc ? decodeCrcRecord(f.data) : std::nullopt;
      if (!header || header->crc != f.prevCrc) {
        scan.stop = fmt::format("segment does not start with a valid crc record (found {})",
                                toString(f.type));
        scan.chainBroken = true;
        break;
      }
      scan.header = header;
    } else if (f.prevCrc != scan.endCrc) {
      scan.stop = fmt::format(
          "CRC chain broken: record continues {:#010x}, running CRC is {:#010x}", f.prevCrc,
          scan.endCrc);
      scan.chainBroken = true;
      break;
    } else if (f.type == RecordType::kCrc) {
      scan.stop = "a crc record in the middle of a segment";
      scan.chainBroken = true;
      break;
    }
    if (f.syncedEnd > offset) {
      scan.stop = fmt::format("record claims {} bytes durable before its own offset", f.syncedEnd);
      scan.chainBroken = true;
      break;
    }
    scan.endCrc = f.crc;
    scan.records.push_back(f);
    offset += f.bytes;
  }
  scan.dataEnd = offset;
  const std::string_view rest = segment.substr(std::min<std::uint64_t>(offset, segment.size()));
  scan.junkAfterEnd = std::any_of(rest.begin(), rest.end(), [](char c) { return c != '\0'; });
  if (scan.junkAfterEnd) {
    // Look for any intact record further on that was written when the bytes at dataEnd were
    // already durable. A torn write never produces one: records after a torn one were written in
    // the same unsynced batch, with a syncedEnd at or before it. Note, too, an intact record that
    // continues the chain but sits elsewhere.
    for (std::uint64_t at = offset + kAlignment; at + kHeaderBytes <= segment.size();
         at += kAlignment) {
      if (segment[at] == '\0' && segment.substr(at, kHeaderBytes).find_first_not_of('\0') ==
                                     std::string_view::npos) {
        continue;
      }
      const Decoded d = decodeFrame(segment, at);
      if (d.status != Decoded::Status::kOk) continue;
      if (d.frame.syncedEnd > offset) {
        scan.syncedAfter = at;
        break;
      }
      // Only the first record of a batch continues endCrc, and a torn batch starts at dataEnd.
      if (scan.header && d.frame.prevCrc == scan.endCrc && !scan.misplaced) scan.misplaced = at;
    }
  }
  return scan;
}

}  // namespace detcd::wal

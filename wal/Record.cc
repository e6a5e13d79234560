#include "wal/Record.h"

#include <boost/endian/conversion.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "wal/Crc32c.h"

namespace detcd::wal {
namespace {

using boost::endian::load_little_u32;
using boost::endian::load_little_u64;
using boost::endian::store_little_u32;
using boost::endian::store_little_u64;

const unsigned char* bytes(std::string_view s, std::uint64_t at) {
  return reinterpret_cast<const unsigned char*>(s.data() + at);
}

bool knownType(std::uint32_t type) { return type >= 1 && type <= 5; }

}  // namespace

std::string_view toString(RecordType type) {
  switch (type) {
    case RecordType::kMetadata: return "metadata";
    case RecordType::kEntry: return "entry";
    case RecordType::kHardState: return "hardstate";
    case RecordType::kCrc: return "crc";
    case RecordType::kSnapshot: return "snapshot";
  }
  return "unknown";
}

std::uint32_t sealFrame(RecordType type, std::size_t dataBytes, std::uint64_t syncedEnd,
                        std::uint32_t prevCrc, std::span<char> frame) {
  assert(dataBytes <= kMaxRecordBytes && frame.size() == frameBytes(dataBytes));
  auto* header = reinterpret_cast<unsigned char*>(frame.data());
  store_little_u32(header, static_cast<std::uint32_t>(dataBytes));
  store_little_u32(header + 4, static_cast<std::uint32_t>(type));
  store_little_u64(header + 8, syncedEnd);
  const std::string_view covered(frame.data(), 16);
  const std::string_view data(frame.data() + kHeaderBytes, dataBytes);
  const std::uint32_t crc = crc32c(crc32c(prevCrc, covered), data);
  store_little_u32(header + 16, prevCrc);
  store_little_u32(header + 20, crc);
  return crc;
}

std::uint32_t encodeFrame(RecordType type, std::string_view data, std::uint64_t syncedEnd,
                          std::uint32_t prevCrc, std::string& out) {
  const auto copy = [&](std::span<char> to) { std::copy(data.begin(), data.end(), to.begin()); };
  return encodeFrameInPlace(type, data.size(), copy, syncedEnd, prevCrc, out);
}

Decoded decodeFrame(std::string_view segment, std::uint64_t offset) {
  assert(offset % kAlignment == 0 && offset <= segment.size());
  Decoded d;
  const std::uint64_t left = segment.size() - offset;
  const std::string_view header = segment.substr(offset, std::min(left, kHeaderBytes));
  if (std::all_of(header.begin(), header.end(), [](char c) { return c == '\0'; })) {
    d.status = Decoded::Status::kZero;
    return d;
  }
  if (left < kHeaderBytes) {
    d.reason = fmt::format("header cut short: {} of {} bytes before the end of the file", left,
                           kHeaderBytes);
    return d;
  }
  const std::uint64_t length = load_little_u32(bytes(segment, offset));
  const std::uint32_t type = load_little_u32(bytes(segment, offset + 4));
  if (length > kMaxRecordBytes || frameBytes(length) > left) {
    d.reason = fmt::format("impossible length {} ({} bytes left in the file)", length, left);
    return d;
  }
  if (!knownType(type)) {
    d.reason = fmt::format("unknown record type {}", type);
    return d;
  }
  Frame& f = d.frame;
  f.type = static_cast<RecordType>(type);
  f.offset = offset;
  f.bytes = frameBytes(length);
  f.syncedEnd = load_little_u64(bytes(segment, offset + 8));
  f.prevCrc = load_little_u32(bytes(segment, offset + 16));
  f.crc = load_little_u32(bytes(segment, offset + 20));
  f.data = segment.substr(offset + kHeaderBytes, length);
  const std::uint32_t computed = crc32c(crc32c(f.prevCrc, header.substr(0, 16)), f.data);
  if (computed != f.crc) {
    d.reason = fmt::format("CRC mismatch (stored {:#010x}, computed {:#010x})", f.crc, computed);
    return d;
  }
  d.status = Decoded::Status::kOk;
  return d;
}

}  // namespace detcd::wal

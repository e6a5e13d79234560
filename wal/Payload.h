#pragma once
// The data of entry, HardState and snapshot-marker records (walpb messages) to and from bytes.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wal/Types.h"

namespace detcd::walpb {
class Entry;
}

namespace detcd::wal {

/// One entry's record data: what a fresh EntryEncoder writes (the one encoding of walpb.Entry).
std::string encodeEntry(const Entry& entry);
std::string encodeHardState(const HardState& state);
std::string encodeSnapshotMarker(const SnapshotMarker& marker);

/// Encodes entries into a buffer the caller provides, with one walpb::Entry reused from entry to
/// entry: after the first entries no allocation and a single copy of the data (the WAL's append
/// path; docs/performance-wal.md). Reuse carries nothing over: the bytes equal encodeEntry()'s,
/// which is a fresh encoder. Not thread-safe.
class EntryEncoder {
 public:
  EntryEncoder();
  ~EntryEncoder();
  EntryEncoder(const EntryEncoder&) = delete;
  EntryEncoder& operator=(const EntryEncoder&) = delete;

  /// Prepares the encoding of `entry`; returns its length in bytes (encodeEntry(entry).size()).
  std::size_t load(const Entry& entry);
  /// Writes the encoding of the entry last load()ed to `out`, whose size must be what load()
  /// returned. The bytes equal encodeEntry(entry)'s.
  void write(std::span<char> out) const;

 private:
  std::unique_ptr<walpb::Entry> message_;
};

/// Each returns nothing when `data` is not a valid serialized walpb message.
std::optional<Entry> decodeEntry(std::string_view data);
std::optional<HardState> decodeHardState(std::string_view data);
std::optional<SnapshotMarker> decodeSnapshotMarker(std::string_view data);

}  // namespace detcd::wal

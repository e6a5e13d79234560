#pragma once
// The data of entry, HardState and snapshot-marker records (walpb messages) to and from bytes.

#include <optional>
#include <string>
#include <string_view>

#include "wal/Types.h"

namespace detcd::wal {

std::string encodeEntry(const Entry& entry);
std::string encodeHardState(const HardState& state);
std::string encodeSnapshotMarker(const SnapshotMarker& marker);

/// Each returns nothing when `data` is not a valid serialized walpb message.
std::optional<Entry> decodeEntry(std::string_view data);
std::optional<HardState> decodeHardState(std::string_view data);
std::optional<SnapshotMarker> decodeSnapshotMarker(std::string_view data);

}  // namespace detcd::wal

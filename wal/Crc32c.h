#pragma once
// CRC-32C (Castagnoli), continuable, computed by Boost.CRC.

#include <cstdint>
#include <string_view>

namespace detcd::wal {

/// The CRC-32C of `prev`'s input followed by `data`: crc32c(0, a + b) == crc32c(crc32c(0, a), b).
/// `prev` is 0 for an empty input (so crc32c(0, "123456789") == 0xE3069283, the standard check
/// value). This is how records chain: each record's CRC continues from the previous record's.
std::uint32_t crc32c(std::uint32_t prev, std::string_view data);

}  // namespace detcd::wal

#pragma once
// CRC-32C (Castagnoli), continuable: the CPU's CRC32 instruction where there is one (SSE4.2),
// else Boost.CRC.

#include <cstdint>
#include <string_view>

namespace detcd::wal {

/// The CRC-32C of `prev`'s input followed by `data`: crc32c(0, a + b) == crc32c(crc32c(0, a), b).
/// `prev` is 0 for an empty input (so crc32c(0, "123456789") == 0xE3069283, the standard check
/// value). This is how records chain: each record's CRC continues from the previous record's.
/// Uses the SSE4.2 CRC32 instruction when the CPU has it (chosen once, at first use): Boost.CRC's
/// table loop, one byte at a time, was 90% of the WAL's CPU time and kept group commit of small
/// entries well below the disk's own limit (docs/performance-wal.md).
std::uint32_t crc32c(std::uint32_t prev, std::string_view data);

/// The same function computed by Boost.CRC alone: the reference the instruction path is tested
/// against, and what crc32c() uses on CPUs without the instruction.
std::uint32_t crc32cBoost(std::uint32_t prev, std::string_view data);

}  // namespace detcd::wal

#include "wal/Crc32c.h"

#include <boost/crc.hpp>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace detcd::wal {

namespace {

std::uint32_t reverseBits(std::uint32_t v) {
  std::uint32_t r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1);
  return r;
}

#if defined(__x86_64__)
/// The CRC32 instruction computes CRC-32C on the reflected register, so a finished CRC
/// continues as its complement, exactly like the table method.
__attribute__((target("sse4.2"))) std::uint32_t crc32cInstruction(std::uint32_t prev,
                                                                  std::string_view data) {
  std::uint64_t crc = ~prev;
  const char* p = data.data();
  std::size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  for (; n > 0; ++p, --n) crc32 = _mm_crc32_u8(crc32, static_cast<unsigned char>(*p));
  return ~crc32;
}

const bool kHasInstruction = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

std::uint32_t crc32cBoost(std::uint32_t prev, std::string_view data) {
  // Castagnoli polynomial, reflected, initial and final XOR all ones. A finished CRC, complemented,
  // is the remainder to resume from; Boost.CRC takes an initial remainder in unreflected bit order
  // (it reflects it for a reflected CRC), hence the bit reversal.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc(reverseBits(~prev));
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

std::uint32_t crc32c(std::uint32_t prev, std::string_view data) {
#if defined(__x86_64__)
  if (kHasInstruction) return crc32cInstruction(prev, data);
#endif
  return crc32cBoost(prev, data);
}

}  // namespace detcd::wal

#include "wal/Crc32c.h"

#include <boost/crc.hpp>

namespace detcd::wal {

namespace {

std::uint32_t reverseBits(std::uint32_t v) {
  std::uint32_t r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1);
  return r;
}

}  // namespace

std::uint32_t crc32c(std::uint32_t prev, std::string_view data) {
  // Castagnoli polynomial, reflected, initial and final XOR all ones. A finished CRC, complemented,
  // is the remainder to resume from; Boost.CRC takes an initial remainder in unreflected bit order
  // (it reflects it for a reflected CRC), hence the bit reversal.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc(reverseBits(~prev));
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

}  // namespace detcd::wal

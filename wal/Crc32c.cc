#include "wal/Crc32c.h"

#include <boost/crc.hpp>

namespace detcd::wal {

std::uint32_t crc32c(std::uint32_t prev, std::string_view data) {
  // Castagnoli polynomial, reflected, initial and final XOR all ones. Starting from the complement
  // of a finished CRC resumes the computation where it ended.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc(~prev);
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

}  // namespace detcd::wal

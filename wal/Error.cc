#include "wal/Error.h"

#include <fmt/format.h>

namespace detcd::wal {

Error ioError(std::string_view what, const std::string& path, std::error_code ec) {
  return Error(ErrorCode::kIo, fmt::format("{} {}: {}", what, path, ec.message()), path, 0, ec);
}

Error corrupt(const std::string& path, std::uint64_t offset, std::string_view what) {
  return Error(ErrorCode::kCorrupt,
               fmt::format("wal corrupt: {} at offset {}: {}", path, offset, what), path, offset);
}

}  // namespace detcd::wal

#include "sim/StandaloneDisk.h"

namespace detcd::sim {

StandaloneDisk::StandaloneDisk(std::uint64_t seed, CrashMode mode)
    : disk(1, Rng(seed), trace, loop) {
  loop.start();
  disk.setCrashMode(mode);
}

CrashMode StandaloneDisk::crash() {
  const CrashMode mode = disk.crash();
  disk.powerOn();
  return mode;
}

std::optional<std::string> StandaloneDisk::read(const std::string& path) {
  auto file = disk.open(path, {});
  if (!file) return std::nullopt;
  auto size = (*file)->size();
  if (!size) return std::nullopt;
  auto content = (*file)->read(0, *size);
  if (!content) return std::nullopt;
  return std::move(*content);
}

}  // namespace detcd::sim

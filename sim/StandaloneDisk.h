#pragma once
// A simulated disk on its own, for testing code that needs only a disk (the WAL, snapshots).

#include <cstdint>
#include <optional>
#include <string>

#include "sim/NodeLoop.h"
#include "sim/Scheduler.h"
#include "sim/SimDisk.h"
#include "sim/Trace.h"

namespace detcd::sim {

/// A SimDisk (node 1) with its own scheduler, trace and running node loop: the disk model with
/// none of a Simulation's hosts or network. Randomness comes from `seed` alone.
struct StandaloneDisk {
  explicit StandaloneDisk(std::uint64_t seed, CrashMode mode = CrashMode::kRandom);

  /// Power loss and power back on, as a restart of the machine does. Returns the mode applied.
  CrashMode crash();

  /// The bytes of `path` as reads see them now, or nothing when it does not exist.
  std::optional<std::string> read(const std::string& path);

  Scheduler scheduler;
  Trace trace;
  NodeLoop loop{scheduler};
  SimDisk disk;
};

}  // namespace detcd::sim

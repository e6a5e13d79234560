#pragma once
// Everything a node may use of the outside world, bundled.

#include <cstdint>

#include "env/Buggify.h"
#include "env/Clock.h"
#include "env/Disk.h"
#include "env/Tracer.h"
#include "env/Transport.h"

namespace detcd::env {

/// The seams handed to a node. Under the simulator they are virtual and driven by one seed; in
/// the real binary they are the real clock, sockets and files. Components take what they need
/// from here and never reach the outside world another way.
struct Env {
  Clock& clock;
  Transport& transport;
  Disk& disk;
  Tracer& tracer;
  Buggify& buggify;
  /// Seed for the node's own random choices (election jitter): drawn from the simulation's seed
  /// under sim, from std::random_device in the real binary.
  std::uint64_t seed;
};

}  // namespace detcd::env

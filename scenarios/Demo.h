#pragma once
// The built-in demonstration run of `detcd-sim demo`: a small cluster under a fixed fault schedule.

#include <cstdint>
#include <iosfwd>
#include <string>

namespace detcd::scenarios {

/// What a demo run produced.
struct DemoResult {
  std::uint64_t traceHash = 0;
  std::uint64_t traceEvents = 0;
  std::uint64_t messagesSent = 0, messagesDelivered = 0, messagesDropped = 0;
  /// Per node, records it had on disk when the run ended (as it would read them back).
  std::string summary;
};

/// Runs the demo with `seed`: three nodes that gossip numbered pings over the simulated network
/// and log every ping they receive to their simulated disk (fsync every 4 records), while the
/// schedule isolates node 1, heals, crashes and restarts node 3, pauses and resumes node 2, and
/// makes node 1's clock drift. A human-readable account goes to `out` (nothing when null); the
/// trace, as JSON lines, to `tracePath` (none when empty). Same seed, same result.
DemoResult runDemo(std::uint64_t seed, std::ostream* out, const std::string& tracePath);

}  // namespace detcd::scenarios

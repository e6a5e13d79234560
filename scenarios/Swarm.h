#pragma once
// `detcd-sim swarm`: many seeds, each a scenario drawn from the seed (ScenarioDraw.h) and run
// with every check (Run.h). Seeds split deterministically into shards for batch systems, and a
// shard's seeds over local worker processes.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "env/Time.h"
#include "server/Bugs.h"

namespace detcd::scenarios {

struct SwarmOptions {
  std::uint64_t firstSeed = 1;  ///< inclusive
  std::uint64_t lastSeed = 1;   ///< inclusive
  env::Nanos duration{30'000'000'000};  ///< each seed's safety phase
  std::string bug;              ///< a server::bugNames() entry, or "" for none
  /// Shard `shardIndex` of `shardCount` (1-based) takes the seeds whose position in the range
  /// is congruent to shardIndex - 1 modulo shardCount.
  int shardIndex = 1;
  int shardCount = 1;
  int jobs = 1;                 ///< worker processes (fork); 1 runs in this process
  std::string saveDir;          ///< when set, each failing seed's scenario is written there
  bool progress = false;        ///< draw a progress bar on `err` (a terminal)
};

/// What one seed gave.
struct SeedOutcome {
  std::uint64_t seed = 0;
  bool passed = false;
  std::string failedChecks;     ///< comma-separated, "" when passed
  std::uint64_t traceHash = 0;
  std::string error;            ///< an exception's message (counts as a failure)
};

/// The seeds of this shard, in order.
std::vector<std::uint64_t> shardSeeds(const SwarmOptions& options);

/// Runs one seed (draws its scenario, runs it, returns the outcome; saves the scenario on
/// failure when options.saveDir is set).
SeedOutcome runSeed(std::uint64_t seed, const SwarmOptions& options);

/// The command that replays one seed exactly.
std::string replayCommand(std::uint64_t seed, const SwarmOptions& options);

/// Runs the shard; prints every failing seed with its replay command and a summary on `out`
/// (the progress bar on `err`). Returns the exit code: 0 when every seed passed, 1 otherwise.
/// Throws std::invalid_argument for bad options (empty range, shard out of range, jobs < 1,
/// unknown bug).
int runSwarm(const SwarmOptions& options, std::ostream& out, std::ostream& err);

}  // namespace detcd::scenarios

#pragma once
// Seeded buggify: which points are enabled in this run, and when they fire.

#include <map>
#include <string>
#include <string_view>

#include "env/Time.h"
#include "env/Transport.h"
#include "sim/Rng.h"
#include "sim/Trace.h"

namespace detcd::sim {

/// The buggify points of a simulated run (FoundationDB's BUGGIFY); each node sees them through
/// its own env::Buggify adapter (Host), which stamps its id and time on the trace. Each named point is enabled in a
/// fraction of seeds — decided by the stream "buggify/<point>" alone, so whether a point is
/// enabled does not depend on which other points exist or were asked first — and, when enabled,
/// fires with a fixed probability per call, drawn from that point's own stream. Firing is traced.
/// One instance serves a whole run (all nodes share the decision of which points are enabled,
/// as in FoundationDB).
class SeededBuggify {
 public:
  /// `enabledFraction`: share of seeds in which a point is enabled; `fireProbability`: chance
  /// per call that an enabled point fires. Both in [0, 1]; 0 disables buggify entirely.
  SeededBuggify(const SeedTree& seeds, Trace& trace, double enabledFraction = 0.25,
                double fireProbability = 0.25);

  /// Whether `point` fires for a call by `node` at global time `now`.
  bool fire(std::string_view point, env::NodeId node, env::Nanos now);

  /// Whether `point` is enabled in this run (asks without firing).
  bool enabled(std::string_view point);

 private:
  struct Point {
    bool enabled;
    Rng rng;
  };
  Point& point(std::string_view name);

  const SeedTree& seeds_;
  Trace& trace_;
  double enabledFraction_;
  double fireProbability_;
  std::map<std::string, Point, std::less<>> points_;
};

}  // namespace detcd::sim

#include "sim/Buggify.h"

namespace detcd::sim {

SeededBuggify::SeededBuggify(const SeedTree& seeds, Trace& trace, double enabledFraction,
                             double fireProbability)
    : seeds_(seeds),
      trace_(trace),
      enabledFraction_(enabledFraction),
      fireProbability_(fireProbability) {}

SeededBuggify::Point& SeededBuggify::point(std::string_view name) {
  auto it = points_.find(name);
  if (it == points_.end()) {
    Rng rng = seeds_.stream("buggify/" + std::string(name));
    const bool on = rng.chance(enabledFraction_);
    it = points_.emplace(std::string(name), Point{on, rng}).first;
  }
  return it->second;
}

bool SeededBuggify::enabled(std::string_view name) { return point(name).enabled; }

bool SeededBuggify::fire(std::string_view name, env::NodeId node, env::Nanos now) {
  Point& p = point(name);
  if (!p.enabled || !p.rng.chance(fireProbability_)) return false;
  trace_.record(now, node, "buggify", {{"point", name}});
  return true;
}

}  // namespace detcd::sim

#pragma once
// Buggify points (FoundationDB): places in production code that may misbehave on purpose, within
// the rules, to widen what the simulator explores.

#include <string_view>

namespace detcd::env {

/// Asked at a named point whether to take the unusual-but-legal path there (a shorter timeout, an
/// early segment cut, a delayed fsync...). Under the simulator each point is enabled in a fraction
/// of seeds and fires with a probability when enabled; the real binary uses NoBuggify.
class Buggify {
 public:
  virtual ~Buggify() = default;
  /// Whether the point named `point` fires this time.
  virtual bool fire(std::string_view point) = 0;
};

/// Never fires: the real binary's buggify.
class NoBuggify final : public Buggify {
 public:
  bool fire(std::string_view) override { return false; }
};

}  // namespace detcd::env

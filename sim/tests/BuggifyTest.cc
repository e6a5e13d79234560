// Buggify points: enabled per seed in the configured fraction, independent of each other.
#include "sim/Buggify.h"

#include <gtest/gtest.h>

namespace detcd::sim {
namespace {

TEST(BuggifyTest, EnabledInAboutTheConfiguredFractionOfSeeds) {
  int enabled = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    SeedTree seeds(seed);
    Trace trace;
    SeededBuggify buggify(seeds, trace, 0.25, 0.5);
    enabled += buggify.enabled("wal-early-cut") ? 1 : 0;
  }
  EXPECT_NEAR(enabled, 500, 80);
}

TEST(BuggifyTest, DecisionDependsOnlyOnSeedAndPointName) {
  SeedTree seeds(17);
  Trace t1, t2;
  SeededBuggify first(seeds, t1), second(seeds, t2);
  // Ask in different orders, with extra points in between.
  std::vector<bool> a, b;
  for (int i = 0; i < 50; ++i) a.push_back(first.enabled("p" + std::to_string(i)));
  for (int i = 49; i >= 0; --i) {
    second.fire("unrelated" + std::to_string(i), 1, env::Nanos{0});
    b.insert(b.begin(), second.enabled("p" + std::to_string(i)));
  }
  EXPECT_EQ(a, b);
}

TEST(BuggifyTest, EnabledPointFiresWithItsProbabilityAndIsTraced) {
  SeedTree seeds(3);
  Trace trace;
  SeededBuggify buggify(seeds, trace, 1.0, 0.3);
  int fired = 0;
  for (int i = 0; i < 10000; ++i) fired += buggify.fire("x", 1, env::Nanos{i}) ? 1 : 0;
  EXPECT_NEAR(fired, 3000, 200);
  EXPECT_EQ(trace.events(), static_cast<std::uint64_t>(fired));
}

TEST(BuggifyTest, ZeroFractionNeverFires) {
  SeedTree seeds(3);
  Trace trace;
  SeededBuggify buggify(seeds, trace, 0.0, 1.0);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(buggify.fire("x" + std::to_string(i), 1, env::Nanos{0}));
}

}  // namespace
}  // namespace detcd::sim

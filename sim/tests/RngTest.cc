// Seeded streams: reproducible, independent by name, and the helpers stay in their ranges.
#include "sim/Rng.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace detcd::sim {
namespace {

TEST(RngTest, SameSeedSameSequence) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs = differs || x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(RngTest, KnownFirstOutputs) {
  // Pinned so that a change of generator or seeding (which would change every recorded seed's
  // meaning) cannot go unnoticed. mix64(0) is SplitMix64's published first output from state 0.
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
  Rng rng(1);
  EXPECT_EQ(rng.next(), 0xb3f2af6d0fc710c5ULL);
  EXPECT_EQ(rng.next(), 0x853b559647364ceaULL);
  EXPECT_EQ(SeedTree(1).seedFor("network"), 0xd78f14a29a8ba9efULL);
  EXPECT_NE(SeedTree(1).seedFor("network"), SeedTree(1).seedFor("disk/1"));
  EXPECT_NE(SeedTree(1).seedFor("network"), SeedTree(2).seedFor("network"));
}

TEST(RngTest, ExtraDrawsInOneStreamLeaveOthersAlone) {
  const SeedTree seeds(7);
  Rng network = seeds.stream("network");
  const auto expected = network.next();
  Rng disk = seeds.stream("disk/1");
  for (int i = 0; i < 1000; ++i) disk.next();  // another component draws a lot
  Rng network2 = seeds.stream("network");
  EXPECT_EQ(network2.next(), expected);
}

RC_GTEST_PROP(RngProperty, BelowAndBetweenStayInRange,
              (std::uint64_t seed, std::uint64_t bound, std::int64_t lo, std::uint32_t span)) {
  RC_PRE(bound > 0u);
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    RC_ASSERT(rng.below(bound) < bound);
    const std::int64_t hi = lo > INT64_MAX - static_cast<std::int64_t>(span)
                                ? INT64_MAX
                                : lo + static_cast<std::int64_t>(span);
    const auto v = rng.between(lo, hi);
    RC_ASSERT(v >= lo);
    RC_ASSERT(v <= hi);
    const double u = rng.unit();
    RC_ASSERT(u >= 0.0);
    RC_ASSERT(u < 1.0);
  }
}

TEST(RngTest, BelowIsRoughlyUniform) {
  Rng rng(3);
  int counts[6] = {};
  for (int i = 0; i < 60000; ++i) ++counts[rng.below(6)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

TEST(RngTest, ChanceEdgesDrawNothing) {
  Rng a(5), b(5);
  EXPECT_FALSE(a.chance(0.0));
  EXPECT_TRUE(a.chance(1.0));
  EXPECT_EQ(a.next(), b.next());
}

TEST(RngTest, ExponentialHasItsMean) {
  Rng rng(11);
  double sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(rng.exponential(env::Nanos{1000}).count());
  EXPECT_NEAR(sum / n, 1000.0, 40.0);
  EXPECT_EQ(rng.exponential(env::Nanos{0}).count(), 0);
}

TEST(RngTest, BytesHaveTheLengthAsked) {
  Rng rng(9);
  EXPECT_EQ(rng.bytes(0).size(), 0u);
  EXPECT_EQ(rng.bytes(13).size(), 13u);
}

}  // namespace
}  // namespace detcd::sim

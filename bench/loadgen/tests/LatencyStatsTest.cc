#include "bench/loadgen/LatencyStats.h"

#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace detcd::loadgen {
namespace {

TEST(LatencyStatsTest, NearestRankPercentiles) {
  std::vector<double> latencies;
  for (int i = 100; i >= 1; --i) latencies.push_back(i);  // 1..100 ms, unsorted
  Summary s = summarize(latencies, 3, 2.0);
  EXPECT_EQ(s.requests, 100u);
  EXPECT_EQ(s.errors, 3u);
  EXPECT_DOUBLE_EQ(s.requestsPerSecond, 50.0);
  EXPECT_DOUBLE_EQ(s.p50Ms, 50);
  EXPECT_DOUBLE_EQ(s.p90Ms, 90);
  EXPECT_DOUBLE_EQ(s.p99Ms, 99);
  EXPECT_DOUBLE_EQ(s.fastestMs, 1);
  EXPECT_DOUBLE_EQ(s.slowestMs, 100);
  EXPECT_DOUBLE_EQ(s.averageMs, 50.5);
}

TEST(LatencyStatsTest, FewSamples) {
  std::vector<double> one = {4.0};
  Summary s = summarize(one, 0, 1.0);
  EXPECT_DOUBLE_EQ(s.p50Ms, 4.0);
  EXPECT_DOUBLE_EQ(s.p99Ms, 4.0);
  std::vector<double> two = {1.0, 3.0};
  s = summarize(two, 0, 1.0);
  EXPECT_DOUBLE_EQ(s.p50Ms, 1.0);
  EXPECT_DOUBLE_EQ(s.p90Ms, 3.0);
}

TEST(LatencyStatsTest, NoSamplesNoTime) {
  std::vector<double> none;
  Summary s = summarize(none, 5, 0.0);
  EXPECT_EQ(s.requests, 0u);
  EXPECT_DOUBLE_EQ(s.requestsPerSecond, 0.0);
  EXPECT_DOUBLE_EQ(s.p99Ms, 0.0);
}

TEST(LatencyStatsTest, JsonCarriesTheFigures) {
  std::vector<double> latencies = {1.0, 2.0};
  auto j = nlohmann::json::parse(summaryJson(summarize(latencies, 1, 0.5)));
  EXPECT_EQ(j["requests"], 2);
  EXPECT_EQ(j["errors"], 1);
  EXPECT_DOUBLE_EQ(j["requests_per_second"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(j["p99_ms"].get<double>(), 2.0);
}

TEST(LatencyStatsTest, TsvCarriesTheFigures) {
  std::vector<double> latencies = {1.0, 2.0};
  EXPECT_EQ(summaryTsv(summarize(latencies, 1, 0.5)), "4.0\t1.0000\t2.0000\t1");
}

}  // namespace
}  // namespace detcd::loadgen

#include "bench/loadgen/FdatasyncProbe.h"

#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

namespace detcd::loadgen {
namespace {

TEST(FdatasyncProbeTest, MeasuresEveryWriteAndCleansUp) {
  auto dir = std::filesystem::temp_directory_path() / "detcd-fdatasync-probe-test";
  std::filesystem::create_directories(dir);
  Summary s = probeFdatasync(dir.string(), 20, 256, false);
  EXPECT_EQ(probeFdatasync(dir.string(), 5, 4096, true).requests, 5u);
  EXPECT_EQ(s.requests, 20u);
  EXPECT_GT(s.p50Ms, 0.0);
  EXPECT_LE(s.p50Ms, s.p99Ms);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(FdatasyncProbeTest, NamesAMissingDirectory) {
  try {
    probeFdatasync("/nonexistent/detcd", 1, 256, false);
    FAIL() << "wrote into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/detcd"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace detcd::loadgen

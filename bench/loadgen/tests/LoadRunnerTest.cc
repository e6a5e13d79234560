#include "bench/loadgen/LoadRunner.h"

#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace detcd::loadgen {
namespace {

TEST(LoadRunnerTest, KeysAreDistinctAndSized) {
  std::set<std::string> keys;
  for (int64_t n = 0; n < 1000; ++n) {
    std::string key = keyFor(n, 8);
    EXPECT_EQ(key.size(), 8u);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(keyFor(0, 3), std::string(3, '\0'));
  EXPECT_EQ(keyFor(258, 2), std::string("\x02\x01", 2));
}

TEST(LoadRunnerTest, RejectsAnEmptySetup) {
  LoadOptions options;
  EXPECT_THROW(runLoad(options, Workload{}), std::invalid_argument);
}

TEST(LoadRunnerTest, NamesAnUnreachableEndpoint) {
  LoadOptions options;
  options.endpoints = {"127.0.0.1:1"};
  options.connectTimeout = std::chrono::seconds(1);
  try {
    runLoad(options, Workload{});
    FAIL() << "connected to port 1";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace detcd::loadgen

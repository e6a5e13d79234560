// Proof that the checks see: with each deliberate defect on (server/Bugs.h), the swarm finds a
// failing seed within 200 seeds. Prints the seed that caught each defect (closing note,
// docs/scenarios.md). Label "long".
#include <gtest/gtest.h>

#include "scenarios/Swarm.h"
#include "server/Bugs.h"

namespace detcd::scenarios {
namespace {

class BugsCaughtTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BugsCaughtTest, SwarmCatchesItWithin200Seeds) {
  SwarmOptions options;
  options.bug = GetParam();
  options.duration = env::Nanos{30'000'000'000};
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const SeedOutcome outcome = runSeed(seed, options);
    if (!outcome.passed) {
      std::cout << "bug " << options.bug << " caught by seed " << seed << " ("
                << (outcome.error.empty() ? outcome.failedChecks : outcome.error)
                << "); replay: " << replayCommand(seed, options) << '\n';
      return;
    }
  }
  ADD_FAILURE() << "no seed of 1..200 caught bug " << options.bug
                << "; replay: detcd-sim swarm --seeds 1..200 --bug " << options.bug;
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (auto n : server::bugNames()) out.emplace_back(n);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Bugs, BugsCaughtTest, ::testing::ValuesIn(names()),
                         [](const auto& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace detcd::scenarios

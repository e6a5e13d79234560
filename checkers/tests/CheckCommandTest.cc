// `detcd-sim check` end to end: a CLI::App with the subcommand, argv parsed,
// output lines and exit code checked.

#include "checkers/CheckCommand.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

namespace detcd::checkers {
namespace {

const std::string kShared = DETCD_SHARED_DIR;
const std::string kTestdata = DETCD_CHECKERS_TESTDATA;

struct CommandRun {
  int exitCode = -1;
  std::string out;
  std::string err;
};

CommandRun check(std::vector<std::string> args) {
  CLI::App app("detcd-sim");
  std::ostringstream out, err;
  CommandRun r;
  addCheckCommand(app, out, err, &r.exitCode);
  args.insert(args.begin(), "check");
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  app.parse(args);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string jepsen(const char* name) { return kShared + "/histories/jepsen-etcd/" + name; }

TEST(CheckCommandTest, SharedHistoriesArePresent) {
  ASSERT_TRUE(std::filesystem::exists(jepsen("etcd_002.log")))
      << "missing " << kShared << "/histories (DETCD_SHARED_DIR)";
}

TEST(CheckCommandTest, LinearizableJepsenLogExitsZero) {
  CommandRun r = check({jepsen("etcd_002.log"), "--format", "jepsen", "--model", "register"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, jepsen("etcd_002.log") + ": linearizable\n");
  EXPECT_EQ(r.err, "");
}

TEST(CheckCommandTest, OneLinePerFileAndExitOneWhenAnyIsNotLinearizable) {
  CommandRun r = check({jepsen("etcd_002.log"), jepsen("etcd_000.log"), "--format", "jepsen"});
  EXPECT_EQ(r.exitCode, 1);
  std::istringstream lines(r.out);
  std::string first, second, extra;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra)) << r.out;
  EXPECT_EQ(first, jepsen("etcd_002.log") + ": linearizable");
  EXPECT_EQ(second.rfind(jepsen("etcd_000.log") + ": NOT linearizable (", 0), 0u) << second;
}

TEST(CheckCommandTest, EdnKvHistoriesWithGuessedFormatAndModel) {
  std::string ok = kShared + "/histories/kv/c10-ok.txt";
  std::string bad = kShared + "/histories/kv/c10-bad.txt";
  CommandRun r = check({ok});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  r = check({bad, "--format", "edn", "--model", "kv", "--explain"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.out.find("NOT linearizable (key \""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("smallest non-linearizable window"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("longest linearizable prefix"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, DetcdHistoriesUseTheEtcdModel) {
  CommandRun r = check({kTestdata + "/etcd-ok.jsonl"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  r = check({kTestdata + "/etcd-stale-read.jsonl", "--format", "detcd", "--model", "etcd"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.out.find("line 3-4 client 2 range(\"a\") -> ok rev 1"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, WatchGuaranteesGetTheirOwnLine) {
  std::string file = kTestdata + "/etcd-watch-gap.jsonl";
  CommandRun r = check({file});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, file + ": linearizable\n" + file +
                       ": watch guarantees violated (1; first: reliable, line 9: the event for "
                       "\"b\" at revision 3 was never delivered)\n");
}

TEST(CheckCommandTest, MalformedLineIsReportedWithItsNumberAndExitsTwo) {
  std::string file = kTestdata + "/malformed.jsonl";
  CommandRun r = check({file});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(file + ": bad input: line 3: "), std::string::npos) << r.err;
}

TEST(CheckCommandTest, MissingFileAndWrongModelExitTwo) {
  CommandRun r = check({kTestdata + "/does-not-exist.jsonl"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos);
  r = check({jepsen("etcd_002.log"), "--model", "kv"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("not a kv operation"), std::string::npos) << r.err;
}

TEST(CheckCommandTest, TimeLimitGivesUnknownAndExitTwo) {
  // The search of c50 (47 k steps, ~10 ms) cannot finish in a microsecond:
  // the clock is read every 1024 steps.
  std::string file = kShared + "/histories/kv/c50-ok.txt";
  CommandRun r = check({file, "--whole-map", "--timeout", "0.000001"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.out, file + ": unknown (time limit reached)\n");
}

TEST(CheckCommandTest, BadOptionValuesAreRejectedByTheParser) {
  CLI::App app("detcd-sim");
  std::ostringstream out, err;
  int code = -1;
  addCheckCommand(app, out, err, &code);
  std::vector<std::string> args = {"frob", "--format", "x.log", "check"};
  EXPECT_THROW(app.parse(args), CLI::ValidationError);
}

}  // namespace
}  // namespace detcd::checkers

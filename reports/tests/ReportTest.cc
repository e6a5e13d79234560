#include "reports/Report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "reports/HistoryChart.h"
#include "reports/tests/TestData.h"

namespace detcd::reports {
namespace {

namespace fs = std::filesystem;

fs::path sampleRunDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("detcd-reports-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"trace.jsonl", "history.jsonl"}) {
    std::ofstream(dir / file) << testing::readData(file);
  }
  return dir;
}

ReportInput sampleInput() {
  ReportInput in;
  in.scenarioName = "sample";
  in.scenarioFile = "reports/tests/data/sample.yaml";
  in.scenarioText = "cluster: {members: 3}\n# <b>not markup</b>\n";
  in.seed = 7;
  in.replayCommand = "detcd-sim run reports/tests/data/sample.yaml --seed 7";
  in.verdict = "verdict: FAIL (durability)";
  in.traceHash = "0123456789abcdef";
  in.checks = {{"linearizability", "ok", "4 operations", ""},
               {"durability", "FAILED", "1 acknowledged write lost", "put a=1 at 1.3 s"},
               {"leases", "skipped", "", ""}};
  in.notes = {"n3 refused to start"};
  return in;
}

std::string readAll(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ReportTest, WritesEveryFileAndASelfContainedPage) {
  const fs::path dir = sampleRunDir("whole");
  const fs::path index = writeReport(sampleInput(), dir);
  EXPECT_EQ(index, dir / "index.html");
  for (const char* file : {"timeline.dot", "timeline.svg", "history.svg", "index.html"}) {
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  }
  const std::string html = readAll(index);
  for (const char* expected :
       {"verdict: FAIL (durability)", "class=\"FAILED\"", "1 acknowledged write lost",
        "detcd-sim run reports/tests/data/sample.yaml --seed 7", "0123456789abcdef",
        "n3 refused to start", "term 2: n1", "&lt;b&gt;not markup&lt;/b&gt;",
        "class=\"history-chart\"", "class=\"scroll timeline\"><svg", "leader t2"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
  EXPECT_EQ(html.find("<!DOCTYPE svg"), std::string::npos);
  // Nothing is fetched: no scripts, stylesheets or images from elsewhere; the only URLs are
  // XML namespace names, which browsers never load.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  const std::regex url(R"((https?|ftp)://[^"' )]+)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ(it->str().rfind("http://www.w3.org/", 0), 0u) << it->str();
  }
}

TEST(ReportTest, PagesOfALongRunAreAllRenderedAndInlined) {
  const fs::path dir = sampleRunDir("pages");
  ReportInput in = sampleInput();
  in.timeline.rowsPerPage = 4;
  writeReport(in, dir);
  EXPECT_TRUE(fs::exists(dir / "timeline-2.svg"));
  const std::string html = readAll(dir / "index.html");
  EXPECT_NE(html.find("page 2 of"), std::string::npos);
}

TEST(ReportTest, PagesRenderTwoAtATimeAndAFailureIsNamedAfterAllFinish) {
  const fs::path dir = fs::temp_directory_path() / "detcd-reports-test-dots";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::pair<fs::path, fs::path>> files;
  for (const char* name : {"a", "b", "bad", "c"}) {
    std::ofstream(dir / (std::string(name) + ".dot"))
        << (std::string(name) == "bad" ? "digraph { a -> }" : "digraph { a -> b; }");
    files.emplace_back(dir / (std::string(name) + ".dot"), dir / (std::string(name) + ".svg"));
  }
  try {
    renderDots(files, 2);
    FAIL() << "a malformed DOT file was rendered";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.dot failed"), std::string::npos) << e.what();
  }
  for (const char* name : {"a", "b", "c"}) {
    EXPECT_NE(readAll(dir / (std::string(name) + ".svg")).find("<svg"), std::string::npos)
        << name;
  }
}

TEST(ReportTest, BadInputIsReportedWithItsLine) {
  const fs::path dir = sampleRunDir("bad");
  std::ofstream(dir / "history.jsonl") << "{\"type\":\"invoke\",\"client\":1,\"op\":\"get\"}\n{";
  try {
    writeReport(sampleInput(), dir);
    FAIL() << "a malformed history was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("history.jsonl line 2:", 0), 0u) << e.what();
  }
  fs::remove(dir / "trace.jsonl");
  EXPECT_THROW(writeReport(sampleInput(), dir), std::runtime_error);
}

TEST(ReportTest, HistoryChartHasABarPerOperationColouredByOutcome) {
  const std::string svg = historyChartSvg(testing::sampleModel());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  std::size_t bars = 0;
  for (auto p = svg.find("<rect"); p != std::string::npos; p = svg.find("<rect", p + 1)) ++bars;
  EXPECT_EQ(bars, 3u + 4u);  // legend + operations
  EXPECT_NE(svg.find("client 2 get a: failed"), std::string::npos);
  EXPECT_NE(svg.find("client 1 put b: unknown at 2.950000 s, never completed"), std::string::npos);
  EXPECT_NE(svg.find("#e53935"), std::string::npos);
  EXPECT_NE(svg.find("#ffb300"), std::string::npos);
  EXPECT_EQ(svg.find("violation"), std::string::npos);  // nothing to highlight
  EXPECT_EQ(svg.find("linearizable-prefix"), std::string::npos);
}

/// Occurrences of `what` in `text`.
std::size_t countOf(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(ReportTest, HistoryChartHighlightsAViolationsWindowAndPrefix) {
  RunModel m = testing::sampleModel();
  readChecks(testing::readData("checks.json"), m);
  const std::string svg = historyChartSvg(m);
  EXPECT_EQ(countOf(svg, "<rect class=\"violation-window\""), 1u);
  // The window spans from the put's invocation (1.1 s) to the get's completion (1.4 s).
  const std::string shaded = svg.substr(svg.find("<rect class=\"violation-window\""), 200);
  EXPECT_NE(shaded.find("fill=\"#ffcdd2\""), std::string::npos) << shaded;
  EXPECT_EQ(countOf(svg, "class=\"op in-window\""), 2u);
  EXPECT_EQ(countOf(svg, "class=\"linearizable-prefix\""), 1u);
  EXPECT_EQ(countOf(svg, "[culprit]"), 1u);
  EXPECT_NE(svg.find("client 2 get a: failed"), std::string::npos);
  EXPECT_NE(svg.find("Not linearizable (key &quot;a&quot;): window of 2 ops"), std::string::npos);
  EXPECT_NE(svg.find("longest linearizable prefix (1 ops)"), std::string::npos);
  // The culprit is outlined in black, the other window op in red.
  EXPECT_EQ(countOf(svg, "stroke=\"#000\""), 1u);
  EXPECT_EQ(countOf(svg, "stroke=\"#b71c1c\""), 1u);
}

TEST(ReportTest, TheRunsChecksAndFinalRecordsReachThePage) {
  const fs::path dir = sampleRunDir("checks");
  std::ofstream(dir / "checks.json") << testing::readData("checks.json");
  std::ofstream(dir / "trace.jsonl", std::ios::app)
      << "{\"t\":3000000000,\"node\":1,\"kind\":\"member-final\",\"live\":true,"
         "\"role\":\"leader\",\"term\":2,\"leader\":1,\"commit\":3,\"applied\":3,"
         "\"snapshot\":2,\"first\":2,\"last\":3,\"revision\":7,\"compact-revision\":-1,"
         "\"hashkv\":3735928559}\n";
  writeReport(sampleInput(), dir);
  const std::string html = readAll(dir / "index.html");
  EXPECT_NE(html.find("class=\"violation-window\""), std::string::npos);
  EXPECT_EQ(html.find("highlighted in the history chart"), std::string::npos);  // it passed
  ReportInput failed = sampleInput();
  failed.checks[0].status = "FAILED";
  writeReport(failed, dir);
  EXPECT_NE(readAll(dir / "index.html").find("<a href=\"#history\">highlighted in the history"),
            std::string::npos);
  EXPECT_NE(html.find("<td>deadbeef</td>"), std::string::npos);  // n1's HashKV
  EXPECT_NE(html.find("<td>2..3</td>"), std::string::npos);      // n1's log
  EXPECT_NE(html.find("<td>7 (-1)</td>"), std::string::npos);    // n1's revisions

  std::ofstream(dir / "checks.json") << "{\"checks\": 3}";
  EXPECT_THROW(writeReport(sampleInput(), dir), std::invalid_argument);
}

}  // namespace
}  // namespace detcd::reports

#include "reports/Timeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "reports/Report.h"
#include "reports/tests/TestData.h"

namespace detcd::reports {
namespace {

namespace fs = std::filesystem;

/// Renders `dot` with Graphviz; fails the test when dot rejects it.
void expectDotAccepts(const std::string& dot, const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / "detcd-reports-timeline-test";
  fs::create_directories(dir);
  {
    std::ofstream out(dir / (name + ".dot"));
    out << dot;
  }
  EXPECT_NO_THROW(renderDot(dir / (name + ".dot"), dir / (name + ".svg"))) << dot;
  EXPECT_GT(fs::file_size(dir / (name + ".svg")), 0u);
}

TEST(TimelineTest, WholeRunIsOnePageThatDotAccepts) {
  const std::vector<std::string> pages = timelineDot(testing::sampleModel(), {});
  ASSERT_EQ(pages.size(), 1u);
  const std::string& dot = pages[0];
  for (const char* expected : {"\"faults\"", "\"n1\"", "\"n3\"", "leader t2", "candidate t2",
                               "commit 2", "crash", "{at: 2s, crash: n3}", "snapshot 2",
                               "MsgVote t2 i1", "MsgApp t2 i1 +1 c1", "(lost)", "1.001000 s"}) {
    EXPECT_NE(dot.find(expected), std::string::npos) << expected;
  }
  expectDotAccepts(dot, "whole");
}

TEST(TimelineTest, RestrictsNodesKindsAndWindow) {
  const RunModel m = testing::sampleModel();
  TimelineOptions o;
  o.nodes = {1, 2};
  o.kinds = {"MsgVote"};
  std::string dot = timelineDot(m, o)[0];
  EXPECT_EQ(dot.find("\"n3\""), std::string::npos);
  EXPECT_EQ(dot.find("MsgApp"), std::string::npos);
  EXPECT_NE(dot.find("MsgVote t2"), std::string::npos);
  EXPECT_EQ(dot.find("(lost)"), std::string::npos);  // the lost vote went to n3
  EXPECT_NE(dot.find("{at: 2s, crash: n3}"), std::string::npos);  // faults always shown
  expectDotAccepts(dot, "restricted");

  o = {};
  o.from = 1'500'000'000;
  o.to = 2'600'000'000;
  o.commits = false;
  dot = timelineDot(m, o)[0];
  EXPECT_EQ(dot.find("leader t2"), std::string::npos);
  EXPECT_NE(dot.find("snapshot 2"), std::string::npos);
  EXPECT_EQ(dot.find("{at: 3s"), std::string::npos);
  expectDotAccepts(dot, "window");

  o.from = 5;
  o.to = 4;
  EXPECT_THROW(timelineDot(m, o), std::invalid_argument);
}

TEST(TimelineTest, ClientOperationsOnRequest) {
  const RunModel m = testing::sampleModel();
  EXPECT_EQ(timelineDot(m, {})[0].find("\"clients\""), std::string::npos);
  TimelineOptions o;
  o.clients = true;
  const std::string dot = timelineDot(m, o)[0];
  for (const char* expected : {"\"clients\"", "c1 put a: ok", "c2 get a: failed",
                               "c2 delete b: unknown", "c1 put b: no answer"}) {
    EXPECT_NE(dot.find(expected), std::string::npos) << expected;
  }
  expectDotAccepts(dot, "clients");
}

TEST(TimelineTest, RoutineTrafficFoldsBetweenNotableMarks) {
  RunModel m;
  m.nodes = {1, 2};
  const auto app = [](std::int64_t t, std::uint64_t index, bool reject) {
    RaftMessage msg;
    msg.sent = t;
    msg.received = t + 5;
    msg.from = 1;
    msg.to = 2;
    msg.type = "MsgApp";
    msg.term = 2;
    msg.index = index;
    msg.entries = 1;
    msg.commit = index;
    msg.reject = reject;
    return msg;
  };
  m.messages = {app(10, 5, false), app(20, 6, false), app(30, 7, true), app(40, 7, false),
                app(60, 8, false), app(70, 9, false), app(80, 10, false), app(90, 11, false)};
  m.messages[5].received = -1;  // lost, like the two after it
  m.messages[6].received = -1;
  m.messages[7].received = -1;
  m.events = {{12, 1, LaneEventKind::kCommit, "commit 5"},
              {22, 1, LaneEventKind::kCommit, "commit 6"},
              {42, 1, LaneEventKind::kCommit, "commit 7"},
              {50, 0, LaneEventKind::kFault, "{at: 50ns, crash: n3}"},
              {62, 1, LaneEventKind::kCommit, "commit 8"}};
  const std::string folded = timelineDot(m, {})[0];
  EXPECT_NE(folded.find("MsgApp x3 t2 i5..7 +3 c7"), std::string::npos);  // before the fault
  EXPECT_NE(folded.find("MsgApp t2 i7 +1 c7 reject"), std::string::npos);  // never folded
  EXPECT_NE(folded.find("MsgApp t2 i8 +1 c8\""), std::string::npos);  // after the fault
  EXPECT_NE(folded.find("MsgApp x3 t2 i9..11 +3 c11 (lost)"), std::string::npos);
  EXPECT_NE(folded.find("commit 7 (3 advances)"), std::string::npos);
  EXPECT_NE(folded.find("\"commit 8\""), std::string::npos);
  EXPECT_EQ(folded.find("commit 5"), std::string::npos);
  expectDotAccepts(folded, "folded");

  TimelineOptions o;
  o.fold = false;
  const std::string unfolded = timelineDot(m, o)[0];
  EXPECT_EQ(unfolded.find(" x3 "), std::string::npos);
  EXPECT_NE(unfolded.find("MsgApp t2 i6 +1 c6"), std::string::npos);
  EXPECT_NE(unfolded.find("\"commit 5\""), std::string::npos);
}

TEST(TimelineTest, LongRunsSplitIntoPages) {
  const RunModel m = testing::sampleModel();
  TimelineOptions o;
  o.rowsPerPage = 3;
  const std::vector<std::string> pages = timelineDot(m, o);
  ASSERT_GT(pages.size(), 2u);
  EXPECT_NE(pages[0].find("page 1 of"), std::string::npos);
  // The vote answer sent at 1.0005 s is stepped at 1.001 s, on the next page.
  EXPECT_NE(pages[0].find("(stepped at 1.001000 s)"), std::string::npos);
  for (std::size_t p = 0; p < pages.size(); ++p) {
    expectDotAccepts(pages[p], "page" + std::to_string(p + 1));
  }
  o.maxPages = 1;
  const std::vector<std::string> cut = timelineDot(m, o);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_NE(cut[0].find("later times not shown"), std::string::npos);
  o.rowsPerPage = 0;
  EXPECT_THROW(timelineDot(m, o), std::invalid_argument);
}

TEST(TimelineTest, EmptyWindowStillRenders) {
  TimelineOptions o;
  o.from = 100'000'000'000;
  const std::vector<std::string> pages = timelineDot(testing::sampleModel(), o);
  ASSERT_EQ(pages.size(), 1u);
  expectDotAccepts(pages[0], "empty");
}

}  // namespace
}  // namespace detcd::reports

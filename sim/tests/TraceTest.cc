// The trace: JSON lines, and a hash independent of whether lines are written.
#include "sim/Trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace detcd::sim {
namespace {

void recordSome(Trace& trace) {
  trace.record(env::Nanos{5}, 1, "send", {{"to", std::uint64_t{2}}, {"bytes", 10}});
  trace.record(env::Nanos{7}, 0, "partition", {{"links", "1>2"}, {"ok", true}});
}

TEST(TraceTest, WritesOneJsonObjectPerLine) {
  Trace trace;
  std::ostringstream out;
  trace.writeTo(&out);
  recordSome(trace);
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  const auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["t"], 5);
  EXPECT_EQ(first["node"], 1);
  EXPECT_EQ(first["kind"], "send");
  EXPECT_EQ(first["to"], 2);
  EXPECT_EQ(first["bytes"], 10);
  std::getline(in, line);
  const auto second = nlohmann::json::parse(line);
  EXPECT_EQ(second["links"], "1>2");
  EXPECT_EQ(second["ok"], true);
  EXPECT_EQ(trace.events(), 2u);
}

TEST(TraceTest, HashDoesNotDependOnWritingLines) {
  Trace silent, written;
  std::ostringstream out;
  written.writeTo(&out);
  recordSome(silent);
  recordSome(written);
  EXPECT_EQ(silent.hash(), written.hash());
}

TEST(TraceTest, HashSeesEveryPartOfAnEvent) {
  const auto hashOf = [](auto&& fill) {
    Trace t;
    fill(t);
    return t.hash();
  };
  const auto base = hashOf([](Trace& t) { t.record(env::Nanos{1}, 1, "k", {{"a", 1}}); });
  EXPECT_NE(base, hashOf([](Trace& t) { t.record(env::Nanos{2}, 1, "k", {{"a", 1}}); }));
  EXPECT_NE(base, hashOf([](Trace& t) { t.record(env::Nanos{1}, 2, "k", {{"a", 1}}); }));
  EXPECT_NE(base, hashOf([](Trace& t) { t.record(env::Nanos{1}, 1, "j", {{"a", 1}}); }));
  EXPECT_NE(base, hashOf([](Trace& t) { t.record(env::Nanos{1}, 1, "k", {{"b", 1}}); }));
  EXPECT_NE(base, hashOf([](Trace& t) { t.record(env::Nanos{1}, 1, "k", {{"a", 2}}); }));
  EXPECT_NE(base, hashOf([](Trace& t) { t.record(env::Nanos{1}, 1, "k", {{"a", "1"}}); }));
  EXPECT_EQ(formatHash(0xabc).size(), 16u);
}

TEST(TraceTest, BinaryStringsStillGiveValidJson) {
  Trace trace;
  std::ostringstream out;
  trace.writeTo(&out);
  trace.record(env::Nanos{1}, 1, "write", {{"data", std::string_view("\xff\xfe", 2)}});
  EXPECT_TRUE(nlohmann::json::accept(out.str()));
}

}  // namespace
}  // namespace detcd::sim

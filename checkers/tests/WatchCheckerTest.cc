// Each watch guarantee: a history that keeps it is accepted, a version that
// breaks it is rejected with that guarantee named.

#include "checkers/WatchChecker.h"

#include <gtest/gtest.h>

#include <set>

namespace detcd::checkers {
namespace {

// Writes: put a=1 @2, put b=2 @3, put a=3 @4 (prev_kv), delete a @5.
const std::string kWrites = R"({"type":"invoke","client":1,"time":10,"op":"put","key":"a","value":"1"}
{"type":"ok","client":1,"time":20,"header":{"revision":2}}
{"type":"invoke","client":1,"time":30,"op":"put","key":"b","value":"2"}
{"type":"ok","client":1,"time":40,"header":{"revision":3}}
{"type":"invoke","client":1,"time":50,"op":"put","key":"a","value":"3","prev_kv":true}
{"type":"ok","client":1,"time":60,"header":{"revision":4},"prev_kv":{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}}
{"type":"invoke","client":1,"time":70,"op":"delete","key":"a"}
{"type":"ok","client":1,"time":80,"header":{"revision":5},"deleted":1}
)";

const std::string kA2 = R"({"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1})";
const std::string kB3 = R"({"key":"b","value":"2","create_revision":3,"mod_revision":3,"version":1})";
const std::string kA4 = R"({"key":"a","value":"3","create_revision":2,"mod_revision":4,"version":2})";
const std::string kDelA5 = R"({"key":"a","mod_revision":5})";

std::string put(const std::string& kv, const std::string& prev = "") {
  return R"({"type":"put","kv":)" + kv + (prev.empty() ? "" : R"(,"prev_kv":)" + prev) + "}";
}
std::string del(const std::string& kv, const std::string& prev = "") {
  return R"({"type":"delete","kv":)" + kv + (prev.empty() ? "" : R"(,"prev_kv":)" + prev) + "}";
}
std::string response(int64_t header, std::vector<std::string> events) {
  std::string s = R"({"type":"watch_response","client":9,"time":100,"watch_id":1,"header":{"revision":)" +
                  std::to_string(header) + R"(},"events":[)";
  for (size_t i = 0; i < events.size(); ++i) s += (i ? "," : "") + events[i];
  return s + "]}\n";
}

std::string watch(const std::string& options) {
  return R"({"type":"watch","client":9,"time":5,"watch_id":1,"key":"a","range_end":"c")" +
         options + "}\n";
}

std::set<std::string> broken(const std::string& watchLine, std::vector<std::string> responses) {
  std::string text = kWrites + watchLine;
  for (const std::string& r : responses) text += r;
  WatchCheckResult result = checkWatches(parseHistory(text, Format::kDetcd));
  std::set<std::string> names;
  for (const WatchViolation& v : result.violations) names.insert(std::string(guaranteeName(v.guarantee)));
  return names;
}

using Names = std::set<std::string>;
const std::string kFrom2 = R"(,"start_revision":2,"prev_kv":true)";

TEST(WatchCheckerTest, AWellBehavedWatchKeepsEveryGuarantee) {
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3)}),
                                   response(4, {put(kA4, kA2)}),
                                   response(5, {del(kDelA5, kA4)}),
                                   response(5, {})}),
            Names{});
}

TEST(WatchCheckerTest, Ordered) {
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kB3)}), response(3, {put(kA2)}),
                                   response(4, {put(kA4, kA2)}),
                                   response(5, {del(kDelA5, kA4)})}),
            Names{"ordered"});
}

TEST(WatchCheckerTest, Unique) {
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3)}),
                                   response(4, {put(kA4, kA2), put(kA4, kA2)}),
                                   response(5, {del(kDelA5, kA4)})}),
            Names{"unique"});
}

TEST(WatchCheckerTest, Atomic) {
  // A txn writes a and b at revision 2; a watcher gets them in two responses.
  std::string text = R"({"type":"invoke","client":1,"time":10,"op":"txn","success":[{"op":"put","key":"a","value":"1"},{"op":"put","key":"b","value":"2"}]}
{"type":"ok","client":1,"time":20,"header":{"revision":2},"succeeded":true}
)" + watch(R"(,"start_revision":2)");
  std::string b2 = R"({"key":"b","value":"2","create_revision":2,"mod_revision":2,"version":1})";
  auto names = [&](std::vector<std::string> responses) {
    std::string t = text;
    for (const std::string& r : responses) t += r;
    Names out;
    for (const WatchViolation& v : checkWatches(parseHistory(t, Format::kDetcd)).violations) {
      out.insert(std::string(guaranteeName(v.guarantee)));
    }
    return out;
  };
  EXPECT_EQ(names({response(2, {put(kA2), put(b2)})}), Names{});
  EXPECT_EQ(names({response(2, {put(kA2)}), response(2, {put(b2)})}), Names{"atomic"});
}

TEST(WatchCheckerTest, Reliable) {
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2)}), response(4, {put(kA4, kA2)})}),
            Names{"reliable"})
      << "b@3 lies between two delivered events";
}

TEST(WatchCheckerTest, Resumable) {
  // Resumed at revision 3: b@3 and a@4 are owed; delivering from 4 loses b@3,
  // delivering a@2 is before the start.
  std::string from3 = R"(,"start_revision":3,"prev_kv":true)";
  EXPECT_EQ(broken(watch(from3), {response(4, {put(kB3), put(kA4, kA2)})}), Names{});
  EXPECT_EQ(broken(watch(from3), {response(4, {put(kA4, kA2)})}), Names{"resumable"});
  EXPECT_EQ(broken(watch(from3), {response(4, {put(kA2), put(kB3), put(kA4, kA2)})}),
            Names{"resumable"});
}

TEST(WatchCheckerTest, Bookmarkable) {
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3)}), response(4, {}),
                                   response(5, {put(kA4, kA2)})}),
            Names{"bookmarkable"})
      << "progress at 4 came before the event at 4";
}

TEST(WatchCheckerTest, PrevKv) {
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3)}), response(4, {put(kA4)})}),
            Names{"prev_kv"})
      << "an update without the prev_kv asked for";
  std::string wrongPrev = R"({"key":"a","value":"9","create_revision":2,"mod_revision":2,"version":1})";
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3)}),
                                   response(4, {put(kA4, wrongPrev)})}),
            Names{"prev_kv"});
  EXPECT_EQ(broken(watch(R"(,"start_revision":2)"),
                   {response(3, {put(kA2), put(kB3)}), response(4, {put(kA4, kA2)})}),
            Names{"prev_kv"})
      << "prev_kv not asked for";
}

TEST(WatchCheckerTest, PrevKvMayBeMissingOnlyWhenACompactionRemovedIt) {
  // etcd leaves prev_kv out when revision mod_revision - 1 is compacted when the event is sent.
  auto withCompact = [](int64_t revision, int64_t invokedAt) {
    return R"({"type":"invoke","client":2,"time":)" + std::to_string(invokedAt) +
           R"(,"op":"compact","revision":)" + std::to_string(revision) + "}\n" +
           R"({"type":"ok","client":2,"time":)" + std::to_string(invokedAt + 1) +
           R"(,"header":{"revision":5}})" + "\n";
  };
  auto check = [](const std::string& compaction) {
    std::string text = kWrites + compaction + watch(kFrom2) +
                       response(3, {put(kA2), put(kB3)}) + response(4, {put(kA4)});
    WatchCheckResult result = checkWatches(parseHistory(text, Format::kDetcd));
    std::set<std::string> names;
    for (const WatchViolation& v : result.violations) {
      names.insert(std::string(guaranteeName(v.guarantee)));
    }
    return names;
  };
  EXPECT_EQ(check(withCompact(3, 90)), Names{}) << "compacted at 3 before the response (t=100)";
  EXPECT_EQ(check(withCompact(3, 150)), Names{"prev_kv"}) << "compaction invoked after it";
  EXPECT_EQ(check(withCompact(2, 90)), Names{"prev_kv"}) << "revision 3 was not compacted";
}

TEST(WatchCheckerTest, Filters) {
  std::string noDelete = R"(,"start_revision":2,"prev_kv":true,"filters":["nodelete"])";
  EXPECT_EQ(broken(watch(noDelete), {response(3, {put(kA2), put(kB3)}),
                                     response(4, {put(kA4, kA2)})}),
            Names{});
  EXPECT_EQ(broken(watch(noDelete), {response(3, {put(kA2), put(kB3)}),
                                     response(5, {put(kA4, kA2), del(kDelA5, kA4)})}),
            Names{"filters"});
  std::string onlyA = R"({"type":"watch","client":9,"time":5,"watch_id":1,"key":"a","start_revision":2})" "\n";
  EXPECT_EQ(broken(onlyA, {response(3, {put(kA2), put(kB3)})}), Names{"filters"});
}

TEST(WatchCheckerTest, ConsistentWithTheWrites) {
  std::string wrongValue = R"({"key":"a","value":"7","create_revision":2,"mod_revision":2,"version":1})";
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(wrongValue), put(kB3)})}),
            Names{"consistent"});
  std::string phantom = R"({"key":"ab","value":"1","create_revision":3,"mod_revision":3,"version":1})";
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3), put(phantom)})}),
            Names{"consistent"})
      << "revision 3 wrote only b";
  std::string future = R"({"key":"a","value":"x","create_revision":9,"mod_revision":9,"version":1})";
  EXPECT_EQ(broken(watch(kFrom2), {response(3, {put(kA2), put(kB3)}), response(4, {put(kA4, kA2)}),
                                   response(5, {del(kDelA5, kA4)}), response(9, {put(future)})}),
            Names{"consistent"})
      << "no write made revision 9";
}

TEST(WatchCheckerTest, UnknownWritesMayExplainEvents) {
  std::string text = kWrites + R"({"type":"invoke","client":2,"time":90,"op":"put","key":"b","value":"9"}
{"type":"info","client":2,"time":95}
)" + watch(R"(,"start_revision":6)") +
                     response(6, {put(R"({"key":"b","value":"9","create_revision":3,"mod_revision":6,"version":2})")});
  EXPECT_TRUE(checkWatches(parseHistory(text, Format::kDetcd)).ok());
}

TEST(WatchCheckerTest, AGrantedLeaseMayExpireAndDeleteKeys) {
  // b is deleted at revision 6 by no client request: only a lease expiry can explain it.
  std::string events = watch(R"(,"start_revision":6)") +
                       response(6, {del(R"({"key":"b","mod_revision":6})")});
  EXPECT_EQ(broken(events, {}), Names{"consistent"}) << "no lease was ever granted";
  std::string grant = R"({"type":"invoke","client":2,"time":90,"op":"lease_grant","ttl":2}
{"type":"ok","client":2,"time":95,"header":{"revision":5},"id":7,"ttl":2}
)";
  EXPECT_TRUE(checkWatches(parseHistory(kWrites + grant + events, Format::kDetcd)).ok());
}

TEST(WatchCheckerTest, ResponseToAnUnknownWatchIsBadInput) {
  std::string text = kWrites + response(3, {put(kA2)});
  EXPECT_THROW(checkWatches(parseHistory(text, Format::kDetcd)), std::invalid_argument);
}

}  // namespace
}  // namespace detcd::checkers

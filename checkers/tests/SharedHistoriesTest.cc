// Every public history in ../shared/histories gets exactly the verdict its
// README lists (jepsen-etcd: 23 linearizable, 79 not, etcd_095 empty; kv:
// *-ok linearizable, *-bad not).

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "checkers/KvModel.h"
#include "checkers/Linearizability.h"
#include "checkers/RegisterModel.h"

namespace detcd::checkers {
namespace {

const std::filesystem::path kHistories = std::filesystem::path(DETCD_SHARED_DIR) / "histories";

std::string jepsenFile(int n) {
  char name[32];
  std::snprintf(name, sizeof name, "etcd_%03d.log", n);
  return (kHistories / "jepsen-etcd" / name).string();
}

Verdict check(const std::string& file, Format format, const Model& model) {
  History h = readHistoryFile(file, format);
  CheckOptions options;
  options.explain = false;
  return checkLinearizability(h, model, options).verdict;
}

TEST(SharedHistoriesTest, DirectoryIsPresent) {
  ASSERT_TRUE(std::filesystem::is_directory(kHistories))
      << "the shared histories are missing: expected " << kHistories
      << " (DETCD_SHARED_DIR is the repository's ../shared)";
}

TEST(SharedHistoriesTest, JepsenEtcdVerdictsMatchTheReadme) {
  ASSERT_TRUE(std::filesystem::is_directory(kHistories / "jepsen-etcd")) << kHistories;
  const std::set<int> linearizable = {2,  5,  7,  18, 25, 31, 38, 45,  48,  49,  51, 53,
                                      56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102};
  RegisterModel model;
  int nonEmpty = 0, notLinearizable = 0;
  for (int n = 0; n <= 102; ++n) {
    History h = readHistoryFile(jepsenFile(n), Format::kJepsen);
    if (n == 95) {
      EXPECT_TRUE(h.operations.empty()) << jepsenFile(n);
      continue;
    }
    ++nonEmpty;
    CheckOptions options;
    options.explain = false;
    Verdict v = checkLinearizability(h, model, options).verdict;
    Verdict expected = linearizable.contains(n) ? Verdict::kLinearizable
                                                : Verdict::kNotLinearizable;
    EXPECT_EQ(v, expected) << jepsenFile(n);
    notLinearizable += v == Verdict::kNotLinearizable;
  }
  EXPECT_EQ(nonEmpty, 102);
  EXPECT_EQ(notLinearizable, 79);
}

TEST(SharedHistoriesTest, KvVerdictsMatchTheReadmePerKey) {
  KvModel model(/*perKey=*/true);
  for (const char* c : {"c01", "c10", "c50"}) {
    std::string base = (kHistories / "kv" / c).string();
    EXPECT_EQ(check(base + "-ok.txt", Format::kEdn, model), Verdict::kLinearizable) << base;
    EXPECT_EQ(check(base + "-bad.txt", Format::kEdn, model), Verdict::kNotLinearizable) << base;
  }
}

// Whole-map states (each key still searched apart, by locality).
TEST(SharedHistoriesTest, KvVerdictsMatchTheReadmeWholeMap) {
  KvModel model(/*perKey=*/false);
  for (const char* c : {"c01", "c10", "c50"}) {
    std::string base = (kHistories / "kv" / c).string();
    EXPECT_EQ(check(base + "-ok.txt", Format::kEdn, model), Verdict::kLinearizable) << base;
    EXPECT_EQ(check(base + "-bad.txt", Format::kEdn, model), Verdict::kNotLinearizable) << base;
  }
}

}  // namespace
}  // namespace detcd::checkers

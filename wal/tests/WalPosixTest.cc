// The WAL, the snapshotter and `wal dump` on real files in a temporary directory.
#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "env/PosixDisk.h"
#include "wal/Snapshotter.h"
#include "wal/Wal.h"
#include "wal/WalCommand.h"
#include "wal/tests/WalTestSupport.h"

namespace detcd::wal {
namespace {

using testing::makeEntries;

class WalPosixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "detcd-wal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ + "/wal";
    options_.segmentBytes = 64 << 10;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::vector<std::string> segments() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().extension() == ".wal") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  /// Overwrites bytes of a real file in place.
  static void poke(const std::string& path, std::uint64_t offset, const std::string& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  static std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }
  /// Runs `wal dump DIR`; returns the exit code, output in out/err.
  int dump(const std::string& dir) {
    CLI::App app;
    int exitCode = -1;
    addWalCommand(app, out_, err_, &exitCode);
    std::vector<std::string> args = {"wal", "dump", dir};
    std::vector<char*> argv = {const_cast<char*>("detcd-sim")};
    for (auto& a : args) argv.push_back(a.data());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return 2;
    }
    return exitCode;
  }

  env::PosixDisk disk_;
  std::string root_;
  std::string dir_;
  Wal::Options options_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(WalPosixTest, AppendCutReopenOnRealFiles) {
  options_.segmentBytes = 16 << 10;
  {
    auto wal = Wal::create(disk_, dir_, "meta", options_);
    ASSERT_TRUE(wal.ok()) << wal.error().message();
    for (std::uint64_t i = 0; i < 100; ++i) {
      ASSERT_FALSE((*wal)->save(makeEntries(1 + i * 4, 4, 1, 256), HardState{1, 1, i * 4}));
    }
  }
  EXPECT_GT(segments().size(), 3u);
  // Preallocated: every segment is at least the configured size.
  for (const auto& s : segments()) EXPECT_GE(std::filesystem::file_size(s), 16u << 10);
  auto opened = Wal::open(disk_, dir_, {}, options_);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.entries, makeEntries(1, 400, 1, 256));
  EXPECT_EQ(opened->recovered.hardState, (HardState{1, 1, 396}));
  ASSERT_FALSE(opened->wal->saveSnapshotMarker({300, 1}));
  ASSERT_FALSE(opened->wal->releaseTo(300));
  opened->wal.reset();
  auto released = Wal::open(disk_, dir_, {300, 1}, options_);
  ASSERT_TRUE(released.ok()) << released.error().message();
  EXPECT_EQ(released->recovered.entries, makeEntries(301, 100, 1, 256));
}

TEST_F(WalPosixTest, TornTailAndCorruptionOnRealFiles) {
  {
    auto wal = Wal::create(disk_, dir_, "meta", options_);
    ASSERT_TRUE(wal.ok());
    for (std::uint64_t i = 0; i < 10; ++i) {
      ASSERT_FALSE((*wal)->save(makeEntries(1 + i, 1, 1, 100), std::nullopt));
    }
  }
  const std::string path = segments().at(0);
  const std::string content = slurp(path);
  const std::uint64_t end = content.find_last_not_of('\0') / 8 * 8 + 8;
  poke(path, end, "torn write remains");
  EXPECT_EQ(dump(dir_), 1);
  EXPECT_NE(out_.str().find("TORN TAIL: " + path + " at offset " + std::to_string(end)),
            std::string::npos)
      << out_.str();
  {
    auto opened = Wal::open(disk_, dir_, {}, options_);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    ASSERT_TRUE(opened->recovered.truncatedTail);
    EXPECT_EQ(opened->recovered.entries.size(), 10u);
  }
  // A flipped bit in the third entry: later synced records prove it is damage.
  poke(path, 200, std::string(1, static_cast<char>(content[200] ^ 0x04)));
  auto opened = Wal::open(disk_, dir_, {}, options_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(opened.error().file(), path);
  EXPECT_NE(opened.error().message().find(path + " at offset "), std::string::npos);
  out_.str("");
  EXPECT_EQ(dump(dir_), 1);
  EXPECT_NE(out_.str().find("DAMAGE: wal corrupt: " + path), std::string::npos) << out_.str();
}

TEST_F(WalPosixTest, DumpPrintsEveryRecord) {
  {
    auto wal = Wal::create(disk_, dir_, "meta", options_);
    ASSERT_TRUE(wal.ok());
    ASSERT_FALSE((*wal)->save(makeEntries(1, 2, 3, 10), HardState{3, 2, 1}));
    ASSERT_FALSE((*wal)->saveSnapshotMarker({1, 3}));
  }
  EXPECT_EQ(dump(dir_), 0) << err_.str();
  const std::string out = out_.str();
  const std::string seg = dir_ + "/0000000000000000-0000000000000000.wal";
  EXPECT_NE(out.find("wal " + dir_ + ": 1 segment(s)"), std::string::npos) << out;
  EXPECT_NE(out.find(seg + " @0 crc len=12"), std::string::npos) << out;
  EXPECT_NE(out.find("metadata len=4"), std::string::npos) << out;
  EXPECT_NE(out.find("snapshot len=0"), std::string::npos) << out;  // the {0, 0} marker
  EXPECT_NE(out.find("entry len="), std::string::npos) << out;
  EXPECT_NE(out.find("index=2 term=3 type=2 bytes=10"), std::string::npos) << out;
  EXPECT_NE(out.find("term=3 vote=2 commit=1"), std::string::npos) << out;
  EXPECT_NE(out.find("index=1 term=3"), std::string::npos) << out;
  EXPECT_NE(out.find("OK: records end at " + seg + " offset "), std::string::npos) << out;
}

TEST_F(WalPosixTest, DumpOfBadInputExitsTwo) {
  EXPECT_EQ(dump(root_ + "/missing"), 2);
  EXPECT_NE(err_.str().find("no WAL directory"), std::string::npos) << err_.str();
  EXPECT_EQ(dump(root_), 2);  // a directory without segments
  CLI::App app;
  int exitCode = -1;
  addWalCommand(app, out_, err_, &exitCode);
  const char* argv[] = {"detcd-sim", "wal", "dump"};
  EXPECT_THROW(app.parse(3, const_cast<char**>(argv)), CLI::ParseError);  // DIR is required
}

TEST_F(WalPosixTest, SnapshotterOnRealFiles) {
  Snapshotter snapshotter(disk_, root_ + "/snap", {.retain = 2});
  for (std::uint64_t i = 1; i <= 4; ++i) {
    ASSERT_FALSE(snapshotter.save(Snapshot{{i * 10, 2, {{1, 2, 3}, {}, {}, {}, false}}, "data"}));
  }
  auto names = snapshotter.list();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{snapshotFileName(2, 30), snapshotFileName(2, 40)}));
  poke(root_ + "/snap/" + snapshotFileName(2, 40), 20, "X");
  auto loaded = snapshotter.loadNewest();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->snapshot.metadata.index, 30u);
  ASSERT_EQ(loaded->skipped.size(), 1u);
  EXPECT_NE(loaded->skipped[0].reason.find("CRC mismatch"), std::string::npos);
}

}  // namespace
}  // namespace detcd::wal

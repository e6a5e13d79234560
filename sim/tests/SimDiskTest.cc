// The simulated disk: page-cache semantics, crash modes, directory durability and faults.
#include "sim/SimDisk.h"
#include "sim/StandaloneDisk.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cerrno>

namespace detcd::sim {
namespace {

using namespace std::chrono_literals;
using env::posixError;

/// The standalone disk, with the open-or-fail and read-or-"<missing>" shorthands of these tests.
struct DiskHarness : StandaloneDisk {
  using StandaloneDisk::StandaloneDisk;
  std::unique_ptr<env::File> open(const std::string& path, env::OpenOptions options = {
                                                               .create = true}) {
    auto file = disk.open(path, options);
    EXPECT_TRUE(file.ok()) << path << ": " << file.error().message();
    return file.ok() ? std::move(*file) : nullptr;
  }
  std::string read(const std::string& path) {
    return StandaloneDisk::read(path).value_or("<missing>");
  }
};

TEST(SimDiskTest, ReadsSeeUnsyncedWrites) {
  DiskHarness h(1);
  auto f = h.open("a");
  ASSERT_FALSE(f->write(0, "hello"));
  EXPECT_EQ(*f->read(0, 5), "hello");
  EXPECT_EQ(*f->append("!"), 5u);
  EXPECT_EQ(*f->size(), 6u);
  EXPECT_EQ(*f->read(3, 100), "lo!");
  EXPECT_EQ(*f->read(100, 1), "");
}

TEST(SimDiskTest, SyncedDataAndNamesSurviveEveryCrashMode) {
  for (CrashMode mode : {CrashMode::kLost, CrashMode::kKept, CrashMode::kTorn}) {
    DiskHarness h(2, mode);
    ASSERT_FALSE(h.disk.mkdir("d"));
    ASSERT_FALSE(h.disk.syncDir(""));
    auto f = h.open("d/a");
    ASSERT_FALSE(f->write(0, "durable"));
    ASSERT_FALSE(f->sync());
    ASSERT_FALSE(h.disk.syncDir("d"));
    h.crash();
    EXPECT_EQ(h.read("d/a"), "durable") << toString(mode);
  }
}

TEST(SimDiskTest, LostModeUndoesEverythingUnsynced) {
  DiskHarness h(3, CrashMode::kLost);
  auto f = h.open("a");
  ASSERT_FALSE(f->write(0, "synced"));
  ASSERT_FALSE(f->sync());
  ASSERT_FALSE(h.disk.syncDir(""));
  ASSERT_FALSE(f->append(" and not").error());
  auto g = h.open("b");  // created, never made durable
  ASSERT_FALSE(g->write(0, "x"));
  ASSERT_FALSE(g->sync());
  EXPECT_EQ(h.crash(), CrashMode::kLost);
  EXPECT_EQ(h.read("a"), "synced");
  EXPECT_FALSE(h.disk.exists("b"));
}

TEST(SimDiskTest, KeptModeKeepsEverything) {
  DiskHarness h(4, CrashMode::kKept);
  auto f = h.open("a");
  ASSERT_FALSE(f->write(0, "unsynced"));
  h.crash();
  EXPECT_EQ(h.read("a"), "unsynced");
}

TEST(SimDiskTest, HandlesFailAfterACrashAndTheDiskIsOfflineUntilPowerOn) {
  DiskHarness h(5);
  auto f = h.open("a");
  h.disk.crash();
  EXPECT_EQ(h.disk.open("a", {.create = true}).error(), posixError(EIO));
  h.disk.powerOn();
  EXPECT_EQ(f->write(0, "x"), posixError(EBADF));
  EXPECT_EQ(f->sync(), posixError(EBADF));
}

TEST(SimDiskTest, DirectoryErrors) {
  DiskHarness h(6);
  EXPECT_EQ(h.disk.open("nodir/a", {.create = true}).error(), posixError(ENOENT));
  EXPECT_EQ(h.disk.open("missing", {}).error(), posixError(ENOENT));
  ASSERT_FALSE(h.disk.mkdir("d"));
  EXPECT_EQ(h.disk.mkdir("d"), posixError(EEXIST));
  EXPECT_EQ(h.disk.mkdir("x/y"), posixError(ENOENT));
  EXPECT_EQ(h.disk.open("d", {}).error(), posixError(EISDIR));
  h.open("d/a");
  EXPECT_EQ(h.disk.open("d/a", {.create = true, .exclusive = true}).error(), posixError(EEXIST));
  EXPECT_EQ(h.disk.unlink("d/zz"), posixError(ENOENT));
  EXPECT_EQ(h.disk.rename("d/zz", "d/b"), posixError(ENOENT));
  EXPECT_EQ(h.disk.list("nope").error(), posixError(ENOENT));
  EXPECT_EQ(h.disk.list("d/a").error(), posixError(ENOTDIR));
  EXPECT_EQ(h.disk.syncDir("nope"), posixError(ENOENT));
  ASSERT_FALSE(h.disk.mkdir("d/sub"));
  EXPECT_EQ(*h.disk.list("d"), (std::vector<std::string>{"a", "sub"}));
  EXPECT_EQ(*h.disk.list("/"), (std::vector<std::string>{"d"}));
}

TEST(SimDiskTest, TruncateAllocateAndOpenTruncate) {
  DiskHarness h(7, CrashMode::kLost);
  auto f = h.open("a");
  ASSERT_FALSE(f->write(0, std::string(1000, 'x')));
  ASSERT_FALSE(f->sync());
  ASSERT_FALSE(h.disk.syncDir(""));
  ASSERT_FALSE(f->truncate(10));
  ASSERT_FALSE(f->allocate(2000));
  EXPECT_EQ(*f->size(), 2000u);
  EXPECT_EQ(*f->read(10, 1), std::string(1, '\0'));
  ASSERT_FALSE(f->sync());
  h.crash();
  const std::string content = h.read("a");
  EXPECT_EQ(content.size(), 2000u);
  EXPECT_EQ(content.substr(0, 10), std::string(10, 'x'));
  EXPECT_EQ(content.substr(10), std::string(1990, '\0'));  // the truncated tail is gone for good
  auto g = h.disk.open("a", {.truncate = true});
  EXPECT_EQ(*(*g)->size(), 0u);
}

TEST(SimDiskTest, CapacityGivesEnospc) {
  DiskHarness h(8);
  DiskFaults faults;
  faults.capacity = 1024;
  h.disk.setFaults(faults);
  auto f = h.open("a");
  ASSERT_FALSE(f->write(0, std::string(1000, 'a')));
  EXPECT_EQ(f->append(std::string(100, 'b')).error(), posixError(ENOSPC));
  EXPECT_EQ(f->allocate(4096), posixError(ENOSPC));
  EXPECT_FALSE(f->write(0, std::string(1000, 'c')));  // overwriting needs no space
  EXPECT_EQ(h.disk.usedBytes(), 1000u);
}

TEST(SimDiskTest, WriteEioChangesNothing) {
  DiskHarness h(9);
  DiskFaults faults;
  faults.writeEio = 1.0;
  auto f = h.open("a");
  h.disk.setFaults(faults);
  EXPECT_EQ(f->write(0, "x"), posixError(EIO));
  EXPECT_EQ(*f->size(), 0u);
}

TEST(SimDiskTest, BitFlipInSyncedSectorIsVisibleAndDurable) {
  DiskHarness h(10, CrashMode::kLost);
  EXPECT_FALSE(h.disk.flipSyncedBit().has_value());  // nothing synced yet
  auto f = h.open("a");
  const std::string original(2048, 'z');
  ASSERT_FALSE(f->write(0, original));
  ASSERT_FALSE(f->sync());
  ASSERT_FALSE(h.disk.syncDir(""));
  ASSERT_TRUE(h.disk.flipSyncedBit("a").has_value());
  const std::string flipped = h.read("a");
  int differentBits = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    differentBits += __builtin_popcount(static_cast<unsigned char>(original[i] ^ flipped[i]));
  }
  EXPECT_EQ(differentBits, 1);
  h.crash();
  EXPECT_EQ(h.read("a"), flipped);
}

TEST(SimDiskTest, BitFlipReachesSmallFiles) {
  DiskHarness h(13);
  auto f = h.open("small");
  ASSERT_FALSE(f->write(0, "tiny"));
  ASSERT_FALSE(f->sync());
  ASSERT_TRUE(h.disk.flipSyncedBit("small").has_value());
  EXPECT_NE(h.read("small"), "tiny");
  EXPECT_EQ(h.read("small").size(), 4u);
}

TEST(SimDiskTest, MisdirectedWriteLandsElsewhereAndReportsSuccess) {
  DiskHarness h(11);
  auto f = h.open("a");
  ASSERT_FALSE(f->write(0, std::string(8192, '.')));
  DiskFaults faults;
  faults.misdirectedWrite = 1.0;
  h.disk.setFaults(faults);
  ASSERT_FALSE(f->write(4096, "AIMED"));
  EXPECT_NE(*f->read(4096, 5), "AIMED");
  EXPECT_NE(h.read("a").find("AIMED"), std::string::npos);
}

TEST(SimDiskTest, LatencyIsChargedToTheRunningHandler) {
  DiskHarness h(12);
  DiskFaults faults;
  faults.fsyncLatency = Latency::constant(3ms);
  faults.writeLatency = Latency::constant(1ms);
  faults.readLatency = Latency::constant(2ms);
  h.disk.setFaults(faults);
  env::Nanos inside{0};
  h.loop.runHandler([&] {
    auto f = h.open("a");
    ASSERT_FALSE(f->write(0, "x"));
    ASSERT_TRUE(f->read(0, 1).ok());
    ASSERT_FALSE(f->sync());
    inside = h.loop.now();
  });
  EXPECT_EQ(inside, 6ms);
}

// --- Properties over random operation sequences --------------------------------------------

/// Writes random, never-zero bytes so that "new data" always differs from zero-filled old data.
std::string genData(std::size_t maxLen) {
  const auto len = *rc::gen::inRange<std::size_t>(1, maxLen);
  return *rc::gen::container<std::string>(len, rc::gen::inRange<char>(1, 127));
}

RC_GTEST_PROP(SimDiskProperty, FsyncedDataAlwaysSurvivesACrash, (std::uint64_t seed)) {
  DiskHarness h(seed);
  auto f = h.open("log");
  RC_ASSERT(!h.disk.syncDir(""));
  // Append-only, like a log: what was synced must come back, whatever happened after.
  std::string synced;
  std::string written;
  const auto steps = *rc::gen::inRange(1, 30);
  for (int i = 0; i < steps; ++i) {
    const std::string data = genData(1500);
    RC_ASSERT(f->append(data).ok());
    written += data;
    if (*rc::gen::inRange(0, 3) == 0) {
      RC_ASSERT(!f->sync());
      synced = written;
    }
  }
  const CrashMode mode = h.crash();
  const std::string after = h.read("log");
  RC_ASSERT(after.size() >= synced.size());
  RC_ASSERT(after.substr(0, synced.size()) == synced);
  RC_TAG(toString(mode));
}

RC_GTEST_PROP(SimDiskProperty, UnsyncedDataNeverSurvivesIntactUnlessKept, (std::uint64_t seed)) {
  DiskHarness h(seed);
  auto f = h.open("log");
  RC_ASSERT(!h.disk.syncDir(""));
  const std::string synced = genData(3000);
  RC_ASSERT(f->append(synced).ok());
  RC_ASSERT(!f->sync());
  const std::string unsynced = genData(3000);
  // Either appended or written over part of what was synced.
  const bool overwrite = *rc::gen::arbitrary<bool>();
  const std::uint64_t offset = overwrite ? *rc::gen::inRange<std::size_t>(0, synced.size()) : synced.size();
  RC_ASSERT(!f->write(offset, unsynced));
  const std::string written = *f->read(0, *f->size());
  const CrashMode mode = h.crash();
  const std::string after = h.read("log");
  if (mode == CrashMode::kKept) {
    RC_ASSERT(after == written);
  } else if (written != synced) {
    RC_ASSERT(after != written);
  }
  RC_TAG(toString(mode));
}

RC_GTEST_PROP(SimDiskProperty, RenameWithoutDirectorySyncMayBeUndone, (std::uint64_t seed)) {
  DiskHarness h(seed);
  auto old = h.open("config");
  RC_ASSERT(!old->write(0, "old"));
  RC_ASSERT(!old->sync());
  RC_ASSERT(!h.disk.syncDir(""));
  auto tmp = h.open("config.tmp");
  RC_ASSERT(!tmp->write(0, "new"));
  RC_ASSERT(!tmp->sync());
  RC_ASSERT(!h.disk.rename("config.tmp", "config"));
  const bool dirSynced = *rc::gen::arbitrary<bool>();
  if (dirSynced) RC_ASSERT(!h.disk.syncDir(""));
  const CrashMode mode = h.crash();
  const std::string after = h.read("config");
  // Either whole version, never a mix; with the directory synced, always the new one.
  RC_ASSERT(after == "old" || after == "new");
  if (dirSynced) RC_ASSERT(after == "new");
  if (!dirSynced && mode == CrashMode::kLost) RC_ASSERT(after == "old");
  RC_TAG(dirSynced ? "synced" : "not synced", after);
}

RC_GTEST_PROP(SimDiskProperty, FailedFsyncNeverLeavesNewDataDurable, (std::uint64_t seed)) {
  DiskHarness h(seed);
  auto f = h.open("log");
  RC_ASSERT(!h.disk.syncDir(""));
  const std::string synced = genData(2000);
  RC_ASSERT(f->append(synced).ok());
  RC_ASSERT(!f->sync());
  const std::string fresh = genData(2000);
  RC_ASSERT(f->append(fresh).ok());
  const std::string intended = synced + fresh;
  DiskFaults faults;
  faults.fsyncEio = 1.0;
  h.disk.setFaults(faults);
  RC_ASSERT(f->sync() == posixError(EIO));
  // Straight after the failure the new data is gone from the page cache...
  RC_ASSERT(*f->read(0, *f->size()) != intended);
  h.disk.setFaults({});
  // ...and neither a later successful sync nor any crash brings it back.
  if (*rc::gen::arbitrary<bool>()) RC_ASSERT(!f->sync());
  h.crash();
  const std::string after = h.read("log");
  RC_ASSERT(after != intended);
  RC_ASSERT(after.substr(0, synced.size()) == synced);  // what was durable before stays
}

}  // namespace
}  // namespace detcd::sim

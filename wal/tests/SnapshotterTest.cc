// The snapshotter on the simulated disk: file format, newest valid wins, damaged skipped and
// reported, retention, the WAL-marker filter, and atomicity across a crash.
#include "wal/Snapshotter.h"

#include <gtest/gtest.h>

#include "wal/tests/WalTestSupport.h"

namespace detcd::wal {
namespace {

using testing::SimHarness;

Snapshot snapshotAt(std::uint64_t term, std::uint64_t index) {
  return Snapshot{{index, term, ConfState{{1, 2, 3}, {4}, {1, 2}, {5}, true}},
                  std::string(1000 + index, static_cast<char>('a' + index % 26))};
}

struct SnapshotterTest : ::testing::Test {
  void SetUp() override { ASSERT_FALSE(h.disk.mkdir("node")); }
  SimHarness h{7};
  Snapshotter snapshotter{h.disk, "node/snap", {.retain = 3}};
};

TEST_F(SnapshotterTest, FileRoundTripAndRejection) {
  const Snapshot s = snapshotAt(3, 42);
  const std::string bytes = encodeSnapshotFile(s);
  auto back = decodeSnapshotFile(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(snapshotFileName(3, 42), "0000000000000003-000000000000002a.snap");
  EXPECT_NE(decodeSnapshotFile(bytes.substr(0, 10)).error().message().find("shorter"),
            std::string::npos);
  EXPECT_NE(decodeSnapshotFile(bytes.substr(0, bytes.size() - 1)).error().message().find("length"),
            std::string::npos);
  std::string badMagic = bytes;
  badMagic[0] = 'x';
  EXPECT_NE(decodeSnapshotFile(badMagic).error().message().find("magic"), std::string::npos);
  for (std::size_t i = 4; i < bytes.size(); i += 7) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    EXPECT_FALSE(decodeSnapshotFile(flipped).ok()) << "byte " << i;
  }
}

TEST_F(SnapshotterTest, NoSnapshotIsNotFound) {
  auto loaded = snapshotter.loadNewest();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kNotFound);
}

TEST_F(SnapshotterTest, NewestValidWinsAndDamagedOnesAreSkippedAndReported) {
  ASSERT_FALSE(snapshotter.save(snapshotAt(1, 10)));
  ASSERT_FALSE(snapshotter.save(snapshotAt(2, 20)));
  ASSERT_FALSE(snapshotter.save(snapshotAt(2, 30)));
  auto loaded = snapshotter.loadNewest();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->snapshot, snapshotAt(2, 30));
  EXPECT_TRUE(loaded->skipped.empty());

  const std::string newest = "node/snap/" + snapshotFileName(2, 30);
  ASSERT_TRUE(h.disk.flipSyncedBit(newest));
  h.overwrite("node/snap/" + snapshotFileName(2, 20), 0, "junk");
  loaded = snapshotter.loadNewest();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->snapshot, snapshotAt(1, 10));
  ASSERT_EQ(loaded->skipped.size(), 2u);
  EXPECT_EQ(loaded->skipped[0].file, newest);
  EXPECT_NE(loaded->skipped[1].reason.find("magic"), std::string::npos);
}

TEST_F(SnapshotterTest, AMisnamedSnapshotIsSkipped) {
  ASSERT_FALSE(snapshotter.save(snapshotAt(1, 10)));
  ASSERT_FALSE(h.disk.rename("node/snap/" + snapshotFileName(1, 10),
                             "node/snap/" + snapshotFileName(1, 11)));
  auto loaded = snapshotter.loadNewest();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find("not what its name says"), std::string::npos);
}

TEST_F(SnapshotterTest, RetentionKeepsTheNewest) {
  for (std::uint64_t i = 1; i <= 6; ++i) ASSERT_FALSE(snapshotter.save(snapshotAt(1, i)));
  auto names = snapshotter.list();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{snapshotFileName(1, 4), snapshotFileName(1, 5),
                                              snapshotFileName(1, 6)}));
}

TEST_F(SnapshotterTest, OnlySnapshotsTheWalCanContinueAreLoaded) {
  ASSERT_FALSE(snapshotter.save(snapshotAt(1, 10)));
  ASSERT_FALSE(snapshotter.save(snapshotAt(1, 20)));
  auto loaded = snapshotter.loadNewest(
      [](const SnapshotMarker& m) { return m == SnapshotMarker{10, 1}; });
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->snapshot.metadata.index, 10u);
}

TEST_F(SnapshotterTest, ASaveIsAtomicAcrossACrash) {
  ASSERT_FALSE(snapshotter.save(snapshotAt(1, 10)));
  // A save interrupted after writing its temporary file: the crash keeps it whole or not at all.
  auto temp = h.disk.open("node/snap/" + snapshotFileName(1, 20) + ".tmp", {.create = true});
  ASSERT_FALSE((*temp)->write(0, encodeSnapshotFile(snapshotAt(1, 20)).substr(0, 50)));
  h.crash();
  auto loaded = snapshotter.loadNewest();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->snapshot, snapshotAt(1, 10));
  ASSERT_FALSE(snapshotter.save(snapshotAt(1, 30)));  // removes leftovers
  const auto names = h.disk.list("node/snap");
  for (const auto& n : *names) EXPECT_FALSE(n.ends_with(".tmp")) << n;
}

}  // namespace
}  // namespace detcd::wal

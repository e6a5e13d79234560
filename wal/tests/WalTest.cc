// The WAL on the simulated disk: round trips, segments, group commit, suffix overwrite, snapshot
// markers, release, recovery from a torn tail and refusal on damage, fail-stop on EIO.
#include "wal/Wal.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "wal/Payload.h"
#include "wal/tests/WalTestSupport.h"

namespace detcd::wal {
namespace {

using testing::makeEntries;
using testing::SimHarness;

constexpr const char* kDir = "node/wal";

struct WalTest : ::testing::Test {
  void SetUp() override { ASSERT_FALSE(h.disk.mkdir("node")); }

  std::unique_ptr<Wal> create(std::uint64_t segmentBytes = 64 << 10) {
    options.segmentBytes = segmentBytes;
    auto wal = Wal::create(h.disk, kDir, "meta", options);
    EXPECT_TRUE(wal.ok()) << wal.error().message();
    return wal.ok() ? std::move(*wal) : nullptr;
  }
  Result<Wal::Opened> open(SnapshotMarker at = {}) { return Wal::open(h.disk, kDir, at, options); }
  std::vector<std::string> segmentFiles() {
    std::vector<std::string> out;
    const auto names = h.disk.list(kDir);
    for (const auto& name : *names) {
      if (name.ends_with(".wal")) out.push_back(name);
    }
    return out;
  }
  std::string segmentPath(std::size_t i) { return std::string(kDir) + "/" + segmentFiles().at(i); }

  SimHarness h{42};
  Wal::Options options;
};

TEST_F(WalTest, RoundTripOfEveryRecordType) {
  auto wal = create();
  const auto entries = makeEntries(1, 5, 1);
  ASSERT_FALSE(wal->save(entries, HardState{1, 2, 3}));
  ASSERT_FALSE(wal->saveSnapshotMarker({3, 1}));
  ASSERT_FALSE(wal->save(makeEntries(6, 2, 2), HardState{2, 3, 5}));
  wal.reset();
  h.crash();

  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.metadata, "meta");
  EXPECT_EQ(opened->recovered.hardState, (HardState{2, 3, 5}));
  auto all = entries;
  for (auto& e : makeEntries(6, 2, 2)) all.push_back(e);
  EXPECT_EQ(opened->recovered.entries, all);
  EXPECT_FALSE(opened->recovered.truncatedTail);
  EXPECT_EQ(opened->wal->lastIndex(), 7u);

  auto fromMarker = open({3, 1});
  ASSERT_TRUE(fromMarker.ok()) << fromMarker.error().message();
  EXPECT_EQ(fromMarker->recovered.entries, std::vector<Entry>(all.begin() + 3, all.end()));
}

TEST_F(WalTest, CreateRefusesAnExistingWalAndExistsSeesIt) {
  EXPECT_FALSE(Wal::exists(h.disk, kDir));
  auto wal = create();
  EXPECT_TRUE(Wal::exists(h.disk, kDir));
  auto again = Wal::create(h.disk, kDir, "meta", options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kExists);
  EXPECT_EQ(open({}).ok(), true);
  EXPECT_EQ(Wal::open(h.disk, "node/none", {}, options).error().code(), ErrorCode::kNotFound);
}

TEST_F(WalTest, GroupCommitIssuesOneFdatasyncPerBatch) {
  auto wal = create();
  for (std::uint64_t i = 0; i < 10; ++i) {
    ASSERT_FALSE(wal->append(makeEntries(1 + i * 10, 10, 1)));
    ASSERT_FALSE(wal->saveHardState({1, 1, i * 10}));
    ASSERT_FALSE(wal->sync());
    EXPECT_EQ(wal->syncCount(), i + 1);
  }
  ASSERT_FALSE(wal->sync());  // nothing appended: no fdatasync
  EXPECT_EQ(wal->syncCount(), 10u);
}

TEST_F(WalTest, ManySegmentsAndReopeningAfterACut) {
  auto wal = create(4096);
  for (std::uint64_t i = 0; i < 60; ++i) {
    ASSERT_FALSE(wal->save(makeEntries(1 + i * 5, 5, 1 + i / 20, 64), HardState{1 + i / 20, 1, i}));
  }
  const auto files = segmentFiles();
  ASSERT_GT(files.size(), 5u);
  // Names count up by sequence, each with the index the next entry had at the cut.
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto name = parseSegmentName(files[i]);
    ASSERT_TRUE(name);
    EXPECT_EQ(name->seq, i);
    if (i > 0) {
      EXPECT_EQ(name->firstIndex % 5, 1u) << files[i];
    }
  }
  ASSERT_FALSE(wal->cut());
  ASSERT_FALSE(wal->cut());  // a fresh segment is not cut again
  EXPECT_EQ(segmentFiles().size(), files.size() + 1);
  wal.reset();
  h.crash();

  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.entries.size(), 300u);
  EXPECT_EQ(opened->recovered.hardState, (HardState{3, 1, 59}));
  ASSERT_FALSE(opened->wal->save(makeEntries(301, 3, 4), HardState{4, 1, 300}));
  opened->wal.reset();
  h.crash();
  auto again = open();
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->recovered.entries.size(), 303u);
  EXPECT_EQ(again->recovered.entries.back(), makeEntries(303, 1, 4)[0]);
}

TEST_F(WalTest, LaterEntriesReplaceAConflictingSuffix) {
  auto wal = create(2048);
  ASSERT_FALSE(wal->save(makeEntries(1, 10, 1, 100), HardState{1, 1, 3}));
  // A new leader in term 2 overwrites from index 6, across the segment cut that happened.
  ASSERT_FALSE(wal->save(makeEntries(6, 3, 2, 100), HardState{2, 2, 5}));
  EXPECT_EQ(wal->lastIndex(), 8u);
  ASSERT_FALSE(wal->save(makeEntries(9, 1, 2, 100), std::nullopt));
  wal.reset();
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  auto expected = makeEntries(1, 5, 1, 100);
  for (auto& e : makeEntries(6, 4, 2, 100)) expected.push_back(e);
  EXPECT_EQ(opened->recovered.entries, expected);
}

TEST_F(WalTest, AnOverwriteAtOrBelowTheSnapshotStillDropsTheOldSuffix) {
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 10, 1), HardState{1, 1, 3}));
  // A term-2 leader overwrites from index 4; the member applies up to 6 and snapshots there.
  ASSERT_FALSE(wal->save(makeEntries(4, 3, 2), HardState{2, 2, 6}));
  ASSERT_FALSE(wal->saveSnapshotMarker({6, 2}));
  wal.reset();
  // Entries 7..10 of term 1 were replaced: they must not follow the snapshot (a member would
  // otherwise claim a last entry it no longer has when voting).
  auto opened = open({6, 2});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_TRUE(opened->recovered.entries.empty());
}

TEST_F(WalTest, AppendRejectsNonContiguousEntries) {
  auto wal = create();
  ASSERT_FALSE(wal->append(makeEntries(1, 3, 1)));
  EXPECT_EQ(wal->append(makeEntries(5, 1, 1)).code(), ErrorCode::kBadInput);
  std::vector<Entry> gap = makeEntries(4, 1, 1);
  gap.push_back(makeEntries(6, 1, 1)[0]);
  EXPECT_EQ(wal->append(gap).code(), ErrorCode::kBadInput);
  EXPECT_EQ(wal->append(makeEntries(0, 1, 1)).code(), ErrorCode::kBadInput);
  EXPECT_FALSE(wal->append(makeEntries(2, 1, 2)));  // overwriting a suffix is fine
}

TEST_F(WalTest, OpeningAtASnapshotNeedsItsMarker) {
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 10, 2), HardState{2, 1, 10}));
  ASSERT_FALSE(wal->saveSnapshotMarker({8, 2}));
  wal.reset();
  EXPECT_TRUE(open({8, 2}).ok());
  EXPECT_EQ(open({8, 1}).error().code(), ErrorCode::kSnapshotMismatch);
  EXPECT_EQ(open({7, 2}).error().code(), ErrorCode::kSnapshotNotFound);
}

TEST_F(WalTest, SnapshotMarkersUpToTheCommitIndexAreListed) {
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 10, 1), HardState{1, 1, 6}));
  ASSERT_FALSE(wal->saveSnapshotMarker({5, 1}));
  ASSERT_FALSE(wal->saveSnapshotMarker({8, 1}));  // beyond the commit index: not a start point
  auto markers = Wal::snapshotMarkers(h.disk, kDir);
  ASSERT_TRUE(markers.ok()) << markers.error().message();
  EXPECT_EQ(*markers, (std::vector<SnapshotMarker>{{0, 0}, {5, 1}}));
  ASSERT_FALSE(wal->save({}, HardState{1, 1, 9}));
  markers = Wal::snapshotMarkers(h.disk, kDir);
  EXPECT_EQ(*markers, (std::vector<SnapshotMarker>{{0, 0}, {5, 1}, {8, 1}}));
}

TEST_F(WalTest, BuggifiedEarlyCutsKeepTheLogIntact) {
  struct Always final : env::Buggify {
    bool fire(std::string_view point) override { return point == "wal-early-cut"; }
  } always;
  options.buggify = &always;
  auto wal = create();
  for (std::uint64_t i = 0; i < 10; ++i) {
    ASSERT_FALSE(wal->save(makeEntries(1 + i, 1, 1), HardState{1, 1, i}));
  }
  EXPECT_EQ(segmentFiles().size(), 11u);  // a cut after every sync
  wal.reset();
  options.buggify = nullptr;
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.entries, makeEntries(1, 10, 1));
  EXPECT_EQ(opened->recovered.hardState, (HardState{1, 1, 9}));
}

TEST_F(WalTest, ASnapshotMarkerBeyondTheLogMovesTheLastIndex) {
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 3, 1), std::nullopt));
  ASSERT_FALSE(wal->saveSnapshotMarker({50, 4}));  // a snapshot from the leader
  EXPECT_EQ(wal->lastIndex(), 50u);
  ASSERT_FALSE(wal->save(makeEntries(51, 2, 4), HardState{4, 0, 52}));
  wal.reset();
  auto opened = open({50, 4});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.entries, makeEntries(51, 2, 4));
  EXPECT_EQ(opened->wal->lastIndex(), 52u);
}

TEST_F(WalTest, ReleaseDeletesSegmentsBeforeTheSnapshotAndKeepsTheHardState) {
  auto wal = create(2048);
  for (std::uint64_t i = 0; i < 40; ++i) {
    ASSERT_FALSE(wal->save(makeEntries(1 + i * 2, 2, 1, 64), HardState{1, 3, i * 2}));
  }
  const std::size_t before = segmentFiles().size();
  ASSERT_GT(before, 4u);
  ASSERT_FALSE(wal->saveSnapshotMarker({60, 1}));
  ASSERT_FALSE(wal->releaseTo(60));
  const auto after = segmentFiles();
  EXPECT_LT(after.size(), before);
  EXPECT_LE(parseSegmentName(after.front())->firstIndex, 60u);
  EXPECT_GT(parseSegmentName(after.at(1))->firstIndex, 60u);
  wal.reset();
  h.crash();
  auto opened = open({60, 1});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.entries, makeEntries(61, 20, 1, 64));
  EXPECT_EQ(opened->recovered.hardState, (HardState{1, 3, 78}));
  EXPECT_EQ(open({}).error().code(), ErrorCode::kNotFound);
}

TEST_F(WalTest, ATornTailIsTruncatedAndReported) {
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 4, 1), HardState{1, 1, 4}));
  wal.reset();
  const std::string path = segmentPath(0);
  const std::string content = h.read(path);
  const std::uint64_t end = content.find_last_not_of('\0') / 8 * 8 + 8;
  h.overwrite(path, end, "half a record: garbage!");
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  ASSERT_TRUE(opened->recovered.truncatedTail);
  EXPECT_EQ(opened->recovered.truncatedTail->file, path);
  EXPECT_EQ(opened->recovered.truncatedTail->offset, end);
  EXPECT_EQ(opened->recovered.entries, makeEntries(1, 4, 1));
  // The repair is durable: appends go after it, and the next open is clean.
  ASSERT_FALSE(opened->wal->save(makeEntries(5, 1, 1), std::nullopt));
  opened->wal.reset();
  h.crash();
  auto again = open();
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_FALSE(again->recovered.truncatedTail);
  EXPECT_EQ(again->recovered.entries, makeEntries(1, 5, 1));
}

TEST_F(WalTest, ABitFlipInASyncedRecordMidSegmentIsCorruptionNotATornTail) {
  auto wal = create(1 << 20);
  for (std::uint64_t i = 0; i < 30; ++i) {
    ASSERT_FALSE(wal->save(makeEntries(1 + i * 4, 4, 1, 100), HardState{1, 1, i * 4}));
  }
  wal.reset();
  const std::string path = segmentPath(0);
  // The last batch starts after this offset; a flip before it has synced records after it.
  const std::uint64_t lastBatch = h.read(path).find_last_not_of('\0') - 4 * 160;
  // Use the simulated disk's own latent-corruption fault on the WAL segment, retrying with fresh
  // seeds until it hits a record (not the zero-filled preallocation after the last batch).
  std::uint64_t byte = 0;
  for (std::uint64_t seed = 1;; ++seed) {
    SimHarness scratch(seed);
    ASSERT_FALSE(scratch.disk.mkdir("node"));
    ASSERT_FALSE(scratch.disk.mkdir("node/wal"));
    auto f = scratch.disk.open(path, {.create = true});
    ASSERT_FALSE((*f)->write(0, h.read(path)));
    ASSERT_FALSE((*f)->sync());
    ASSERT_FALSE(scratch.disk.syncDir("node/wal"));
    const auto what = scratch.disk.flipSyncedBit(path);
    ASSERT_TRUE(what);
    byte = std::stoull(what->substr(what->rfind("(byte ") + 6));
    if (byte < lastBatch) {
      h.overwrite(path, byte, std::string(1, scratch.read(path)[byte]));
      break;
    }
    ASSERT_LT(seed, 1000u);
  }
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt) << opened.error().message();
  EXPECT_EQ(opened.error().file(), path);
  EXPECT_LE(opened.error().offset(), byte);
  EXPECT_GT(opened.error().offset() + 24 + 160, byte);
  EXPECT_NE(opened.error().message().find(path), std::string::npos);
}

TEST_F(WalTest, MissingRecordsAtTheEndOfAnOlderSegmentAreCorruption) {
  auto wal = create(2048);
  for (std::uint64_t i = 0; i < 60; ++i) {
    ASSERT_FALSE(wal->save(makeEntries(1 + i * 2, 2, 1, 64), std::nullopt));
  }
  wal.reset();
  ASSERT_GE(segmentFiles().size(), 3u);
  const std::string path = segmentPath(1);
  const std::string content = h.read(path);
  const std::uint64_t end = content.find_last_not_of('\0') / 8 * 8 + 8;
  // Zero the last record of a segment that has a successor: the chain into the next breaks.
  h.overwrite(path, end - 64, std::string(64, '\0'));
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(opened.error().file(), path);
  EXPECT_NE(opened.error().message().find("records are missing"), std::string::npos)
      << opened.error().message();
}

TEST(WalMisdirectedTest, AMisdirectedWriteOfTheLastBatchIsCorruption) {
  // The disk puts the batch 1-4 sectors away from its offset and reports success: acknowledged
  // data is not where it belongs. Whichever way it lands, open() must refuse, not truncate.
  int refused = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SimHarness h(seed);
    ASSERT_FALSE(h.disk.mkdir("node"));
    Wal::Options options;
    options.segmentBytes = 16 << 10;
    auto wal = Wal::create(h.disk, kDir, "meta", options);
    ASSERT_TRUE(wal.ok());
    for (std::uint64_t i = 0; i < 8; ++i) {
      ASSERT_FALSE((*wal)->save(makeEntries(1 + i * 2, 2, 1, 200), std::nullopt));
    }
    sim::DiskFaults faults;
    faults.misdirectedWrite = 1.0;
    h.disk.setFaults(faults);
    ASSERT_FALSE((*wal)->save(makeEntries(17, 2, 1, 200), std::nullopt));
    h.disk.setFaults({});
    wal->reset();
    auto opened = Wal::open(h.disk, kDir, {}, options);
    ASSERT_FALSE(opened.ok()) << "seed " << seed << ": acknowledged entries 17-18 silently lost";
    EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt) << opened.error().message();
    ++refused;
  }
  EXPECT_EQ(refused, 20);
}

TEST_F(WalTest, RecordsWithIntactCrcsThatContradictEachOtherAreCorruption) {
  ASSERT_FALSE(h.disk.mkdir(kDir));
  const std::string seg0 = std::string(kDir) + "/0000000000000000-0000000000000000.wal";
  const std::string seg1 = std::string(kDir) + "/0000000000000001-0000000000000003.wal";
  const auto entry = [](std::uint64_t index) { return encodeEntry(makeEntries(index, 1, 1)[0]); };
  const auto write = [&](const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(h.disk.open(path, {.create = true}).ok());
    h.overwrite(path, 0, bytes);
  };
  struct Case {
    const char* what;
    std::vector<std::pair<RecordType, std::string>> first;
    std::vector<std::pair<RecordType, std::string>> second;  // empty: one segment only
  };
  const std::vector<Case> cases = {
      {"entry index gap",
       {{RecordType::kMetadata, "m"}, {RecordType::kSnapshot, ""}, {RecordType::kEntry, entry(1)},
        {RecordType::kEntry, entry(3)}},
       {}},
      {"entry record does not parse",
       {{RecordType::kMetadata, "m"}, {RecordType::kSnapshot, ""}, {RecordType::kEntry, "\xff"}},
       {}},
      {"metadata differs",
       {{RecordType::kMetadata, "m"}, {RecordType::kSnapshot, ""}, {RecordType::kEntry, entry(1)}},
       {{RecordType::kMetadata, "other"}}},
  };
  for (const Case& c : cases) {
    const auto names = h.disk.list(kDir);
    for (const auto& name : *names) ASSERT_FALSE(h.disk.unlink(std::string(kDir) + "/" + name));
    // Hand-made segments: all their records are header, durable before the segment was named.
    std::string first;
    const std::uint32_t crc = encodeSegmentHeader(c.first, 0, first);
    write(seg0, first);
    if (!c.second.empty()) {
      std::string second;
      encodeSegmentHeader(c.second, crc, second);
      write(seg1, second);
    }
    auto opened = open();
    ASSERT_FALSE(opened.ok()) << c.what;
    EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt) << c.what;
    EXPECT_NE(opened.error().message().find(c.what), std::string::npos)
        << c.what << ": " << opened.error().message();
  }
}

TEST_F(WalTest, AMissingSegmentIsCorruption) {
  auto wal = create(2048);
  for (std::uint64_t i = 0; i < 60; ++i) {
    ASSERT_FALSE(wal->save(makeEntries(1 + i * 2, 2, 1, 64), std::nullopt));
  }
  wal.reset();
  const auto files = segmentFiles();
  ASSERT_GE(files.size(), 3u);
  ASSERT_FALSE(h.disk.unlink(std::string(kDir) + "/" + files[1]));
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message().find("sequence gap"), std::string::npos);
  EXPECT_EQ(opened.error().file(), std::string(kDir) + "/" + files[2]);
}

TEST_F(WalTest, ADamagedHeaderOfTheLastSegmentIsCorruption) {
  auto wal = create();
  wal.reset();
  h.overwrite(segmentPath(0), 30, "x");  // inside the metadata record, durable since create
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt) << opened.error().message();
}

TEST_F(WalTest, AFailedFsyncStopsTheWal) {
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 2, 1), std::nullopt));
  sim::DiskFaults faults;
  faults.fsyncEio = 1.0;
  h.disk.setFaults(faults);
  ASSERT_FALSE(wal->append(makeEntries(3, 1, 1)));
  const Error e = wal->sync();
  ASSERT_TRUE(e);
  EXPECT_EQ(e.code(), ErrorCode::kFailed);
  EXPECT_EQ(e.io(), env::posixError(EIO));
  h.disk.setFaults({});
  // No retry and carry on: everything after is refused, naming the first failure.
  EXPECT_EQ(wal->append(makeEntries(4, 1, 1)).code(), ErrorCode::kFailed);
  EXPECT_EQ(wal->sync().code(), ErrorCode::kFailed);
  EXPECT_EQ(wal->saveHardState({1, 1, 1}).code(), ErrorCode::kFailed);
  EXPECT_EQ(wal->cut().code(), ErrorCode::kFailed);
  EXPECT_EQ(wal->releaseTo(1).code(), ErrorCode::kFailed);
  EXPECT_NE(wal->failure().message().find("fdatasync"), std::string::npos);
  wal.reset();
  // Reopening after the restart recovers what was acknowledged.
  h.crash();
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->recovered.entries, makeEntries(1, 2, 1));
}

TEST_F(WalTest, AFailedWriteStopsTheWal) {
  auto wal = create();
  sim::DiskFaults faults;
  faults.writeEio = 1.0;
  h.disk.setFaults(faults);
  ASSERT_FALSE(wal->append(makeEntries(1, 1, 1)));
  EXPECT_EQ(wal->sync().code(), ErrorCode::kFailed);
  h.disk.setFaults({});
  EXPECT_EQ(wal->append(makeEntries(2, 1, 1)).code(), ErrorCode::kFailed);
}

TEST_F(WalTest, LeftoverTempSegmentsAreRemovedOnOpen) {
  auto wal = create();
  wal.reset();
  const std::string temp = std::string(kDir) + "/0000000000000001-0000000000000001.wal.tmp";
  ASSERT_TRUE(h.disk.open(temp, {.create = true}).ok());
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_FALSE(h.disk.exists(temp));
}

TEST_F(WalTest, TraceEventsOfCutsAndRepairs) {
  struct Recorder final : env::Tracer {
    void event(std::string_view kind, std::initializer_list<env::TraceField>) override {
      kinds.emplace_back(kind);
    }
    std::vector<std::string> kinds;
  } recorder;
  options.tracer = &recorder;
  auto wal = create();
  ASSERT_FALSE(wal->save(makeEntries(1, 1, 1), std::nullopt));
  ASSERT_FALSE(wal->cut());
  EXPECT_EQ(recorder.kinds, (std::vector<std::string>{"wal-cut", "wal-cut"}));
}

}  // namespace
}  // namespace detcd::wal

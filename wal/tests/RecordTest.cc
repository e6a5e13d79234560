// The record frame, CRC-32C, segment names and the segment scanner.
#include "wal/Record.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "wal/Crc32c.h"
#include "wal/Payload.h"
#include "wal/Segment.h"

namespace detcd::wal {
namespace {

TEST(Crc32cTest, StandardCheckValueAndContinuation) {
  EXPECT_EQ(crc32c(0, "123456789"), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(crc32c(0, ""), 0u);
  EXPECT_EQ(crc32c(crc32c(0, "1234"), "56789"), 0xE3069283u);
  EXPECT_EQ(crc32cBoost(0, "123456789"), 0xE3069283u);
}

RC_GTEST_PROP(Crc32cTest, ContinuationEqualsWhole, (const std::string& a, const std::string& b)) {
  RC_ASSERT(crc32c(crc32c(0, a), b) == crc32c(0, a + b));
}

RC_GTEST_PROP(Crc32cTest, InstructionAgreesWithBoost, (std::uint32_t prev, const std::string& data)) {
  RC_ASSERT(crc32c(prev, data) == crc32cBoost(prev, data));
}

TEST(RecordTest, RoundTripOfEveryRecordType) {
  const Entry entry{7, 3, 1, std::string("payload\0x", 9)};
  const HardState state{4, 2, 6};
  const SnapshotMarker marker{5, 2};
  const std::vector<std::pair<RecordType, std::string>> records = {
      {RecordType::kCrc, encodeCrcRecord({0xdeadbeef, 96})},
      {RecordType::kMetadata, "node=1 cluster=9"},
      {RecordType::kEntry, encodeEntry(entry)},
      {RecordType::kHardState, encodeHardState(state)},
      {RecordType::kSnapshot, encodeSnapshotMarker(marker)},
      {RecordType::kEntry, encodeEntry(Entry{8, 3, 0, ""})},
  };
  std::string segment;
  std::uint32_t crc = 0xdeadbeef;
  for (const auto& [type, data] : records) {
    const std::size_t before = segment.size();
    crc = encodeFrame(type, data, 40, crc, segment);
    EXPECT_EQ(segment.size() - before, frameBytes(data.size()));
    EXPECT_EQ(segment.size() % kAlignment, 0u);
  }
  std::uint64_t offset = 0;
  std::uint32_t running = 0xdeadbeef;
  for (const auto& [type, data] : records) {
    const Decoded d = decodeFrame(segment, offset);
    ASSERT_EQ(d.status, Decoded::Status::kOk) << d.reason;
    EXPECT_EQ(d.frame.type, type);
    EXPECT_EQ(d.frame.data, data);
    EXPECT_EQ(d.frame.offset, offset);
    EXPECT_EQ(d.frame.syncedEnd, 40u);
    EXPECT_EQ(d.frame.prevCrc, running);
    running = d.frame.crc;
    offset += d.frame.bytes;
  }
  EXPECT_EQ(running, crc);
  EXPECT_EQ(decodeFrame(segment, offset).status, Decoded::Status::kZero);
  EXPECT_EQ(*decodeEntry(records[2].second), entry);
  EXPECT_EQ(*decodeHardState(records[3].second), state);
  EXPECT_EQ(*decodeSnapshotMarker(records[4].second), marker);
  const auto header = decodeCrcRecord(records[0].second);
  EXPECT_EQ(header->crc, 0xdeadbeefu);
  EXPECT_EQ(header->headerBytes, 96u);
}

TEST(RecordTest, EveryBitFlipOfAFrameIsRejected) {
  std::string frame;
  encodeFrame(RecordType::kEntry, encodeEntry(Entry{1, 1, 0, "abcdefghij"}), 0, 7, frame);
  const std::size_t covered = kHeaderBytes + encodeEntry(Entry{1, 1, 0, "abcdefghij"}).size();
  for (std::size_t bit = 0; bit < covered * 8; ++bit) {
    std::string damaged = frame;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    const Decoded d = decodeFrame(damaged, 0);
    EXPECT_NE(d.status, Decoded::Status::kOk) << "bit " << bit;
  }
}

TEST(RecordTest, DamageReasons) {
  std::string frame;
  encodeFrame(RecordType::kMetadata, "meta", 0, 0, frame);
  EXPECT_EQ(decodeFrame(frame.substr(0, 10), 0).reason,
            "header cut short: 10 of 24 bytes before the end of the file");
  EXPECT_EQ(decodeFrame(std::string(10, '\0'), 0).status, Decoded::Status::kZero);
  EXPECT_EQ(decodeFrame(frame.substr(0, 28), 0).reason,
            "impossible length 4 (28 bytes left in the file)");
  std::string badType = frame;
  badType[4] = 9;
  EXPECT_EQ(decodeFrame(badType, 0).reason, "unknown record type 9");
  std::string badCrc = frame;
  badCrc[kHeaderBytes] = 'M';
  EXPECT_TRUE(decodeFrame(badCrc, 0).reason.starts_with("CRC mismatch (stored "));
  std::string huge = frame;
  huge[3] = 0x7f;
  EXPECT_TRUE(decodeFrame(huge, 0).reason.starts_with("impossible length"));
}

RC_GTEST_PROP(RecordTest, DecoderNeverReadsOutsideItsInput, (const std::string& bytes)) {
  std::string input = bytes;
  input.resize(input.size() / kAlignment * kAlignment);
  for (std::uint64_t at = 0; at <= input.size(); at += kAlignment) {
    const Decoded d = decodeFrame(input, at);
    if (d.status == Decoded::Status::kOk) {
      RC_ASSERT(d.frame.offset + d.frame.bytes <= input.size());
    }
  }
  const SegmentScan scan = scanSegment(input);
  RC_ASSERT(scan.dataEnd <= input.size());
}

TEST(SegmentTest, Names) {
  const SegmentName name{3, 0x1f};
  EXPECT_EQ(name.file(), "0000000000000003-000000000000001f.wal");
  EXPECT_EQ(parseSegmentName(name.file()), name);
  for (const char* bad : {"0000000000000003-000000000000001f.wal.tmp",
                          "0000000000000003-000000000000001F.wal", "3-1f.wal",
                          "000000000000000g-000000000000001f.wal",
                          "0000000000000003_000000000000001f.wal", ""}) {
    EXPECT_FALSE(parseSegmentName(bad)) << bad;
  }
}

/// A segment of records: a crc record (header = crc + metadata), metadata, then entries
/// [1, entries], with the given syncedEnd for the entries.
std::string buildSegment(int entries, std::uint64_t syncedEnd, std::uint32_t startCrc = 0) {
  std::string out;
  const std::uint64_t header = frameBytes(kCrcRecordBytes) + frameBytes(4);
  std::uint32_t crc =
      encodeFrame(RecordType::kCrc, encodeCrcRecord({startCrc, header}), 0, startCrc, out);
  crc = encodeFrame(RecordType::kMetadata, "meta", 0, crc, out);
  for (int i = 1; i <= entries; ++i) {
    crc = encodeFrame(RecordType::kEntry, encodeEntry(Entry{std::uint64_t(i), 1, 0, "data"}),
                      std::min<std::uint64_t>(syncedEnd, out.size()), crc, out);
  }
  return out;
}

TEST(SegmentTest, ScanOfACleanSegment) {
  std::string segment = buildSegment(5, 1000);
  const std::size_t used = segment.size();
  segment.resize(4096, '\0');
  const SegmentScan scan = scanSegment(segment);
  EXPECT_EQ(scan.records.size(), 7u);
  EXPECT_EQ(scan.dataEnd, used);
  EXPECT_FALSE(scan.stop);
  EXPECT_FALSE(scan.junkAfterEnd);
  EXPECT_FALSE(scan.chainBroken);
  EXPECT_FALSE(scan.syncedAfter);
}

TEST(SegmentTest, DamageFollowedByALaterSyncedRecordIsProven) {
  // Entries written in separate batches: each records everything before it as durable.
  std::string segment = buildSegment(6, UINT64_MAX);
  const std::uint64_t third = frameBytes(kCrcRecordBytes) + frameBytes(4) +
                              2 * frameBytes(encodeEntry(Entry{1, 1, 0, "data"}).size());
  segment[third + kHeaderBytes + 2] ^= 0x10;
  const SegmentScan scan = scanSegment(segment);
  EXPECT_EQ(scan.dataEnd, third);
  ASSERT_TRUE(scan.stop);
  EXPECT_TRUE(scan.stop->starts_with("CRC mismatch"));
  EXPECT_TRUE(scan.syncedAfter);
}

TEST(SegmentTest, DamageInOneUnsyncedBatchIsNotProvenDamage) {
  // All entries in one batch after the header: syncedEnd is the header's end.
  const std::uint64_t header = frameBytes(kCrcRecordBytes) + frameBytes(4);
  std::string segment = buildSegment(6, header);
  segment[header + kHeaderBytes + 2] ^= 0x10;
  const SegmentScan scan = scanSegment(segment);
  EXPECT_EQ(scan.dataEnd, header);
  EXPECT_TRUE(scan.stop);
  EXPECT_TRUE(scan.junkAfterEnd);
  EXPECT_FALSE(scan.syncedAfter);
  EXPECT_FALSE(scan.chainBroken);
}

TEST(SegmentTest, ABrokenChainIsDamage) {
  std::string a = buildSegment(2, 0);
  std::string b;
  encodeFrame(RecordType::kEntry, encodeEntry(Entry{3, 1, 0, "x"}), 0, 12345, b);
  const SegmentScan scan = scanSegment(a + b);
  EXPECT_TRUE(scan.chainBroken);
  EXPECT_EQ(scan.dataEnd, a.size());
  EXPECT_TRUE(scan.stop->starts_with("CRC chain broken"));
}

TEST(SegmentTest, ASegmentMustStartWithACrcRecord) {
  std::string out;
  encodeFrame(RecordType::kMetadata, "meta", 0, 0, out);
  const SegmentScan scan = scanSegment(out);
  EXPECT_FALSE(scan.header);
  EXPECT_TRUE(scan.chainBroken);
  EXPECT_EQ(scan.dataEnd, 0u);
}

}  // namespace
}  // namespace detcd::wal

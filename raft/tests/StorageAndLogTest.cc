// Unit tests of MemoryStorage, Unstable and RaftLog.
#include <gtest/gtest.h>

#include "raft/MemoryStorage.h"
#include "raft/RaftLog.h"
#include "raft/tests/RaftTestUtil.h"

namespace detcd::raft::testing {
namespace {

std::vector<std::uint64_t> terms(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::uint64_t> t;
  for (const auto& e : ents) t.push_back(e.term());
  return t;
}

TEST(MemoryStorageTest, ReportsCompactedAndUnavailableIndexes) {
  MemoryStorage s;
  s.append({entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4)});
  EXPECT_EQ(s.firstIndex(), 1u);
  EXPECT_EQ(s.lastIndex(), 4u);
  EXPECT_EQ(s.term(3).value, 2u);
  EXPECT_EQ(s.term(5).error, Error::Unavailable);
  ASSERT_EQ(s.compact(2), Error::None);
  EXPECT_EQ(s.firstIndex(), 3u);
  EXPECT_EQ(s.term(2).value, 1u) << "term of the compaction point stays available";
  EXPECT_EQ(s.term(1).error, Error::Compacted);
  EXPECT_EQ(s.entries(2, 4, kNoLimit).error, Error::Compacted);
  EXPECT_EQ(s.compact(2), Error::Compacted);
  EXPECT_THROW(s.compact(9), std::out_of_range);
}

TEST(MemoryStorageTest, AppendTruncatesConflictingSuffixAndRejectsGaps) {
  MemoryStorage s;
  s.append({entry(1, 1), entry(1, 2), entry(1, 3)});
  s.append({entry(2, 2)});
  EXPECT_EQ(s.lastIndex(), 2u);
  EXPECT_EQ(s.term(2).value, 2u);
  EXPECT_THROW(s.append({entry(2, 5)}), std::invalid_argument);
}

TEST(MemoryStorageTest, EntriesAreLimitedBySizeButReturnAtLeastOne) {
  MemoryStorage s;
  s.append({entry(1, 1, "aaaa"), entry(1, 2, "bbbb"), entry(1, 3, "cccc")});
  EXPECT_EQ(s.entries(1, 4, 0).value.size(), 1u);
  std::uint64_t two = entry(1, 1, "aaaa").ByteSizeLong() * 2;
  EXPECT_EQ(s.entries(1, 4, two).value.size(), 2u);
  EXPECT_EQ(s.entries(1, 4, kNoLimit).value.size(), 3u);
}

TEST(MemoryStorageTest, SnapshotsReplaceOlderStateOnly) {
  MemoryStorage s;
  s.append({entry(1, 1), entry(1, 2), entry(2, 3)});
  raftpb::ConfState cs = voters({1, 2});
  auto snap = s.createSnapshot(2, &cs, "state");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap.value.metadata().term(), 1u);
  EXPECT_EQ(s.createSnapshot(2, &cs, "x").error, Error::SnapOutOfDate);
  MemoryStorage t;
  ASSERT_EQ(t.applySnapshot(snap.value), Error::None);
  EXPECT_EQ(t.firstIndex(), 3u);
  EXPECT_EQ(t.lastIndex(), 2u);
  EXPECT_EQ(t.applySnapshot(snap.value), Error::SnapOutOfDate);
}

TEST(UnstableTest, StableToIgnoresReplacedEntries) {
  Unstable u(5);
  u.truncateAndAppend({entry(1, 5), entry(1, 6)});
  u.truncateAndAppend({entry(2, 6)});  // replaces index 6
  u.stableTo(6, 1);                    // the persisted term-1 entry 6 is gone: ignored
  EXPECT_EQ(u.entries().size(), 2u);
  u.stableTo(6, 2);
  EXPECT_TRUE(u.entries().empty());
  EXPECT_EQ(u.offset(), 7u);
}

class RaftLogTest : public ::testing::Test {
 protected:
  RaftLogTest() { storage_.append({entry(1, 1), entry(2, 2), entry(2, 3)}); }
  MemoryStorage storage_;
};

TEST_F(RaftLogTest, MaybeAppendRejectsMismatchAndTruncatesConflicts) {
  RaftLog log(storage_, kNoLimit);
  EXPECT_FALSE(log.maybeAppend(3, 1, 3, {entry(3, 4)}));  // term at 3 is 2, not 1
  auto last = log.maybeAppend(1, 1, 2, {entry(3, 2)});    // conflicts at 2
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 2u);
  EXPECT_EQ(log.lastIndex(), 2u);
  EXPECT_EQ(log.committed(), 2u);
  EXPECT_THROW(log.maybeAppend(0, 0, 2, {entry(4, 1)}), std::logic_error)
      << "overwriting a committed entry must be refused";
}

TEST_F(RaftLogTest, FindConflictByTermSkipsHigherTerms) {
  RaftLog log(storage_, kNoLimit);
  log.append({entry(5, 4), entry(5, 5)});
  EXPECT_EQ(log.findConflictByTerm(5, 3), 3u);  // skip the term-5 entries
  EXPECT_EQ(log.findConflictByTerm(5, 1), 1u);
  EXPECT_EQ(log.findConflictByTerm(5, 5), 5u);
  EXPECT_EQ(log.findConflictByTerm(9, 1), 9u) << "a hint beyond our log is returned as is";
}

TEST_F(RaftLogTest, UpToDateComparesLastTermThenLength) {
  RaftLog log(storage_, kNoLimit);
  EXPECT_TRUE(log.isUpToDate(1, 3));
  EXPECT_TRUE(log.isUpToDate(3, 2));
  EXPECT_FALSE(log.isUpToDate(2, 2));
  EXPECT_FALSE(log.isUpToDate(9, 1));
}

TEST_F(RaftLogTest, CommitOnlyMovesForwardAndOnlyCountsCurrentTerm) {
  RaftLog log(storage_, kNoLimit);
  EXPECT_FALSE(log.maybeCommit(3, 3)) << "entry 3 has term 2, the leader's term is 3";
  EXPECT_TRUE(log.maybeCommit(3, 3, /*countOlderTerms=*/true));
  log.commitTo(1);
  EXPECT_EQ(log.committed(), 3u);
  EXPECT_THROW(log.commitTo(7), std::logic_error);
}

TEST_F(RaftLogTest, NextEntsReturnsCommittedUnappliedEntriesWithinSizeLimit) {
  RaftLog log(storage_, 1);
  log.commitTo(3);
  EXPECT_EQ(terms(log.nextEnts()), (std::vector<std::uint64_t>{1}));
  log.appliedTo(1);
  EXPECT_EQ(terms(log.nextEnts()), (std::vector<std::uint64_t>{2}));
  EXPECT_THROW(log.appliedTo(0 + 7), std::logic_error);
}

TEST_F(RaftLogTest, SliceSpansStorageAndUnstable) {
  RaftLog log(storage_, kNoLimit);
  log.append({entry(3, 4), entry(3, 5)});
  auto r = log.slice(2, 6, kNoLimit);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(terms(r.value), (std::vector<std::uint64_t>{2, 2, 3, 3}));
  ASSERT_EQ(storage_.compact(2), Error::None);
  EXPECT_EQ(log.slice(1, 3, kNoLimit).error, Error::Compacted);
}

}  // namespace
}  // namespace detcd::raft::testing

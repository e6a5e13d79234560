#include <gtest/gtest.h>

#include "mvcc/KeyIndex.h"

namespace detcd::mvcc {
namespace {

TEST(KeyIndexTest, GetFindsThePutVisibleAtARevision) {
  KeyIndex ki;
  ki.put({2, 0});
  ki.put({4, 0});
  ki.tombstone({6, 0});
  ki.put({8, 0});
  EXPECT_FALSE(ki.get(1));
  auto f = ki.get(3);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->modified, (Revision{2, 0}));
  EXPECT_EQ(f->version, 1);
  f = ki.get(5);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->modified, (Revision{4, 0}));
  EXPECT_EQ(f->version, 2);
  EXPECT_EQ(f->created, (Revision{2, 0}));
  EXPECT_FALSE(ki.get(6));
  EXPECT_FALSE(ki.get(7));
  f = ki.get(9);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->version, 1);
  EXPECT_EQ(f->created, (Revision{8, 0}));
}

TEST(KeyIndexTest, CompactKeepsTheNewestRevisionAtOrBeforeTheCompactRevision) {
  KeyIndex ki;
  ki.put({2, 0});
  ki.put({4, 0});
  ki.put({6, 0});
  std::vector<Revision> removed;
  ki.compact(5, removed);
  EXPECT_EQ(removed, (std::vector<Revision>{{2, 0}}));
  EXPECT_EQ(ki.revisions(), (std::vector<Revision>{{4, 0}, {6, 0}}));
  auto f = ki.get(5);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->version, 2);  // versions survive compaction
}

TEST(KeyIndexTest, CompactDropsGenerationsEndedAtOrBeforeTheCompactRevision) {
  KeyIndex ki;
  ki.put({2, 0});
  ki.tombstone({3, 0});
  ki.put({5, 0});
  std::vector<Revision> removed;
  ki.compact(3, removed);
  EXPECT_EQ(removed, (std::vector<Revision>{{2, 0}, {3, 0}}));
  EXPECT_EQ(ki.revisions(), (std::vector<Revision>{{5, 0}}));
}

TEST(KeyIndexTest, CompactRemovesAKeyWhoseTombstoneIsCompacted) {
  KeyIndex ki;
  ki.put({2, 0});
  ki.tombstone({3, 0});
  std::vector<Revision> removed;
  ki.compact(4, removed);
  EXPECT_TRUE(ki.empty());
  EXPECT_EQ(removed.size(), 2u);
}

TEST(KeyIndexTest, CompactKeepsATombstoneAfterTheCompactRevision) {
  KeyIndex ki;
  ki.put({2, 0});
  ki.put({3, 0});
  ki.tombstone({7, 0});
  std::vector<Revision> removed;
  ki.compact(5, removed);
  EXPECT_EQ(removed, (std::vector<Revision>{{2, 0}}));
  EXPECT_EQ(ki.revisions(), (std::vector<Revision>{{3, 0}, {7, 0}}));
  EXPECT_TRUE(ki.get(5));
  EXPECT_FALSE(ki.get(7));
}

}  // namespace
}  // namespace detcd::mvcc

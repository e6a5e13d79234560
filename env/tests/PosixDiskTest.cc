// The real Disk on a temporary directory: every call of the seam, and its error codes.
#include "env/PosixDisk.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace detcd::env {
namespace {

class PosixDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "detcd-disk-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string path(const std::string& name) const { return root_ + "/" + name; }

  PosixDisk disk_;
  std::string root_;
};

TEST_F(PosixDiskTest, WriteReadAppendAndSize) {
  auto file = disk_.open(path("a"), {.create = true});
  ASSERT_TRUE(file.ok()) << file.error().message();
  ASSERT_FALSE((*file)->write(0, "hello"));
  auto at = (*file)->append(" world");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 5u);
  EXPECT_EQ(*(*file)->size(), 11u);
  EXPECT_EQ(*(*file)->read(0, 100), "hello world");  // short read at end of file
  EXPECT_EQ(*(*file)->read(6, 5), "world");
  EXPECT_EQ(*(*file)->read(50, 5), "");
  EXPECT_FALSE((*file)->sync());
}

TEST_F(PosixDiskTest, WritePastEndFillsWithZeros) {
  auto file = disk_.open(path("a"), {.create = true});
  ASSERT_FALSE((*file)->write(4, "x"));
  EXPECT_EQ(*(*file)->read(0, 5), std::string("\0\0\0\0x", 5));
}

TEST_F(PosixDiskTest, TruncateAndAllocate) {
  auto file = disk_.open(path("a"), {.create = true});
  ASSERT_FALSE((*file)->write(0, "abcdef"));
  ASSERT_FALSE((*file)->truncate(3));
  EXPECT_EQ(*(*file)->read(0, 10), "abc");
  ASSERT_FALSE((*file)->allocate(4096));
  EXPECT_EQ(*(*file)->size(), 4096u);
  EXPECT_EQ((*(*file)->read(0, 4))[3], '\0');
  ASSERT_FALSE((*file)->allocate(10));  // never shrinks
  EXPECT_EQ(*(*file)->size(), 4096u);
}

TEST_F(PosixDiskTest, OpenOptions) {
  EXPECT_EQ(disk_.open(path("missing"), {}).error(), posixError(ENOENT));
  ASSERT_TRUE(disk_.open(path("a"), {.create = true, .exclusive = true}).ok());
  EXPECT_EQ(disk_.open(path("a"), {.create = true, .exclusive = true}).error(),
            posixError(EEXIST));
  {
    auto file = disk_.open(path("a"), {});
    ASSERT_FALSE((*file)->write(0, "data"));
  }
  auto truncated = disk_.open(path("a"), {.truncate = true});
  EXPECT_EQ(*(*truncated)->size(), 0u);
  EXPECT_EQ(disk_.open(path("nodir/a"), {.create = true}).error(), posixError(ENOENT));
}

TEST_F(PosixDiskTest, DirectoryOperations) {
  ASSERT_FALSE(disk_.mkdir(path("d")));
  EXPECT_EQ(disk_.mkdir(path("d")), posixError(EEXIST));
  ASSERT_TRUE(disk_.open(path("d/b.tmp"), {.create = true}).ok());
  ASSERT_TRUE(disk_.open(path("d/a"), {.create = true}).ok());
  ASSERT_FALSE(disk_.rename(path("d/b.tmp"), path("d/b")));
  EXPECT_FALSE(disk_.syncDir(path("d")));
  EXPECT_EQ(*disk_.list(path("d")), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(disk_.exists(path("d/b")));
  EXPECT_FALSE(disk_.exists(path("d/b.tmp")));
  ASSERT_FALSE(disk_.unlink(path("d/a")));
  EXPECT_EQ(disk_.unlink(path("d/a")), posixError(ENOENT));
  EXPECT_EQ(*disk_.list(path("d")), (std::vector<std::string>{"b"}));
  EXPECT_EQ(disk_.list(path("none")).error(), posixError(ENOENT));
  EXPECT_EQ(disk_.syncDir(path("none")), posixError(ENOENT));
}

TEST_F(PosixDiskTest, DataSurvivesReopen) {
  {
    auto file = disk_.open(path("a"), {.create = true});
    ASSERT_TRUE((*file)->append("durable").ok());
    ASSERT_FALSE((*file)->sync());
  }
  ASSERT_FALSE(disk_.syncDir(root_));
  auto file = disk_.open(path("a"), {});
  EXPECT_EQ(*(*file)->read(0, 7), "durable");
}

}  // namespace
}  // namespace detcd::env

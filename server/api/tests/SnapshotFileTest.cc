#include "server/api/SnapshotFile.h"

#include <gtest/gtest.h>

#include "mvcc/KvStore.h"

namespace detcd::server::api {
namespace {

mvccsnappb::Snapshot someSnapshot() {
  mvcc::KvStore store;
  etcdserverpb::PutRequest put;
  etcdserverpb::PutResponse resp;
  for (int i = 0; i < 100; ++i) {
    put.set_key("key" + std::to_string(i));
    put.set_value(std::string(100, 'v'));
    EXPECT_TRUE(store.put(put, &resp).ok());
  }
  return store.snapshot();
}

TEST(SnapshotFileTest, SizeIsWhatEtcdctlChecksAndRoundTrips) {
  const auto snap = someSnapshot();
  const std::string file = encodeSnapshotFile(snap);
  EXPECT_EQ(file.size() % 512, 32u);  // etcdctl snapshot save: hasChecksum
  mvccsnappb::Snapshot back;
  std::string error;
  ASSERT_TRUE(decodeSnapshotFile(file, &back, &error)) << error;
  EXPECT_EQ(back.SerializeAsString(), snap.SerializeAsString());
}

TEST(SnapshotFileTest, RejectsDamagedFiles) {
  const std::string file = encodeSnapshotFile(someSnapshot());
  mvccsnappb::Snapshot back;
  std::string error;
  std::string flipped = file;
  flipped[100] ^= 1;
  EXPECT_FALSE(decodeSnapshotFile(flipped, &back, &error));
  EXPECT_NE(error.find("SHA-256"), std::string::npos);
  EXPECT_FALSE(decodeSnapshotFile(file.substr(1), &back, &error));
  EXPECT_NE(error.find("512"), std::string::npos);
}

}  // namespace
}  // namespace detcd::server::api

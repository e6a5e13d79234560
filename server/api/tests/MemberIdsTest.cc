// The IDs etcd 3.4 prints for its default single member (`etcd` with no flags): member
// 8e9e05c52164694d in cluster cdf818194e3a8c32.
#include "server/api/MemberIds.h"

#include <gtest/gtest.h>

namespace detcd::server::api {
namespace {

TEST(MemberIdsTest, EtcdDefaultMemberAndCluster) {
  const std::uint64_t id = memberId({"http://localhost:2380"}, "etcd-cluster", std::nullopt);
  EXPECT_EQ(id, 0x8e9e05c52164694dULL);
  EXPECT_EQ(clusterId({id}), 0xcdf818194e3a8c32ULL);
}

TEST(MemberIdsTest, PeerUrlOrderDoesNotMatterButTokenAndTimeDo) {
  const auto a = memberId({"http://a:1", "http://b:2"}, "t", std::nullopt);
  EXPECT_EQ(a, memberId({"http://b:2", "http://a:1"}, "t", std::nullopt));
  EXPECT_NE(a, memberId({"http://a:1", "http://b:2"}, "u", std::nullopt));
  EXPECT_NE(a, memberId({"http://a:1", "http://b:2"}, "t", 1700000000));
  EXPECT_EQ(clusterId({1, 2, 3}), clusterId({3, 1, 2}));
  EXPECT_NE(clusterId({1, 2}), clusterId({1, 2, 3}));
}

}  // namespace
}  // namespace detcd::server::api

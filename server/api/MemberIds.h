#pragma once
// Member and cluster IDs derived as etcd 3.4 derives them (etcdserver/api/membership), so that a
// cluster started with the same --initial-cluster and token shows the same IDs as etcd's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace detcd::server::api {

/// etcd's newMember: the first 8 bytes, big-endian, of SHA-1 over the sorted peer URLs
/// concatenated, then `token` (--initial-cluster-token; "" for MemberAdd), then — for a member
/// added at run time — the decimal `time` (etcd: the Unix time in seconds; detcd's MemberAdd:
/// the node's clock in nanoseconds). E.g. {"http://localhost:2380"} with "etcd-cluster" gives
/// 0x8e9e05c52164694d.
std::uint64_t memberId(std::vector<std::string> peerUrls, const std::string& token,
                       std::optional<std::int64_t> time);

/// etcd's RaftCluster.genID: the first 8 bytes, big-endian, of SHA-1 over the member IDs sorted
/// ascending, each as 8 big-endian bytes.
std::uint64_t clusterId(std::vector<std::uint64_t> memberIds);

}  // namespace detcd::server::api

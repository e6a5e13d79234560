#include "server/api/MemberIds.h"

#include <algorithm>

#include "server/api/Digest.h"

namespace detcd::server::api {

namespace {
std::uint64_t firstEightBigEndian(const std::string& digest) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(digest[i]);
  return v;
}
}  // namespace

std::uint64_t memberId(std::vector<std::string> peerUrls, const std::string& token,
                       std::optional<std::int64_t> time) {
  std::sort(peerUrls.begin(), peerUrls.end());
  std::string b;
  for (const auto& u : peerUrls) b += u;
  b += token;
  if (time) b += std::to_string(*time);
  return firstEightBigEndian(sha1(b));
}

std::uint64_t clusterId(std::vector<std::uint64_t> memberIds) {
  std::sort(memberIds.begin(), memberIds.end());
  std::string b;
  for (std::uint64_t id : memberIds) {
    for (int shift = 56; shift >= 0; shift -= 8) b.push_back(static_cast<char>(id >> shift));
  }
  return firstEightBigEndian(sha1(b));
}

}  // namespace detcd::server::api

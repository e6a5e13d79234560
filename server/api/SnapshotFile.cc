#include "server/api/SnapshotFile.h"

#include "server/api/Digest.h"

namespace detcd::server::api {

namespace {
constexpr std::string_view kMagic = "DETCDSNP";
constexpr std::size_t kAlign = 512;
constexpr std::size_t kDigestBytes = 32;
constexpr std::size_t kHeaderBytes = 16;
}  // namespace

std::string encodeSnapshotFile(const detcd::mvccsnappb::Snapshot& snapshot) {
  const std::string payload = snapshot.SerializeAsString();
  std::string body(kMagic);
  const std::uint64_t n = payload.size();
  for (int shift = 56; shift >= 0; shift -= 8) body.push_back(static_cast<char>(n >> shift));
  body += payload;
  body.resize((body.size() + kAlign - 1) / kAlign * kAlign, '\0');
  return body + sha256(body);
}

bool decodeSnapshotFile(const std::string& file, detcd::mvccsnappb::Snapshot* out,
                        std::string* error) {
  if (file.size() < kHeaderBytes + kDigestBytes || file.size() % kAlign != kDigestBytes) {
    *error = "snapshot file: size " + std::to_string(file.size()) + " is not 512*k + 32";
    return false;
  }
  const std::string_view body(file.data(), file.size() - kDigestBytes);
  if (sha256(body) != file.substr(body.size())) {
    *error = "snapshot file: SHA-256 trailer does not match";
    return false;
  }
  if (body.substr(0, kMagic.size()) != kMagic) {
    *error = "snapshot file: not a detcd snapshot (bad magic)";
    return false;
  }
  std::uint64_t n = 0;
  for (std::size_t i = kMagic.size(); i < kHeaderBytes; ++i) {
    n = (n << 8) | static_cast<unsigned char>(body[i]);
  }
  if (n > body.size() - kHeaderBytes || !out->ParseFromArray(body.data() + kHeaderBytes,
                                                             static_cast<int>(n))) {
    *error = "snapshot file: payload does not parse";
    return false;
  }
  return true;
}

}  // namespace detcd::server::api

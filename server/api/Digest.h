#pragma once
// Message digests (OpenSSL): SHA-1 for etcd's member and cluster IDs, SHA-256 for the trailer
// etcd appends to a snapshot stream.

#include <string>
#include <string_view>

namespace detcd::server::api {

/// The 20-byte SHA-1 digest of `data`.
std::string sha1(std::string_view data);
/// The 32-byte SHA-256 digest of `data`.
std::string sha256(std::string_view data);

}  // namespace detcd::server::api

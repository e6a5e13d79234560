#pragma once
// The byte stream Maintenance.Snapshot sends (what `etcdctl snapshot save` writes to its file).

#include <string>

#include "proto/mvcc_snapshot.pb.h"

namespace detcd::server::api {

/// Size of the chunks the Snapshot stream sends (etcd's snapshotSendBufferSize, 32 KiB).
inline constexpr std::size_t kSnapshotChunkBytes = 32 * 1024;

/// Encodes the store's snapshot as the stream etcd clients expect: a body whose length is a
/// multiple of 512 bytes followed by the 32-byte SHA-256 of the body (etcd appends the digest
/// to its page-aligned bolt file; etcdctl's `snapshot save` checks size % 512 == 32). Body:
/// "DETCDSNP", the payload length (8 bytes big-endian), the mvccsnappb.Snapshot bytes, zeros.
std::string encodeSnapshotFile(const detcd::mvccsnappb::Snapshot& snapshot);

/// The inverse, for tools and tests: false (with `error`) when the magic, length or digest is
/// wrong.
bool decodeSnapshotFile(const std::string& file, detcd::mvccsnappb::Snapshot* out,
                        std::string* error);

}  // namespace detcd::server::api

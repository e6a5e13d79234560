#pragma once
// The disk seam: files and directories with POSIX durability semantics.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "env/Result.h"

namespace detcd::env {

/// An open file. Offsets and sizes are in bytes.
///
/// Durability contract (POSIX, and exactly what the simulated disk enforces):
/// - write(), append(), truncate() and allocate() change what read() returns at once, but survive a
///   crash only after sync() returned success. Until then a crash may lose them, keep them, or tear
///   them at 512-byte sector granularity (torn sectors may hold garbage).
/// - sync() is fdatasync(): it makes this file's data and size durable, not its name. A file created
///   or renamed is durable only after Disk::syncDir() of its directory.
/// - A sync() that fails (EIO) has lost the dirty data: afterwards the file may read back old
///   contents or garbage where the new data was, and retrying sync() does not bring it back
///   ("fsyncgate"). The caller must treat the file as damaged and stop, not retry and carry on.
/// Errors are POSIX error codes: EIO, ENOSPC, EBADF (a handle that outlived a simulated crash).
class File {
 public:
  virtual ~File() = default;

  /// Reads up to `length` bytes at `offset`. Returns fewer only at end of file (none past it).
  virtual Result<std::string> read(std::uint64_t offset, std::size_t length) = 0;

  /// Writes all of `data` at `offset` (pwrite), extending the file with zeros if offset > size().
  virtual std::error_code write(std::uint64_t offset, std::string_view data) = 0;

  /// Writes `data` at the current end of file. Returns the offset it was written at.
  virtual Result<std::uint64_t> append(std::string_view data) = 0;

  /// fdatasync: makes every earlier write, truncate and allocate of this file durable.
  virtual std::error_code sync() = 0;

  /// Sets the size to `size` bytes; bytes past the old end read as zeros.
  virtual std::error_code truncate(std::uint64_t size) = 0;

  /// posix_fallocate(0, size): reserves space so that the size is at least `size` bytes, new bytes
  /// reading as zeros. Later writes within it cannot fail with ENOSPC.
  virtual std::error_code allocate(std::uint64_t size) = 0;

  /// The current size in bytes.
  virtual Result<std::uint64_t> size() = 0;
};

/// How Disk::open() treats a missing or existing file.
struct OpenOptions {
  bool create = false;     ///< create the file when missing (O_CREAT)
  bool exclusive = false;  ///< with create: fail with EEXIST when it exists (O_EXCL)
  bool truncate = false;   ///< empty an existing file (O_TRUNC)
};

/// A node's file system. Paths are '/'-separated; the real disk resolves relative paths against the
/// process's working directory, the simulated one against the node's own root. Every directory on
/// a path must exist (ENOENT otherwise); mkdir() creates one level.
class Disk {
 public:
  virtual ~Disk() = default;

  /// Opens `path` for reading and writing.
  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenOptions options) = 0;

  /// Atomically renames `from` to `to`, replacing `to` if it exists. Durable only after
  /// syncDir() of the destination's directory.
  virtual std::error_code rename(const std::string& from, const std::string& to) = 0;

  /// Removes the name `path`. Durable only after syncDir() of its directory.
  virtual std::error_code unlink(const std::string& path) = 0;

  /// Creates the directory `path` (EEXIST when it exists). Durable after syncDir() of its parent.
  virtual std::error_code mkdir(const std::string& path) = 0;

  /// fsync() of a directory: makes every create, rename, unlink and mkdir in it durable.
  virtual std::error_code syncDir(const std::string& path) = 0;

  /// The names (not paths) in directory `path`, files and directories alike, sorted bytewise.
  virtual Result<std::vector<std::string>> list(const std::string& path) = 0;

  /// Whether `path` names a file or a directory.
  virtual bool exists(const std::string& path) = 0;
};

}  // namespace detcd::env

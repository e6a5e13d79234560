#pragma once
// The real Disk: POSIX files with pwrite, fdatasync, rename, directory fsync and posix_fallocate.

#include "env/Disk.h"

namespace detcd::env {

/// Disk over the host file system. Paths are used as given (relative ones against the working
/// directory). Each call is one or a few system calls; errors are the errno they returned.
/// Stateless, so one instance may serve any number of files.
class PosixDisk final : public Disk {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenOptions options) override;
  std::error_code rename(const std::string& from, const std::string& to) override;
  std::error_code unlink(const std::string& path) override;
  std::error_code mkdir(const std::string& path) override;
  std::error_code syncDir(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& path) override;
  bool exists(const std::string& path) override;
};

}  // namespace detcd::env

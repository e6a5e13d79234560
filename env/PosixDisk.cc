#include "env/PosixDisk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace detcd::env {
namespace {

std::error_code lastError() { return posixError(errno); }

/// An open file descriptor; closed on destruction.
class PosixFile final : public File {
 public:
  explicit PosixFile(int fd) : fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Result<std::string> read(std::uint64_t offset, std::size_t length) override {
    std::string out(length, '\0');
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd_, out.data() + done, length - done,
                                static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return lastError();
      }
      if (n == 0) break;  // end of file
      done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
  }

  std::error_code write(std::uint64_t offset, std::string_view data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                                 static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return lastError();
      }
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<std::uint64_t> append(std::string_view data) override {
    auto end = size();
    if (!end) return end.error();
    if (auto ec = write(*end, data)) return ec;
    return *end;
  }

  std::error_code sync() override {
    // No retry on failure: after a failed fdatasync the kernel may have dropped the dirty pages.
    if (::fdatasync(fd_) != 0) return lastError();
    return {};
  }

  std::error_code truncate(std::uint64_t newSize) override {
    if (::ftruncate(fd_, static_cast<off_t>(newSize)) != 0) return lastError();
    return {};
  }

  std::error_code allocate(std::uint64_t newSize) override {
    // posix_fallocate returns the error instead of setting errno.
    const int rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(newSize));
    return rc == 0 ? std::error_code{} : posixError(rc);
  }

  Result<std::uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return lastError();
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  int fd_;
};

}  // namespace

Result<std::unique_ptr<File>> PosixDisk::open(const std::string& path, OpenOptions options) {
  int flags = O_RDWR | O_CLOEXEC;
  if (options.create) flags |= O_CREAT;
  if (options.create && options.exclusive) flags |= O_EXCL;
  if (options.truncate) flags |= O_TRUNC;
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return lastError();
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd));
}

std::error_code PosixDisk::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return lastError();
  return {};
}

std::error_code PosixDisk::unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return lastError();
  return {};
}

std::error_code PosixDisk::mkdir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) return lastError();
  return {};
}

std::error_code PosixDisk::syncDir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return lastError();
  std::error_code ec;
  if (::fsync(fd) != 0) ec = lastError();
  ::close(fd);
  return ec;
}

Result<std::vector<std::string>> PosixDisk::list(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return lastError();
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int readError = errno;
  ::closedir(dir);
  if (readError != 0) return posixError(readError);
  std::sort(names.begin(), names.end());
  return names;
}

bool PosixDisk::exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace detcd::env

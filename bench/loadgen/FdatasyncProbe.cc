#include "bench/loadgen/FdatasyncProbe.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace detcd::loadgen {
namespace {

[[noreturn]] void fail(const char* call, const std::string& path) {
  throw std::runtime_error(fmt::format("{} {}: {}", call, path, std::strerror(errno)));
}

}  // namespace

Summary probeFdatasync(const std::string& dir, int count, int blockBytes, bool keepCpusBusy) {
  std::string path = (std::filesystem::path(dir) / "detcd-fdatasync-probe").string();
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) fail("open", path);
  auto bytes = static_cast<size_t>(count) * static_cast<size_t>(blockBytes);
  std::vector<char> zeros(bytes, '\0');
  if (::pwrite(fd, zeros.data(), zeros.size(), 0) != static_cast<ssize_t>(zeros.size())) {
    fail("pwrite", path);
  }
  if (::fsync(fd) != 0) fail("fsync", path);
  std::vector<char> block(static_cast<size_t>(blockBytes), 'x');
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(count));
  std::atomic<bool> stop{false};
  std::vector<std::jthread> spinners;
  for (unsigned i = 0; keepCpusBusy && i < std::thread::hardware_concurrency(); ++i) {
    spinners.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    auto before = std::chrono::steady_clock::now();
    auto offset = static_cast<off_t>(i) * blockBytes;
    if (::pwrite(fd, block.data(), block.size(), offset) != static_cast<ssize_t>(block.size())) {
      fail("pwrite", path);
    }
    if (::fdatasync(fd) != 0) fail("fdatasync", path);
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before)
            .count());
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  ::close(fd);
  std::filesystem::remove(path);
  return summarize(latencies, 0, seconds);
}

}  // namespace detcd::loadgen

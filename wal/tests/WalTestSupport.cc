#include "wal/tests/WalTestSupport.h"

#include <gtest/gtest.h>

namespace detcd::wal::testing {

void SimHarness::overwrite(const std::string& path, std::uint64_t offset,
                           const std::string& bytes) {
  auto file = disk.open(path, {});
  ASSERT_TRUE(file.ok()) << path;
  ASSERT_FALSE((*file)->write(offset, bytes));
  ASSERT_FALSE((*file)->sync());
}

namespace {

/// A File whose mutating calls count as steps of its CrashingDisk.
class CrashingFile final : public env::File {
 public:
  CrashingFile(CrashingDisk& disk, std::unique_ptr<env::File> inner)
      : disk_(disk), inner_(std::move(inner)) {}
  env::Result<std::string> read(std::uint64_t offset, std::size_t length) override {
    return inner_->read(offset, length);
  }
  std::error_code write(std::uint64_t offset, std::string_view data) override {
    disk_.step();
    return inner_->write(offset, data);
  }
  env::Result<std::uint64_t> append(std::string_view data) override {
    disk_.step();
    return inner_->append(data);
  }
  std::error_code sync() override {
    disk_.step();
    return inner_->sync();
  }
  std::error_code truncate(std::uint64_t size) override {
    disk_.step();
    return inner_->truncate(size);
  }
  std::error_code allocate(std::uint64_t size) override {
    disk_.step();
    return inner_->allocate(size);
  }
  env::Result<std::uint64_t> size() override { return inner_->size(); }

 private:
  CrashingDisk& disk_;
  std::unique_ptr<env::File> inner_;
};

}  // namespace

void CrashingDisk::step() {
  ++steps_;
  if (steps_ == crashAt_ && !crashed_) {
    crashed_ = true;
    crash_();
  }
}

env::Result<std::unique_ptr<env::File>> CrashingDisk::open(const std::string& path,
                                                           env::OpenOptions options) {
  if (options.create || options.truncate) step();
  auto file = inner_.open(path, options);
  if (!file) return file.error();
  return std::unique_ptr<env::File>(std::make_unique<CrashingFile>(*this, std::move(*file)));
}
std::error_code CrashingDisk::rename(const std::string& from, const std::string& to) {
  step();
  return inner_.rename(from, to);
}
std::error_code CrashingDisk::unlink(const std::string& path) {
  step();
  return inner_.unlink(path);
}
std::error_code CrashingDisk::mkdir(const std::string& path) {
  step();
  return inner_.mkdir(path);
}
std::error_code CrashingDisk::syncDir(const std::string& path) {
  step();
  return inner_.syncDir(path);
}
env::Result<std::vector<std::string>> CrashingDisk::list(const std::string& path) {
  return inner_.list(path);
}
bool CrashingDisk::exists(const std::string& path) { return inner_.exists(path); }

void LogModel::appendEntries(const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    current.log.resize(e.index - 1);
    current.log.push_back(e);
    candidates.push_back(current);
  }
}

void LogModel::appendHardState(const HardState& state) {
  current.hardState = state;
  candidates.push_back(current);
}

std::vector<Entry> makeEntries(std::uint64_t first, std::uint64_t count, std::uint64_t term,
                               std::size_t bytes) {
  std::vector<Entry> out;
  for (std::uint64_t i = first; i < first + count; ++i) {
    std::string data(bytes, '\0');
    for (std::size_t b = 0; b < bytes; ++b) {
      data[b] = static_cast<char>('a' + (i * 7 + term * 13 + b) % 26);
    }
    out.push_back(Entry{i, term, static_cast<std::uint32_t>(i % 3), std::move(data)});
  }
  return out;
}

}  // namespace detcd::wal::testing

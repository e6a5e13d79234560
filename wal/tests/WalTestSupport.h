#pragma once
// Shared by the WAL tests: a simulated disk on its own, a disk that crashes at a chosen step, and
// small helpers.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/SimDisk.h"
#include "sim/StandaloneDisk.h"
#include "wal/Types.h"

namespace detcd::wal::testing {

/// The standalone simulated disk, with the WAL tests' read-or-"" and damage shorthands.
struct SimHarness : sim::StandaloneDisk {
  using sim::StandaloneDisk::StandaloneDisk;
  /// The bytes of `path` as reads see them ("" when missing).
  std::string read(const std::string& path) { return StandaloneDisk::read(path).value_or(""); }
  /// Overwrites bytes of `path` at `offset` (and syncs them): injected damage.
  void overwrite(const std::string& path, std::uint64_t offset, const std::string& bytes);
};

/// Forwards to another Disk and counts mutating steps (open with create, write, append, sync,
/// truncate, allocate, rename, unlink, mkdir, syncDir). When the count reaches crashAt, it calls
/// the crash function *before* forwarding that step, so the step and all later ones fail as they
/// would after a power loss. crashAt 0 never crashes.
class CrashingDisk final : public env::Disk {
 public:
  CrashingDisk(env::Disk& inner, std::function<void()> crash, std::uint64_t crashAt)
      : inner_(inner), crash_(std::move(crash)), crashAt_(crashAt) {}

  env::Result<std::unique_ptr<env::File>> open(const std::string& path,
                                               env::OpenOptions options) override;
  std::error_code rename(const std::string& from, const std::string& to) override;
  std::error_code unlink(const std::string& path) override;
  std::error_code mkdir(const std::string& path) override;
  std::error_code syncDir(const std::string& path) override;
  env::Result<std::vector<std::string>> list(const std::string& path) override;
  bool exists(const std::string& path) override;

  /// Counts one step and crashes when it is the chosen one.
  void step();
  std::uint64_t steps() const { return steps_; }
  bool crashed() const { return crashed_; }

 private:
  env::Disk& inner_;
  std::function<void()> crash_;
  std::uint64_t crashAt_;
  std::uint64_t steps_ = 0;
  bool crashed_ = false;
};

/// The log and HardState after some prefix of the records appended.
struct LogState {
  std::vector<Entry> log;  ///< log[i] has index i + 1
  HardState hardState;
  bool operator==(const LogState&) const = default;
};

/// What a crash may leave of a WAL: `current` is the state after every record appended,
/// `candidates` every state since the last acknowledged sync(), the acknowledged one first.
struct LogModel {
  /// One state per entry; an entry replaces a conflicting suffix, as recovery does.
  void appendEntries(const std::vector<Entry>& entries);
  void appendHardState(const HardState& state);
  /// A sync() succeeded (or recovery found `current`): only `current` remains possible.
  void acknowledge() { candidates = {current}; }

  LogState current;
  std::vector<LogState> candidates{LogState{}};
};

/// Entries [first, first + count) of `term`, each with `bytes` bytes of data derived from its
/// index and term.
std::vector<Entry> makeEntries(std::uint64_t first, std::uint64_t count, std::uint64_t term,
                               std::size_t bytes = 16);

}  // namespace detcd::wal::testing

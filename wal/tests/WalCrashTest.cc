// The crash matrix: a power loss at every disk step of a workload (create, append, sync, cut,
// overwrite, snapshot save, snapshot marker, release), in every crash mode, then a restart.
// After each: the WAL opens (nothing unacknowledged looks like corruption), everything
// acknowledged by sync() is there, what is there is a state the log really passed through, the
// newest acknowledged snapshot (or the one being saved) loads, and the WAL takes new appends.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "wal/Snapshotter.h"
#include "wal/Wal.h"
#include "wal/tests/WalTestSupport.h"

namespace detcd::wal {
namespace {

using testing::CrashingDisk;
using testing::LogModel;
using testing::LogState;
using testing::makeEntries;
using testing::SimHarness;

constexpr const char* kWalDir = "node/wal";
constexpr const char* kSnapDir = "node/snap";

/// Runs the workload on `disk` until it ends or a call fails (after the crash), recording what
/// was acknowledged and every state the log passed through since.
struct Workload : LogModel {
  explicit Workload(env::Disk& d) : disk(d) {}

  /// A save: entries then HardState then sync.
  bool save(Wal& wal, const std::vector<Entry>& entries, const HardState& hs) {
    appendEntries(entries);
    appendHardState(hs);
    if (wal.save(entries, hs)) return false;
    acked = current;
    acknowledge();
    return true;
  }

  void run() {
    Wal::Options options;
    options.segmentBytes = 1024;
    auto created = Wal::create(disk, kWalDir, "node-1", options);
    if (!created) return;
    walCreated = true;
    Wal& wal = **created;
    for (std::uint64_t b = 0; b < 4; ++b) {
      if (!save(wal, makeEntries(1 + b * 3, 3, 1, 40), HardState{1, 1, b * 3})) return;
    }
    // A new leader overwrites the suffix from index 10.
    if (!save(wal, makeEntries(10, 3, 2, 40), HardState{2, 2, 9})) return;
    if (wal.cut()) return;
    Snapshotter snapshotter(disk, kSnapDir, {.retain = 2});
    for (const std::uint64_t index : {6u, 8u}) {
      const Snapshot snap{{index, 1, {{1, 2, 3}, {4}, {}, {}, false}},
                          fmt::format("state@{}", index)};
      savingSnapshot = snap;
      if (snapshotter.save(snap)) return;
      ackedSnapshot = snap;
    }
    if (wal.saveSnapshotMarker({8, 1})) return;
    ackedMarker = {8, 1};
    for (std::uint64_t b = 0; b < 2; ++b) {
      if (!save(wal, makeEntries(13 + b * 4, 4, 2, 40), HardState{2, 2, 12 + b * 4})) return;
    }
    if (wal.releaseTo(8)) return;
    save(wal, makeEntries(21, 2, 2, 40), HardState{2, 2, 20});
  }

  env::Disk& disk;
  LogState acked;
  bool walCreated = false;
  SnapshotMarker ackedMarker;
  std::optional<Snapshot> ackedSnapshot;
  std::optional<Snapshot> savingSnapshot;
};

/// Checks the disk after the crash; returns a description of the first violation, or "".
/// Counts in `tornTails` the recoveries that truncated a torn tail.
std::string checkRecovery(SimHarness& h, const Workload& w, int& tornTails) {
  Wal::Options options;
  options.segmentBytes = 1024;
  auto opened = Wal::open(h.disk, kWalDir, w.ackedMarker, options);
  if (!opened) {
    if (!w.walCreated && opened.error().code() == ErrorCode::kNotFound) {
      // The create was never acknowledged: it may be gone; creating again must work.
      auto created = Wal::create(h.disk, kWalDir, "node-1", options);
      return created ? "" : "create after an unacknowledged create: " + created.error().message();
    }
    return "open failed: " + opened.error().message();
  }
  const Wal::Recovered& rec = opened->recovered;
  if (rec.truncatedTail) ++tornTails;
  if (rec.metadata != "node-1") return "metadata lost";
  // The recovered log must be a state the log passed through at or after the last ack.
  bool matched = false;
  for (const LogState& c : w.candidates) {
    const std::uint64_t from = w.ackedMarker.index;
    if (c.log.size() < from) continue;
    const std::vector<Entry> after(c.log.begin() + static_cast<std::ptrdiff_t>(from), c.log.end());
    if (after == rec.entries && c.hardState == rec.hardState) matched = true;
  }
  if (!matched) {
    return fmt::format("recovered {} entries (last index {}) and HardState {{{}, {}, {}}}: not a "
                       "state at or after the last acknowledged one ({} entries, commit {})",
                       rec.entries.size(), rec.entries.empty() ? 0 : rec.entries.back().index,
                       rec.hardState.term, rec.hardState.vote, rec.hardState.commit,
                       w.acked.log.size(), w.acked.hardState.commit);
  }
  // The log takes new appends and they survive another crash.
  const std::uint64_t next = opened->wal->lastIndex() + 1;
  if (Error e = opened->wal->save(makeEntries(next, 1, 9), HardState{9, 1, 0})) {
    return "append after recovery: " + e.message();
  }
  opened->wal.reset();
  h.crash();
  auto again = Wal::open(h.disk, kWalDir, w.ackedMarker, options);
  if (!again) return "second open: " + again.error().message();
  if (again->recovered.entries.empty() ||
      again->recovered.entries.back() != makeEntries(next, 1, 9)[0]) {
    return "the entry appended after recovery is missing";
  }
  // Snapshots: the newest acknowledged one, or the one being saved if it made it whole.
  Snapshotter snapshotter(h.disk, kSnapDir, {});
  auto loaded = snapshotter.loadNewest();
  if (!loaded) {
    if (w.ackedSnapshot) return "acknowledged snapshot lost: " + loaded.error().message();
  } else if (loaded->snapshot != w.ackedSnapshot && loaded->snapshot != w.savingSnapshot) {
    return fmt::format("loaded snapshot at index {} that was neither acknowledged nor being saved",
                       loaded->snapshot.metadata.index);
  }
  return "";
}

TEST(WalCrashTest, CrashAtEveryStepInEveryModeLosesNothingAcknowledged) {
  std::uint64_t steps = 0;
  {
    SimHarness h(1);
    ASSERT_FALSE(h.disk.mkdir("node"));
    ASSERT_FALSE(h.disk.syncDir(""));
    CrashingDisk disk(h.disk, [] {}, 0);
    Workload w(disk);
    w.run();
    ASSERT_TRUE(w.ackedSnapshot);
    ASSERT_EQ(w.acked.log.size(), 22u);
    steps = disk.steps();
  }
  ASSERT_GE(steps, 30u);
  std::uint64_t runs = 0;
  std::map<sim::CrashMode, int> tornTails;
  // Lost and kept are deterministic; torn draws per sector, so it runs with 30 disk seeds.
  std::vector<sim::CrashMode> modes = {sim::CrashMode::kLost, sim::CrashMode::kKept};
  modes.insert(modes.end(), 30, sim::CrashMode::kTorn);
  for (const sim::CrashMode mode : modes) {
    for (std::uint64_t at = 1; at <= steps + 1; ++at) {
      const std::uint64_t seed = at * 31 + runs;
      SimHarness h(seed, mode);
      ASSERT_FALSE(h.disk.mkdir("node"));
      ASSERT_FALSE(h.disk.syncDir(""));
      CrashingDisk disk(h.disk, [&h] { h.disk.crash(); }, at);
      Workload w(disk);
      w.run();
      if (!disk.crashed()) h.disk.crash();
      h.disk.powerOn();
      const std::string violation = checkRecovery(h, w, tornTails[mode]);
      EXPECT_EQ(violation, "") << "crash before step " << at << " of " << steps << ", mode "
                               << sim::toString(mode) << ", disk seed " << seed
                               << " (deterministic; replay: build/tests/wal_test "
                                  "--gtest_filter=WalCrashTest.*)";
      ++runs;
    }
  }
  // The matrix exercises recovery: torn crashes leave tails to truncate; lost and kept ones never
  // leave a damaged frame (the preallocated space reads as zeros).
  EXPECT_GT(tornTails[sim::CrashMode::kTorn], 10);
  EXPECT_EQ(tornTails[sim::CrashMode::kLost], 0);
  EXPECT_EQ(tornTails[sim::CrashMode::kKept], 0);
}

TEST(WalCrashTest, ACrashDuringRecoveryIsHarmless) {
  // A torn tail to repair, then a crash at every step of the repairing open(), in every mode:
  // the next open() still recovers the same log.
  for (const sim::CrashMode mode :
       {sim::CrashMode::kLost, sim::CrashMode::kKept, sim::CrashMode::kTorn}) {
    for (std::uint64_t at = 1;; ++at) {
      SimHarness h(at, mode);
      ASSERT_FALSE(h.disk.mkdir("node"));
      ASSERT_FALSE(h.disk.syncDir(""));
      Wal::Options options;
      options.segmentBytes = 4096;
      {
        auto wal = Wal::create(h.disk, kWalDir, "node-1", options);
        ASSERT_TRUE(wal.ok());
        ASSERT_FALSE((*wal)->save(makeEntries(1, 5, 1, 40), HardState{1, 1, 5}));
      }
      const std::string path = std::string(kWalDir) + "/0000000000000000-0000000000000000.wal";
      const std::string content = h.read(path);
      h.overwrite(path, content.find_last_not_of('\0') / 8 * 8 + 8, "remains of a torn batch");
      ASSERT_TRUE(h.disk.open(std::string(kWalDir) + "/x.wal.tmp", {.create = true}).ok());

      CrashingDisk disk(h.disk, [&h] { h.disk.crash(); }, at);
      auto first = Wal::open(disk, kWalDir, {}, options);
      const bool crashed = disk.crashed();
      if (first) first->wal.reset();
      if (!crashed) h.disk.crash();
      h.disk.powerOn();
      auto second = Wal::open(h.disk, kWalDir, {}, options);
      ASSERT_TRUE(second.ok()) << "crash at step " << at << ", mode " << sim::toString(mode)
                               << ": " << second.error().message();
      EXPECT_EQ(second->recovered.entries, makeEntries(1, 5, 1, 40));
      EXPECT_EQ(second->recovered.hardState, (HardState{1, 1, 5}));
      if (!crashed) {  // every step of the repair has been crashed at
        // unlink + fsync of the leftover, truncate, allocate, fdatasync: at least 5 steps.
        EXPECT_GT(at, 5u);
        break;
      }
    }
  }
}

}  // namespace
}  // namespace detcd::wal

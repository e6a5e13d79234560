// WAL group commit on the real disk: append + Sync() of 256-byte entries in batches of 1, 10 and
// 100 entries per Sync, against a bare pwrite + fdatasync loop of the same payload bytes into a
// preallocated file (the physical limit), and that limit against overwriting written blocks.
//
//   build/bin/bench_wal [--benchmark_min_time=2]     (files go to $DETCD_BENCH_DIR, default ".")
//
// Figures and their meaning: docs/performance-wal.md. Run it on the disk you mean to measure:
// a tmpfs makes fdatasync free and the comparison meaningless.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/PosixDisk.h"
#include "wal/Wal.h"

namespace {

using detcd::wal::Entry;

constexpr std::size_t kEntryBytes = 256;
constexpr std::uint64_t kSegmentBytes = std::uint64_t{64} << 20;

/// A fresh directory for one benchmark, removed at the end.
struct ScratchDir {
  explicit ScratchDir(const std::string& name) {
    const char* base = std::getenv("DETCD_BENCH_DIR");
    path = (std::filesystem::path(base != nullptr ? base : ".") / name).string();
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string path;
};

void setCounters(benchmark::State& state, std::int64_t batch) {
  const auto entries = static_cast<double>(state.iterations() * batch);
  state.counters["entries/s"] = benchmark::Counter(entries, benchmark::Counter::kIsRate);
  state.counters["syncs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(entries) * kEntryBytes);
}

/// A WAL in `dir`/wal with segments as large as BareLog's files.
detcd::wal::Result<std::unique_ptr<detcd::wal::Wal>> createWal(detcd::env::Disk& disk,
                                                               const std::string& dir) {
  detcd::wal::Wal::Options options;
  options.segmentBytes = kSegmentBytes;
  return detcd::wal::Wal::create(disk, dir + "/wal", "bench", options);
}

/// `batch` entries of kEntryBytes, renumbered by next() to follow the previous batch.
class EntryBatch {
 public:
  explicit EntryBatch(std::int64_t batch)
      : entries_(static_cast<std::size_t>(batch), Entry{0, 1, 0, std::string(kEntryBytes, 'x')}) {}
  const std::vector<Entry>& next() {
    for (Entry& e : entries_) e.index = index_++;
    return entries_;
  }

 private:
  std::vector<Entry> entries_;
  std::uint64_t index_ = 1;
};

/// Mean microseconds per iteration of `total`.
double perBatchUs(const benchmark::State& state, std::chrono::steady_clock::duration total) {
  return std::chrono::duration<double, std::micro>(total).count() /
         static_cast<double>(state.iterations());
}

/// The physical limit's log: each append() is one pwrite + one fdatasync at the end of what was
/// written, into a file preallocated like a WAL segment. At the end of the file it continues in a
/// fresh preallocated file (as the WAL cuts a segment) instead of wrapping around: on ext4 an
/// fdatasync after overwriting written blocks costs about half as much as one after writing into
/// preallocated (unwritten) space, which needs a journal commit — and the WAL never overwrites
/// (docs/performance-wal.md, "A fair limit").
class BareLog {
 public:
  explicit BareLog(const std::string& dir) : dir_(dir) {}

  /// Creates the first file. Returns false on an error.
  bool open() { return startFile(); }
  /// Writes `bytes` after the previous ones and fdatasyncs. Returns false on an error.
  bool append(std::string_view bytes) {
    if (offset_ + bytes.size() > kSegmentBytes && !startFile()) return false;
    if (file_->write(offset_, bytes) || file_->sync()) return false;
    offset_ += bytes.size();
    return true;
  }

 private:
  /// A new file each time, the old ones kept: like the WAL's segments (which also pay a rename and
  /// a directory fsync per cut, so the limit is, if anything, flattered).
  bool startFile() {
    const std::string path = dir_ + "/bare-" + std::to_string(files_++);
    auto file = disk_.open(path, {.create = true, .exclusive = true});
    if (!file || (*file)->allocate(kSegmentBytes) || (*file)->sync()) return false;
    file_ = std::move(*file);
    offset_ = 0;
    return true;
  }

  detcd::env::PosixDisk disk_;
  std::string dir_;
  std::unique_ptr<detcd::env::File> file_;
  std::uint64_t offset_ = 0;
  int files_ = 0;
};

/// One iteration = `batch` entries appended and one Sync() (one write + one fdatasync).
void BM_WalAppendSync(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  ScratchDir dir("bench-wal");
  detcd::env::PosixDisk disk;
  auto created = createWal(disk, dir.path);
  if (!created) {
    state.SkipWithError(created.error().message().c_str());
    return;
  }
  auto& wal = **created;
  EntryBatch entries(batch);
  for (auto _ : state) {
    if (auto e = wal.append(entries.next())) state.SkipWithError(e.message().c_str());
    if (auto e = wal.sync()) state.SkipWithError(e.message().c_str());
  }
  setCounters(state, batch);
}
BENCHMARK(BM_WalAppendSync)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();

/// The physical limit: one pwrite of batch * 256 bytes and one fdatasync per iteration, into
/// preallocated space like a WAL segment's (BareLog).
void BM_BareWriteFdatasync(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  ScratchDir dir("bench-bare");
  BareLog bare(dir.path);
  if (!bare.open()) {
    state.SkipWithError("cannot create the preallocated file");
    return;
  }
  const std::string bytes(static_cast<std::size_t>(batch) * kEntryBytes, 'x');
  for (auto _ : state) {
    if (!bare.append(bytes)) state.SkipWithError("write/fdatasync");
  }
  setCounters(state, batch);
}
BENCHMARK(BM_BareWriteFdatasync)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();

/// Both of the above, interleaved batch by batch in one run so that both see the same machine load
/// (the disk is shared and noisy): one iteration = one WAL batch (append + Sync) and one bare
/// batch (pwrite + fdatasync), in alternating order, each timed. Counters: the mean latency of
/// each per batch (wal_us, bare_us), the part of wal_us spent in append() — encoding in memory,
/// the WAL's own CPU (append_us) — and the WAL's throughput as a fraction of the bare loop's
/// (wal/bare, higher is better; 1.0 = the limit).
void BM_WalVsBareInterleaved(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;  // benchmarks measure real time; never simulated code
  const std::int64_t batch = state.range(0);
  ScratchDir dir("bench-interleaved");
  detcd::env::PosixDisk disk;
  auto created = createWal(disk, dir.path);
  BareLog bare(dir.path);
  if (!created || !bare.open()) {
    state.SkipWithError("cannot create the WAL or the preallocated file");
    return;
  }
  auto& wal = **created;
  EntryBatch entries(batch);
  const std::string bytes(static_cast<std::size_t>(batch) * kEntryBytes, 'x');
  Clock::duration walTime{};
  Clock::duration appendTime{};  // the part of walTime spent in append(): encoding, in memory
  Clock::duration bareTime{};
  bool walFirst = true;
  for (auto _ : state) {
    const std::vector<Entry>& batchEntries = entries.next();
    // Alternate which goes first, so that neither always follows the other's fdatasync.
    for (int turn = 0; turn < 2; ++turn) {
      const auto start = Clock::now();
      if ((turn == 0) == walFirst) {
        if (auto e = wal.append(batchEntries)) state.SkipWithError(e.message().c_str());
        const auto appended = Clock::now();
        if (auto e = wal.sync()) state.SkipWithError(e.message().c_str());
        const auto synced = Clock::now();
        appendTime += appended - start;
        walTime += synced - start;
      } else {
        if (!bare.append(bytes)) state.SkipWithError("write/fdatasync");
        bareTime += Clock::now() - start;
      }
    }
    walFirst = !walFirst;
  }
  state.counters["wal_us"] = perBatchUs(state, walTime);
  state.counters["append_us"] = perBatchUs(state, appendTime);
  state.counters["bare_us"] = perBatchUs(state, bareTime);
  state.counters["wal/bare"] = perBatchUs(state, bareTime) / perBatchUs(state, walTime);
}
BENCHMARK(BM_WalVsBareInterleaved)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();

/// Why BareLog never wraps around: the bare loop into fresh preallocated space (as the WAL writes)
/// against the same loop overwriting blocks written before, interleaved batch by batch. Counters:
/// mean latency per batch of each (fresh_us, overwrite_us).
void BM_BareFreshVsOverwrite(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;  // benchmarks measure real time; never simulated code
  const std::int64_t batch = state.range(0);
  ScratchDir dir("bench-fresh-vs-overwrite");
  detcd::env::PosixDisk disk;
  BareLog fresh(dir.path);
  auto written = disk.open(dir.path + "/written", {.create = true, .truncate = true});
  // The overwritten region: written once, durably, before the loop.
  const std::string bytes(static_cast<std::size_t>(batch) * kEntryBytes, 'x');
  constexpr std::uint64_t kRegionBytes = std::uint64_t{16} << 20;
  const std::string chunk(std::size_t{1} << 20, 'y');
  bool ready = fresh.open() && written && !(*written)->allocate(kRegionBytes);
  for (std::uint64_t at = 0; ready && at < kRegionBytes; at += chunk.size()) {
    ready = !(*written)->write(at, chunk);
  }
  if (!ready || (*written)->sync()) {
    state.SkipWithError("cannot create the files");
    return;
  }
  Clock::duration freshTime{};
  Clock::duration overwriteTime{};
  std::uint64_t offset = 0;
  bool freshFirst = true;
  for (auto _ : state) {
    if (offset + bytes.size() > kRegionBytes) offset = 0;
    for (int turn = 0; turn < 2; ++turn) {
      const auto start = Clock::now();
      if ((turn == 0) == freshFirst) {
        if (!fresh.append(bytes)) state.SkipWithError("write/fdatasync");
        freshTime += Clock::now() - start;
      } else {
        if ((*written)->write(offset, bytes) || (*written)->sync()) {
          state.SkipWithError("write/fdatasync");
        }
        overwriteTime += Clock::now() - start;
      }
    }
    offset += bytes.size();
    freshFirst = !freshFirst;
  }
  state.counters["fresh_us"] = perBatchUs(state, freshTime);
  state.counters["overwrite_us"] = perBatchUs(state, overwriteTime);
}
BENCHMARK(BM_BareFreshVsOverwrite)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

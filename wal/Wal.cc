#include "wal/Wal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

namespace detcd::wal {
namespace {

/// Removes leftovers of interrupted cuts; they were never part of the log.
Error removeTempFiles(env::Disk& disk, const std::string& dir,
                      const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const std::string path = joinPath(dir, name);
    if (auto ec = disk.unlink(path)) return ioError("unlink", path, ec);
  }
  if (!names.empty()) {
    if (auto ec = disk.syncDir(dir)) return ioError("fsync directory", dir, ec);
  }
  return {};
}

}  // namespace

Wal::Wal(env::Disk& disk, std::string dir, std::string metadata, Options options)
    : disk_(disk), dir_(std::move(dir)), metadata_(std::move(metadata)), options_(options) {}

void Wal::trace(std::string_view kind, std::initializer_list<env::TraceField> fields) {
  if (options_.tracer != nullptr) options_.tracer->event(kind, fields);
}

bool Wal::exists(env::Disk& disk, const std::string& dir) { return listWal(disk, dir).ok(); }

Result<std::unique_ptr<Wal>> Wal::create(env::Disk& disk, const std::string& dir,
                                         const std::string& metadata, Options options) {
  if (!disk.exists(dir)) {
    if (auto ec = disk.mkdir(dir)) return ioError("mkdir", dir, ec);
  }
  // Even when `dir` exists: an earlier create may have failed before making it durable.
  const std::string parent = parentDir(disk, dir);
  if (auto ec = disk.syncDir(parent)) return ioError("fsync directory", parent, ec);
  auto listing = listWal(disk, dir);
  if (listing) {
    return Error(ErrorCode::kExists, fmt::format("a WAL already exists in {}", dir), dir);
  }
  if (listing.error().code() != ErrorCode::kNotFound) return listing.error();
  // Leftovers of an interrupted create.
  auto names = disk.list(dir);
  if (!names) return ioError("list", dir, names.error());
  std::vector<std::string> temps;
  for (const std::string& name : *names) {
    if (name.ends_with(".wal.tmp")) temps.push_back(name);
  }
  if (Error e = removeTempFiles(disk, dir, temps)) return e;

  std::unique_ptr<Wal> wal(new Wal(disk, dir, metadata, options));
  if (Error e = wal->startSegment(SegmentName{0, 0}, /*first=*/true)) return e;
  return wal;
}

Result<Wal::Opened> Wal::open(env::Disk& disk, const std::string& dir, SnapshotMarker at,
                              Options options) {
  auto listing = listWal(disk, dir);
  if (!listing) return listing.error();
  const auto from = segmentFor(listing->segments, at.index);
  if (!from) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("no segment of {} holds index {}: the first starts at index {} "
                             "(released up to a newer snapshot?)",
                             dir, at.index, listing->segments.front().firstIndex),
                 dir);
  }

  Recovered rec;
  std::optional<std::string> metadata;
  std::optional<HardState> hardState;
  bool markerFound = false;
  std::uint64_t maxMarker = at.index;
  const RecordVisitor visit = [&](const std::string& path, const Frame& frame) -> Error {
    switch (frame.type) {
      case RecordType::kCrc:
        return {};
      case RecordType::kMetadata:
        if (metadata && *metadata != frame.data) {
          return corrupt(path, frame.offset, "metadata differs from the earlier segments'");
        }
        metadata = std::string(frame.data);
        return {};
      case RecordType::kEntry: {
        auto entry = decodeEntry(frame.data);
        if (!entry) return corrupt(path, frame.offset, "entry record does not parse");
        if (entry->index <= at.index) {
          // Covered by the snapshot, yet it still replaces the suffix read so far: entries after
          // the snapshot index written before it were overwritten by a later leader and must not
          // come back (etcd's ReadAll keeps them; a node would then vote with a stale last term).
          rec.entries.clear();
          return {};
        }
        const std::uint64_t position = entry->index - at.index - 1;
        if (position > rec.entries.size()) {
          return corrupt(path, frame.offset,
                         fmt::format("entry index gap: index {} follows index {}", entry->index,
                                     at.index + rec.entries.size()));
        }
        rec.entries.resize(position);  // a later entry replaces a conflicting suffix
        rec.entries.push_back(std::move(*entry));
        return {};
      }
      case RecordType::kHardState: {
        auto state = decodeHardState(frame.data);
        if (!state) return corrupt(path, frame.offset, "hardstate record does not parse");
        hardState = *state;
        return {};
      }
      case RecordType::kSnapshot: {
        auto marker = decodeSnapshotMarker(frame.data);
        if (!marker) return corrupt(path, frame.offset, "snapshot record does not parse");
        maxMarker = std::max(maxMarker, marker->index);
        if (marker->index == at.index) {
          if (marker->term != at.term) {
            return Error(ErrorCode::kSnapshotMismatch,
                         fmt::format("{} at offset {}: snapshot marker at index {} has term {}, "
                                     "not {}",
                                     path, frame.offset, at.index, marker->term, at.term),
                         path, frame.offset);
          }
          markerFound = true;
        }
        return {};
      }
    }
    return corrupt(path, frame.offset, "unknown record type");
  };
  auto end = readSegments(disk, dir, *listing, *from, visit);
  if (!end) return end.error();
  if (!markerFound) {
    return Error(ErrorCode::kSnapshotNotFound,
                 fmt::format("no snapshot marker {{index {}, term {}}} in {}", at.index, at.term,
                             dir),
                 dir);
  }
  if (Error e = removeTempFiles(disk, dir, listing->tempFiles)) return e;

  auto file = disk.open(end->lastPath, {});
  if (!file) return ioError("open", end->lastPath, file.error());
  std::unique_ptr<Wal> wal(new Wal(disk, dir, metadata.value_or(""), options));
  if (end->tornTail) {
    // Zero the tail durably before anything is appended: stale bytes of a torn batch must never
    // reappear after the new records.
    const std::uint64_t size = std::max(end->fileSize, options.segmentBytes);
    if (auto ec = (*file)->truncate(end->dataEnd)) return ioError("truncate", end->lastPath, ec);
    if (auto ec = (*file)->allocate(size)) return ioError("allocate", end->lastPath, ec);
    if (auto ec = (*file)->sync()) return ioError("fdatasync", end->lastPath, ec);
    wal->trace("wal-tail-truncated", {{"file", std::string_view(end->tornTail->file)},
                                      {"offset", end->tornTail->offset},
                                      {"bytes", end->tornTail->bytes}});
  }
  wal->tailFile_ = std::move(*file);
  wal->tailName_ = end->last;
  wal->tailOffset_ = wal->syncedEnd_ = end->dataEnd;
  wal->headerEnd_ = end->headerBytes;
  wal->runningCrc_ = end->endCrc;
  wal->lastIndex_ = std::max(at.index + rec.entries.size(), maxMarker);
  wal->hardState_ = hardState;
  rec.metadata = wal->metadata_;
  rec.hardState = hardState.value_or(HardState{});
  rec.truncatedTail = end->tornTail;
  return Opened{std::move(wal), std::move(rec)};
}

Result<std::vector<SnapshotMarker>> Wal::snapshotMarkers(env::Disk& disk, const std::string& dir) {
  auto listing = listWal(disk, dir);
  if (!listing) return listing.error();
  std::vector<SnapshotMarker> markers;
  HardState state;
  const RecordVisitor visit = [&](const std::string& path, const Frame& frame) -> Error {
    if (frame.type == RecordType::kSnapshot) {
      auto marker = decodeSnapshotMarker(frame.data);
      if (!marker) return corrupt(path, frame.offset, "snapshot record does not parse");
      markers.push_back(*marker);
    } else if (frame.type == RecordType::kHardState) {
      auto hs = decodeHardState(frame.data);
      if (!hs) return corrupt(path, frame.offset, "hardstate record does not parse");
      state = *hs;
    }
    return {};
  };
  auto end = readSegments(disk, dir, *listing, 0, visit);
  if (!end) return end.error();
  // A marker past the commit index may belong to a snapshot whose entries were never committed
  // here (etcd's rule); it is not a place to start from.
  std::erase_if(markers, [&](const SnapshotMarker& m) { return m.index > state.commit; });
  return markers;
}

Error Wal::fail(std::string what, const std::string& path, std::error_code ec) {
  failed_ = Error(ErrorCode::kFailed,
                  fmt::format("wal stopped: {} {} failed: {}; refusing further writes (the dirty "
                              "data may be lost: reopen to recover)",
                              what, path, ec.message()),
                  path, 0, ec);
  trace("wal-failed", {{"op", std::string_view(what)}, {"file", std::string_view(path)}});
  return failed_;
}

void Wal::writeRecord(RecordType type, std::string_view data) {
  runningCrc_ = encodeFrame(type, data, syncedEnd_, runningCrc_, pending_);
}

Error Wal::append(std::span<const Entry> entries) {
  if (failed_) return failed_;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::uint64_t index = entries[i].index;
    const bool ok = i == 0 ? index >= 1 && index <= lastIndex_ + 1
                           : index == entries[i - 1].index + 1;
    if (!ok) {
      return Error(ErrorCode::kBadInput,
                   fmt::format("append: entry index {} cannot follow {} (last index {})", index,
                               i == 0 ? lastIndex_ : entries[i - 1].index, lastIndex_));
    }
  }
  const auto writeEntry = [this](std::span<char> to) { entryEncoder_.write(to); };
  for (const Entry& entry : entries) {
    runningCrc_ = encodeFrameInPlace(RecordType::kEntry, entryEncoder_.load(entry), writeEntry,
                                     syncedEnd_, runningCrc_, pending_);
  }
  if (!entries.empty()) lastIndex_ = entries.back().index;
  return {};
}

Error Wal::saveHardState(const HardState& state) {
  if (failed_) return failed_;
  writeRecord(RecordType::kHardState, encodeHardState(state));
  hardState_ = state;
  return {};
}

Error Wal::save(std::span<const Entry> entries, const std::optional<HardState>& state) {
  if (Error e = append(entries)) return e;
  if (state) {
    if (Error e = saveHardState(*state)) return e;
  }
  return sync();
}

Error Wal::saveSnapshotMarker(const SnapshotMarker& marker) {
  if (failed_) return failed_;
  writeRecord(RecordType::kSnapshot, encodeSnapshotMarker(marker));
  lastIndex_ = std::max(lastIndex_, marker.index);
  return sync();
}

Error Wal::sync() {
  if (failed_) return failed_;
  // The segment's path only when naming a failure: formatting it costs more than a small batch.
  const auto path = [this] { return joinPath(dir_, tailName_.file()); };
  if (!pending_.empty()) {
    if (auto ec = tailFile_->write(tailOffset_, pending_)) return fail("write", path(), ec);
    tailOffset_ += pending_.size();
    pending_.clear();  // keeps its capacity for the next batch
  }
  if (tailOffset_ == syncedEnd_) return {};
  if (auto ec = tailFile_->sync()) return fail("fdatasync", path(), ec);
  ++syncCount_;
  syncedEnd_ = tailOffset_;
  const bool early = options_.buggify != nullptr && options_.buggify->fire("wal-early-cut");
  if (tailOffset_ >= options_.segmentBytes || early) {
    return startSegment(SegmentName{tailName_.seq + 1, lastIndex_ + 1}, false);
  }
  return {};
}

Error Wal::cut() {
  if (Error e = sync()) return e;
  if (tailOffset_ == headerEnd_) return {};  // already a fresh segment (sync() may have cut)
  return startSegment(SegmentName{tailName_.seq + 1, lastIndex_ + 1}, false);
}

Error Wal::startSegment(SegmentName name, bool first) {
  // The header: crc record, metadata, and (first segment) the empty-log marker or (later ones) the
  // last HardState, so that releasing older segments never loses it.
  std::vector<std::pair<RecordType, std::string>> records = {{RecordType::kMetadata, metadata_}};
  if (first) records.emplace_back(RecordType::kSnapshot, encodeSnapshotMarker({}));
  if (hardState_) records.emplace_back(RecordType::kHardState, encodeHardState(*hardState_));
  std::string header;
  const std::uint32_t crc = encodeSegmentHeader(records, runningCrc_, header);
  const std::uint64_t headerBytes = header.size();

  // Named only once durable: temp file, preallocate, write, fdatasync, rename, directory fsync.
  const std::string path = joinPath(dir_, name.file());
  const std::string temp = path + ".tmp";
  auto file = disk_.open(temp, {.create = true, .truncate = true});
  if (!file) return fail("create", temp, file.error());
  if (auto ec = (*file)->allocate(std::max(options_.segmentBytes, headerBytes))) {
    return fail("allocate", temp, ec);
  }
  if (auto ec = (*file)->write(0, header)) return fail("write", temp, ec);
  if (auto ec = (*file)->sync()) return fail("fdatasync", temp, ec);
  if (auto ec = disk_.rename(temp, path)) return fail("rename", temp, ec);
  if (auto ec = disk_.syncDir(dir_)) return fail("fsync directory", dir_, ec);

  tailFile_ = std::move(*file);
  tailName_ = name;
  tailOffset_ = syncedEnd_ = headerEnd_ = headerBytes;
  runningCrc_ = crc;
  trace("wal-cut", {{"seq", name.seq}, {"first-index", name.firstIndex}});
  return {};
}

Error Wal::releaseTo(std::uint64_t index) {
  if (failed_) return failed_;
  auto listing = listWal(disk_, dir_);
  if (!listing) return listing.error();
  const auto keep = segmentFor(listing->segments, index);
  if (!keep || *keep == 0) return {};
  // Oldest first: a crash keeps a prefix of the unlinks, so the survivors stay contiguous.
  for (std::size_t i = 0; i < *keep; ++i) {
    const std::string path = joinPath(dir_, listing->segments[i].file());
    if (auto ec = disk_.unlink(path)) return ioError("unlink", path, ec);
  }
  if (auto ec = disk_.syncDir(dir_)) return ioError("fsync directory", dir_, ec);
  trace("wal-release", {{"index", index}, {"segments", std::uint64_t{*keep}}});
  return {};
}

}  // namespace detcd::wal

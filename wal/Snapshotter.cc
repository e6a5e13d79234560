#include "wal/Snapshotter.h"

#include <boost/endian/conversion.hpp>
#include <fmt/format.h>

#include <cerrno>

#include "proto/snappb.pb.h"
#include "wal/Crc32c.h"
#include "wal/WalReader.h"

namespace detcd::wal {
namespace {

constexpr std::string_view kMagic = "dsnp";
constexpr std::size_t kFileHeaderBytes = 16;

std::optional<std::pair<std::uint64_t, std::uint64_t>> parseName(std::string_view name) {
  // "<16 hex>-<16 hex>.snap": the same shape as a segment name.
  if (name.size() != 38 || !name.ends_with(".snap")) return std::nullopt;
  const auto parsed = parseSegmentName(std::string(name.substr(0, 33)) + ".wal");
  if (!parsed) return std::nullopt;
  return std::pair{parsed->seq, parsed->firstIndex};
}

void toProto(const std::vector<std::uint64_t>& from,
             google::protobuf::RepeatedField<std::uint64_t>* to) {
  to->Add(from.begin(), from.end());
}

std::vector<std::uint64_t> fromProto(const google::protobuf::RepeatedField<std::uint64_t>& from) {
  return {from.begin(), from.end()};
}

}  // namespace

std::string snapshotFileName(std::uint64_t term, std::uint64_t index) {
  return fmt::format("{:016x}-{:016x}.snap", term, index);
}

std::string encodeSnapshotFile(const Snapshot& snapshot) {
  snappb::Snapshot m;
  auto* meta = m.mutable_metadata();
  meta->set_index(snapshot.metadata.index);
  meta->set_term(snapshot.metadata.term);
  const ConfState& cs = snapshot.metadata.confState;
  auto* pcs = meta->mutable_conf_state();
  toProto(cs.voters, pcs->mutable_voters());
  toProto(cs.learners, pcs->mutable_learners());
  toProto(cs.votersOutgoing, pcs->mutable_voters_outgoing());
  toProto(cs.learnersNext, pcs->mutable_learners_next());
  pcs->set_auto_leave(cs.autoLeave);
  m.set_data(snapshot.data);
  // The header, then the payload serialized in place behind it (a snapshot holds a whole store:
  // no extra copies).
  std::string out(kFileHeaderBytes, '\0');
  out.replace(0, 4, kMagic);
  out.reserve(kFileHeaderBytes + m.ByteSizeLong());
  m.AppendToString(&out);
  const std::string_view payload = std::string_view(out).substr(kFileHeaderBytes);
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  boost::endian::store_little_u32(p + 4, crc32c(0, payload));
  boost::endian::store_little_u64(p + 8, payload.size());
  return out;
}

Result<Snapshot> decodeSnapshotFile(std::string_view bytes) {
  const auto damaged = [](std::string reason) { return Error(ErrorCode::kCorrupt, reason); };
  if (bytes.size() < kFileHeaderBytes) {
    return damaged(fmt::format("{} bytes: shorter than the {}-byte header", bytes.size(),
                               kFileHeaderBytes));
  }
  if (bytes.substr(0, 4) != kMagic) return damaged("bad magic (not a detcd snapshot file)");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::uint32_t crc = boost::endian::load_little_u32(p + 4);
  const std::uint64_t length = boost::endian::load_little_u64(p + 8);
  const std::string_view payload = bytes.substr(kFileHeaderBytes);
  if (length != payload.size()) {
    return damaged(fmt::format("payload length {} but {} bytes follow the header", length,
                               payload.size()));
  }
  if (const std::uint32_t computed = crc32c(0, payload); computed != crc) {
    return damaged(fmt::format("CRC mismatch (stored {:#010x}, computed {:#010x})", crc, computed));
  }
  snappb::Snapshot m;
  if (!m.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return damaged("payload does not parse as snappb.Snapshot");
  }
  Snapshot s;
  s.metadata.index = m.metadata().index();
  s.metadata.term = m.metadata().term();
  const auto& pcs = m.metadata().conf_state();
  s.metadata.confState = ConfState{fromProto(pcs.voters()), fromProto(pcs.learners()),
                                   fromProto(pcs.voters_outgoing()),
                                   fromProto(pcs.learners_next()), pcs.auto_leave()};
  s.data = m.data();
  return s;
}

Snapshotter::Snapshotter(env::Disk& disk, std::string dir, Options options)
    : disk_(disk), dir_(std::move(dir)), options_(options) {}

void Snapshotter::trace(std::string_view kind, std::initializer_list<env::TraceField> fields) {
  if (options_.tracer != nullptr) options_.tracer->event(kind, fields);
}

Result<std::vector<std::string>> Snapshotter::list() {
  auto names = disk_.list(dir_);
  if (!names) {
    if (names.error() == env::posixError(ENOENT)) return std::vector<std::string>{};
    return ioError("list", dir_, names.error());
  }
  std::vector<std::string> snaps;
  for (const std::string& name : *names) {
    if (parseName(name)) snaps.push_back(name);
  }
  return snaps;  // Disk::list() is sorted: oldest {term, index} first
}

Error Snapshotter::save(const Snapshot& snapshot) {
  if (!disk_.exists(dir_)) {
    if (auto ec = disk_.mkdir(dir_)) return ioError("mkdir", dir_, ec);
    const std::string parent = parentDir(disk_, dir_);
    if (auto ec = disk_.syncDir(parent)) return ioError("fsync directory", parent, ec);
  }
  const std::string name = snapshotFileName(snapshot.metadata.term, snapshot.metadata.index);
  const std::string path = joinPath(dir_, name);
  const std::string temp = path + ".tmp";
  {
    auto file = disk_.open(temp, {.create = true, .truncate = true});
    if (!file) return ioError("create", temp, file.error());
    if (auto ec = (*file)->write(0, encodeSnapshotFile(snapshot))) {
      return ioError("write", temp, ec);
    }
    if (auto ec = (*file)->sync()) return ioError("fdatasync", temp, ec);
  }
  if (auto ec = disk_.rename(temp, path)) return ioError("rename", temp, ec);
  if (auto ec = disk_.syncDir(dir_)) return ioError("fsync directory", dir_, ec);
  trace("snapshot-saved", {{"index", snapshot.metadata.index}, {"term", snapshot.metadata.term}});

  // Retention, and leftovers of interrupted saves.
  auto names = disk_.list(dir_);
  if (!names) return ioError("list", dir_, names.error());
  std::vector<std::string> snaps;
  bool removed = false;
  for (const std::string& n : *names) {
    if (parseName(n)) {
      snaps.push_back(n);
    } else if (n.ends_with(".snap.tmp")) {
      const std::string leftover = joinPath(dir_, n);
      if (auto ec = disk_.unlink(leftover)) return ioError("unlink", leftover, ec);
      removed = true;
    }
  }
  for (std::size_t i = 0; i + options_.retain < snaps.size(); ++i) {
    const std::string old = joinPath(dir_, snaps[i]);
    if (auto ec = disk_.unlink(old)) return ioError("unlink", old, ec);
    removed = true;
  }
  if (removed) {
    if (auto ec = disk_.syncDir(dir_)) return ioError("fsync directory", dir_, ec);
  }
  return {};
}

Result<Snapshotter::Loaded> Snapshotter::loadNewest(
    const std::function<bool(const SnapshotMarker&)>& acceptable) {
  auto names = list();
  if (!names) return names.error();
  Loaded loaded;
  for (auto it = names->rbegin(); it != names->rend(); ++it) {
    const auto [term, index] = *parseName(*it);
    if (acceptable && !acceptable(SnapshotMarker{index, term})) continue;
    const std::string path = joinPath(dir_, *it);
    auto bytes = readWhole(disk_, path);
    if (!bytes) return bytes.error();
    auto snapshot = decodeSnapshotFile(*bytes);
    std::string reason;
    if (!snapshot) {
      reason = snapshot.error().message();
    } else if (snapshot->metadata.term != term || snapshot->metadata.index != index) {
      reason = fmt::format("holds {{term {}, index {}}}, not what its name says",
                           snapshot->metadata.term, snapshot->metadata.index);
    } else {
      loaded.snapshot = std::move(*snapshot);
      loaded.file = path;
      return loaded;
    }
    trace("snapshot-skipped",
          {{"file", std::string_view(path)}, {"reason", std::string_view(reason)}});
    loaded.skipped.push_back({path, reason});
  }
  std::string message = fmt::format("no valid snapshot in {}", dir_);
  for (const Skipped& s : loaded.skipped) message += fmt::format("; {}: {}", s.file, s.reason);
  return Error(ErrorCode::kNotFound, message, dir_);
}

}  // namespace detcd::wal

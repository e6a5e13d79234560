#include "sim/SimDisk.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

namespace detcd::sim {

using env::posixError;

struct SimDisk::Inode {
  std::string data;               // the page cache: what reads see
  std::string durable;            // the platter: what survives a crash
  std::set<std::uint64_t> dirty;  // sectors written since the last sync
  std::uint64_t minSizeSinceSync = 0;
};

std::string_view toString(CrashMode mode) {
  switch (mode) {
    case CrashMode::kRandom: return "random";
    case CrashMode::kLost: return "lost";
    case CrashMode::kKept: return "kept";
    case CrashMode::kTorn: return "torn";
  }
  return "?";
}

namespace {

/// Paths are compared as strings: "a/b", never "/a/b/" or "./a/b".
std::string normalize(const std::string& path) {
  std::string p = path;
  while (p.starts_with("./")) p.erase(0, 2);
  while (p.starts_with('/')) p.erase(0, 1);
  while (p.ends_with('/')) p.pop_back();
  return p;
}

/// The directory holding `path` ("" is the root, which always exists).
std::string parentOf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

/// An open file of a SimDisk. Invalid (EBADF) once the disk crashed after it was opened.
class SimFile final : public env::File {
 public:
  SimFile(SimDisk& disk, std::string path, std::shared_ptr<SimDisk::Inode> inode,
          std::uint64_t generation)
      : disk_(disk), path_(std::move(path)), inode_(std::move(inode)), generation_(generation) {}

  env::Result<std::string> read(std::uint64_t offset, std::size_t length) override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    return disk_.read(*inode_, offset, length);
  }
  std::error_code write(std::uint64_t offset, std::string_view data) override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    return disk_.write(path_, *inode_, offset, data);
  }
  env::Result<std::uint64_t> append(std::string_view data) override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    const std::uint64_t offset = inode_->data.size();
    if (auto ec = disk_.write(path_, *inode_, offset, data)) return ec;
    return offset;
  }
  std::error_code sync() override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    return disk_.sync(path_, *inode_);
  }
  std::error_code truncate(std::uint64_t size) override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    return disk_.resize(path_, *inode_, size, /*shrinkAllowed=*/true);
  }
  std::error_code allocate(std::uint64_t size) override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    if (size <= inode_->data.size()) return {};
    return disk_.resize(path_, *inode_, size, /*shrinkAllowed=*/false);
  }
  env::Result<std::uint64_t> size() override {
    if (!disk_.online(generation_)) return posixError(EBADF);
    return std::uint64_t{inode_->data.size()};
  }

 private:
  SimDisk& disk_;
  std::string path_;  // as opened; for traces only (the file may have been renamed since)
  std::shared_ptr<SimDisk::Inode> inode_;
  std::uint64_t generation_;
};

SimDisk::SimDisk(env::NodeId node, Rng rng, Trace& trace, NodeLoop& loop)
    : node_(node), rng_(rng), trace_(trace), loop_(loop) {
  dirs_.insert("");
  durableDirs_.insert("");
}

SimDisk::~SimDisk() = default;

void SimDisk::trace(std::string_view kind, std::initializer_list<env::TraceField> fields) {
  trace_.record(loop_.now(), node_, kind, fields);
}

std::error_code SimDisk::fault(std::string_view kind, const std::string& path) {
  trace("disk-fault", {{"fault", kind}, {"path", std::string_view(path)}});
  return posixError(kind == "enospc" ? ENOSPC : EIO);
}

std::uint64_t SimDisk::usedBytes() const {
  std::uint64_t used = 0;
  for (const auto& [path, inode] : files_) used += inode->data.size();
  return used;
}

env::Result<std::unique_ptr<env::File>> SimDisk::open(const std::string& rawPath,
                                                      env::OpenOptions options) {
  if (!online_) return posixError(EIO);
  const std::string path = normalize(rawPath);
  if (dirs_.count(path) != 0) return posixError(EISDIR);
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (!options.create) return posixError(ENOENT);
    const std::string parent = parentOf(path);
    if (dirs_.count(parent) == 0) return posixError(ENOENT);
    auto inode = std::make_shared<Inode>();
    it = files_.emplace(path, inode).first;
    pending_[parent].push_back({DirOp::Kind::kLink, path, {}, inode});
    trace("create", {{"path", std::string_view(path)}});
  } else if (options.create && options.exclusive) {
    return posixError(EEXIST);
  } else if (options.truncate) {
    if (auto ec = resize(path, *it->second, 0, true)) return ec;
  }
  return std::unique_ptr<env::File>(
      std::make_unique<SimFile>(*this, path, it->second, generation_));
}

env::Result<std::string> SimDisk::read(Inode& inode, std::uint64_t offset, std::size_t length) {
  loop_.charge(faults_.readLatency.sample(rng_));
  if (offset >= inode.data.size()) return std::string();
  return inode.data.substr(offset, length);
}

std::error_code SimDisk::write(const std::string& path, Inode& inode, std::uint64_t offset,
                               std::string_view data) {
  loop_.charge(faults_.writeLatency.sample(rng_));
  if (rng_.chance(faults_.writeEio)) return fault("write-eio", path);
  if (data.empty()) return {};
  if (rng_.chance(faults_.misdirectedWrite)) {
    // The write lands whole sectors away from where it was aimed, and reports success.
    const std::uint64_t distance = (1 + rng_.below(4)) * kSectorSize;
    const bool backwards = rng_.chance(0.5) && offset >= distance;
    const std::uint64_t aimed = offset;
    offset = backwards ? offset - distance : offset + distance;
    trace("disk-fault", {{"fault", "misdirected-write"},
                         {"path", std::string_view(path)},
                         {"aimed", aimed},
                         {"landed", offset}});
  }
  const std::uint64_t end = offset + data.size();
  if (end > inode.data.size()) {
    if (usedBytes() + (end - inode.data.size()) > faults_.capacity) return fault("enospc", path);
    inode.data.resize(end, '\0');
  }
  std::copy(data.begin(), data.end(), inode.data.begin() + static_cast<std::ptrdiff_t>(offset));
  for (std::uint64_t s = offset / kSectorSize; s <= (end - 1) / kSectorSize; ++s) {
    inode.dirty.insert(s);
  }
  trace("write", {{"path", std::string_view(path)},
                  {"offset", offset},
                  {"bytes", std::uint64_t{data.size()}}});
  return {};
}

std::error_code SimDisk::resize(const std::string& path, Inode& inode, std::uint64_t size,
                                bool shrinkAllowed) {
  loop_.charge(faults_.writeLatency.sample(rng_));
  if (rng_.chance(faults_.writeEio)) return fault("write-eio", path);
  const std::uint64_t old = inode.data.size();
  if (size > old && usedBytes() + (size - old) > faults_.capacity) return fault("enospc", path);
  if (size < old && !shrinkAllowed) return {};
  inode.data.resize(size, '\0');
  if (size < old) {
    inode.minSizeSinceSync = std::min(inode.minSizeSinceSync, size);
    // Sectors wholly past the new end no longer hold anything to persist.
    inode.dirty.erase(inode.dirty.lower_bound((size + kSectorSize - 1) / kSectorSize),
                      inode.dirty.end());
  }
  trace("resize", {{"path", std::string_view(path)}, {"size", size}});
  return {};
}

std::error_code SimDisk::sync(const std::string& path, Inode& inode) {
  loop_.charge(faults_.fsyncLatency.sample(rng_));
  if (rng_.chance(faults_.fsyncEio)) {
    // fsyncgate: the kernel dropped the dirty pages. Where the new data was, the file now holds
    // the old contents or garbage, and a later successful sync persists exactly that.
    for (const std::uint64_t s : inode.dirty) {
      const std::uint64_t begin = s * kSectorSize;
      const std::uint64_t end = std::min<std::uint64_t>(begin + kSectorSize, inode.data.size());
      if (begin >= end) continue;
      if (rng_.chance(0.5)) {
        garble(inode, inode.data, begin, end);
      } else {
        for (std::uint64_t i = begin; i < end; ++i) inode.data[i] = durableByte(inode, i);
      }
    }
    return fault("fsync-eio", path);
  }
  const std::uint64_t dirtySectors = inode.dirty.size();
  persistAll(inode);
  trace("fsync", {{"path", std::string_view(path)},
                  {"sectors", dirtySectors},
                  {"size", std::uint64_t{inode.data.size()}}});
  return {};
}

std::error_code SimDisk::rename(const std::string& rawFrom, const std::string& rawTo) {
  if (!online_) return posixError(EIO);
  const std::string from = normalize(rawFrom);
  const std::string to = normalize(rawTo);
  auto it = files_.find(from);
  if (it == files_.end()) return posixError(ENOENT);
  if (dirs_.count(parentOf(to)) == 0) return posixError(ENOENT);
  if (dirs_.count(to) != 0) return posixError(EISDIR);
  if (from == to) return {};
  auto inode = it->second;
  files_.erase(it);
  files_[to] = inode;
  pending_[parentOf(to)].push_back({DirOp::Kind::kRename, to, from, inode});
  trace("rename", {{"from", std::string_view(from)}, {"to", std::string_view(to)}});
  return {};
}

std::error_code SimDisk::unlink(const std::string& rawPath) {
  if (!online_) return posixError(EIO);
  const std::string path = normalize(rawPath);
  if (files_.erase(path) == 0) return posixError(dirs_.count(path) ? EISDIR : ENOENT);
  pending_[parentOf(path)].push_back({DirOp::Kind::kUnlink, path, {}, nullptr});
  trace("unlink", {{"path", std::string_view(path)}});
  return {};
}

std::error_code SimDisk::mkdir(const std::string& rawPath) {
  if (!online_) return posixError(EIO);
  const std::string path = normalize(rawPath);
  if (path.empty() || dirs_.count(path) || files_.count(path)) return posixError(EEXIST);
  if (dirs_.count(parentOf(path)) == 0) return posixError(ENOENT);
  dirs_.insert(path);
  pending_[parentOf(path)].push_back({DirOp::Kind::kMkdir, path, {}, nullptr});
  trace("mkdir", {{"path", std::string_view(path)}});
  return {};
}

void SimDisk::applyDurably(const DirOp& op) {
  switch (op.kind) {
    case DirOp::Kind::kLink:
      durableFiles_[op.path] = op.inode;
      break;
    case DirOp::Kind::kUnlink:
      durableFiles_.erase(op.path);
      break;
    case DirOp::Kind::kRename:
      durableFiles_.erase(op.from);
      durableFiles_[op.path] = op.inode;
      break;
    case DirOp::Kind::kMkdir:
      durableDirs_.insert(op.path);
      break;
  }
}

std::error_code SimDisk::syncDir(const std::string& rawPath) {
  if (!online_) return posixError(EIO);
  const std::string path = normalize(rawPath);
  if (dirs_.count(path) == 0) return posixError(ENOENT);
  loop_.charge(faults_.fsyncLatency.sample(rng_));
  // A failed directory fsync leaves its operations pending: a crash may still undo them.
  if (rng_.chance(faults_.fsyncEio)) return fault("fsync-dir-eio", path);
  auto it = pending_.find(path);
  std::uint64_t ops = 0;
  if (it != pending_.end()) {
    ops = it->second.size();
    for (const DirOp& op : it->second) applyDurably(op);
    pending_.erase(it);
  }
  trace("fsync-dir", {{"path", std::string_view(path)}, {"ops", ops}});
  return {};
}

env::Result<std::vector<std::string>> SimDisk::list(const std::string& rawPath) {
  if (!online_) return posixError(EIO);
  const std::string path = normalize(rawPath);
  if (dirs_.count(path) == 0) return posixError(files_.count(path) ? ENOTDIR : ENOENT);
  std::vector<std::string> names;
  const auto nameIn = [&](const std::string& entry) -> std::optional<std::string> {
    if (entry.empty() || parentOf(entry) != path) return std::nullopt;
    return path.empty() ? entry : entry.substr(path.size() + 1);
  };
  for (const auto& [entry, inode] : files_) {
    if (auto name = nameIn(entry)) names.push_back(*name);
  }
  for (const auto& entry : dirs_) {
    if (auto name = nameIn(entry)) names.push_back(*name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool SimDisk::exists(const std::string& rawPath) {
  const std::string path = normalize(rawPath);
  return online_ && (files_.count(path) != 0 || dirs_.count(path) != 0);
}

void SimDisk::persistAll(Inode& inode) {
  inode.durable.resize(inode.minSizeSinceSync);
  inode.durable.resize(inode.data.size(), '\0');
  for (const std::uint64_t s : inode.dirty) {
    const std::uint64_t begin = s * kSectorSize;
    const std::uint64_t end = std::min<std::uint64_t>(begin + kSectorSize, inode.data.size());
    for (std::uint64_t i = begin; i < end; ++i) inode.durable[i] = inode.data[i];
  }
  inode.dirty.clear();
  inode.minSizeSinceSync = inode.data.size();
}

char SimDisk::durableByte(const Inode& inode, std::uint64_t i) {
  return i < inode.durable.size() ? inode.durable[i] : '\0';
}

void SimDisk::garble(const Inode& inode, std::string& target, std::uint64_t begin,
                     std::uint64_t end) {
  // Only bytes the unsynced writes changed are at risk: synced bytes that share the sector keep
  // their value (a sector write rewrites them with what they already held). Garbage never equals
  // the new byte, so garbled data can never pass for the new data.
  for (std::uint64_t i = begin; i < end; ++i) {
    const char fresh = inode.data[i];
    if (fresh == durableByte(inode, i)) continue;
    const auto r = static_cast<unsigned char>(rng_.below(255));
    const auto f = static_cast<unsigned char>(fresh);
    target[i] = static_cast<char>(r >= f ? r + 1 : r);
  }
}

void SimDisk::crashInode(Inode& inode, CrashMode mode) {
  switch (mode) {
    case CrashMode::kRandom:
      assert(false && "resolved by crash()");
      break;
    case CrashMode::kLost:
      break;
    case CrashMode::kKept:
      persistAll(inode);
      break;
    case CrashMode::kTorn: {
      std::string result = inode.durable;
      if (rng_.chance(0.5)) {  // the size change reached the platter
        result.resize(std::min<std::uint64_t>(inode.minSizeSinceSync, result.size()));
        result.resize(inode.data.size(), '\0');
      }
      // Sectors reach the platter in any order; each dirty one holds new data, old data or
      // garbage. A torn write is torn: at least one of its sectors is not new, so the whole
      // unsynced change never survives intact (that is kKept).
      std::vector<std::uint64_t> sectors;
      for (const std::uint64_t s : inode.dirty) {
        if (s * kSectorSize < result.size()) sectors.push_back(s);
      }
      std::vector<int> outcome(sectors.size());  // 0 new, 1 old, 2 garbage
      std::vector<std::size_t> changed;           // sectors whose new data differs from the old
      bool allNew = true;
      for (std::size_t k = 0; k < sectors.size(); ++k) {
        outcome[k] = static_cast<int>(rng_.below(3));
        const std::uint64_t begin = sectors[k] * kSectorSize;
        const std::uint64_t end = std::min<std::uint64_t>(begin + kSectorSize, inode.data.size());
        for (std::uint64_t i = begin; i < end; ++i) {
          if (inode.data[i] != durableByte(inode, i)) {
            changed.push_back(k);
            allNew = allNew && outcome[k] == 0;
            break;
          }
        }
      }
      if (allNew && !changed.empty()) outcome[changed[rng_.below(changed.size())]] = 2;
      for (std::size_t k = 0; k < sectors.size(); ++k) {
        const std::uint64_t begin = sectors[k] * kSectorSize;
        const std::uint64_t end = std::min<std::uint64_t>(begin + kSectorSize, result.size());
        if (outcome[k] == 0) {
          for (std::uint64_t i = begin; i < end && i < inode.data.size(); ++i) {
            result[i] = inode.data[i];
          }
        } else if (outcome[k] == 2) {
          garble(inode, result, begin, std::min<std::uint64_t>(end, inode.data.size()));
        }
      }
      inode.durable = std::move(result);
      break;
    }
  }
  inode.data = inode.durable;
  inode.dirty.clear();
  inode.minSizeSinceSync = inode.data.size();
}

CrashMode SimDisk::crash() {
  CrashMode mode = crashMode_;
  if (mode == CrashMode::kRandom) {
    static constexpr CrashMode kModes[] = {CrashMode::kLost, CrashMode::kKept, CrashMode::kTorn};
    mode = kModes[rng_.below(3)];
  }
  // The namespace first: which names survive decides which files do.
  for (auto& [dir, ops] : pending_) {
    std::size_t keep = 0;
    if (mode == CrashMode::kKept) keep = ops.size();
    if (mode == CrashMode::kTorn) keep = rng_.below(ops.size() + 1);
    for (std::size_t i = 0; i < keep; ++i) applyDurably(ops[i]);
  }
  pending_.clear();
  std::set<const Inode*> done;  // membership only; iteration is over the ordered path map
  for (auto& [path, inode] : durableFiles_) {
    if (done.insert(inode.get()).second) crashInode(*inode, mode);
  }
  files_ = durableFiles_;
  dirs_ = durableDirs_;
  online_ = false;
  ++generation_;
  trace("disk-crash", {{"mode", toString(mode)}});
  return mode;
}

void SimDisk::powerOn() { online_ = true; }

std::optional<std::string> SimDisk::flipSyncedBit(const std::string& rawPath) {
  const std::string only = normalize(rawPath);
  std::vector<std::pair<std::string, std::uint64_t>> candidates;  // (path, sector)
  for (const auto& [path, inode] : files_) {
    if (!only.empty() && path != only) continue;
    // Every sector holding durable bytes, the last partial one included.
    const std::uint64_t bytes = std::min(inode->durable.size(), inode->data.size());
    const std::uint64_t sectors = (bytes + kSectorSize - 1) / kSectorSize;
    for (std::uint64_t s = 0; s < sectors; ++s) {
      if (inode->dirty.count(s) == 0) candidates.emplace_back(path, s);
    }
  }
  if (candidates.empty()) return std::nullopt;
  const auto& [path, sector] = candidates[rng_.below(candidates.size())];
  Inode& target = *files_.at(path);
  const std::uint64_t sectorBytes =
      std::min<std::uint64_t>(kSectorSize, std::min(target.durable.size(), target.data.size()) -
                                               sector * kSectorSize);
  const std::uint64_t bit = sector * kSectorSize * 8 + rng_.below(sectorBytes * 8);
  const auto mask = static_cast<char>(1u << (bit % 8));
  target.durable[bit / 8] = static_cast<char>(target.durable[bit / 8] ^ mask);
  target.data[bit / 8] = static_cast<char>(target.data[bit / 8] ^ mask);
  trace("disk-fault", {{"fault", "bit-flip"}, {"path", std::string_view(path)}, {"bit", bit}});
  return fmt::format("flipped bit {} of {} (byte {})", bit % 8, path, bit / 8);
}

std::optional<std::string> SimDisk::durableContent(const std::string& rawPath) const {
  auto it = durableFiles_.find(normalize(rawPath));
  if (it == durableFiles_.end()) return std::nullopt;
  return it->second->durable;
}

}  // namespace detcd::sim

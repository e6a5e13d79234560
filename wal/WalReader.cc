#include "wal/WalReader.h"

#include <fmt/format.h>

#include <cerrno>

namespace detcd::wal {

Result<std::string> readWhole(env::Disk& disk, const std::string& path) {
  auto file = disk.open(path, {});
  if (!file) return ioError("open", path, file.error());
  auto size = (*file)->size();
  if (!size) return ioError("stat", path, size.error());
  auto content = (*file)->read(0, *size);
  if (!content) return ioError("read", path, content.error());
  return std::move(*content);
}

std::string joinPath(const std::string& dir, const std::string& file) {
  return dir.empty() ? file : dir + "/" + file;
}

std::string parentDir(env::Disk& disk, const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash != std::string::npos) return slash == 0 ? "/" : path.substr(0, slash);
  return disk.exists(".") ? "." : "";
}

Result<WalDirectory> listWal(env::Disk& disk, const std::string& dir) {
  auto names = disk.list(dir);
  if (!names) {
    if (names.error() == env::posixError(ENOENT)) {
      return Error(ErrorCode::kNotFound, fmt::format("no WAL directory {}", dir), dir);
    }
    return ioError("list", dir, names.error());
  }
  WalDirectory wal;
  for (const std::string& name : *names) {
    if (auto segment = parseSegmentName(name)) {
      wal.segments.push_back(*segment);
    } else if (name.ends_with(".wal.tmp")) {
      wal.tempFiles.push_back(name);
    }
  }
  if (wal.segments.empty()) {
    return Error(ErrorCode::kNotFound, fmt::format("no WAL segments in {}", dir), dir);
  }
  // Bytewise order of fixed-width hex names is sequence order.
  for (std::size_t i = 1; i < wal.segments.size(); ++i) {
    const SegmentName& prev = wal.segments[i - 1];
    const SegmentName& next = wal.segments[i];
    if (next.seq != prev.seq + 1) {
      return corrupt(joinPath(dir, next.file()), 0,
                     fmt::format("segment sequence gap: {} follows {} (missing seq {})",
                                 next.file(), prev.file(), prev.seq + 1));
    }
  }
  return wal;
}

std::optional<std::size_t> segmentFor(const std::vector<SegmentName>& segments,
                                      std::uint64_t index) {
  for (std::size_t i = segments.size(); i-- > 0;) {
    if (segments[i].firstIndex <= index) return i;
  }
  return std::nullopt;
}

Result<ReadEnd> readSegments(env::Disk& disk, const std::string& dir, const WalDirectory& wal,
                             std::size_t from, const RecordVisitor& visit) {
  ReadEnd end;
  std::string prevPath;
  SegmentScan prev;
  for (std::size_t i = from; i < wal.segments.size(); ++i) {
    const bool last = i + 1 == wal.segments.size();
    const std::string path = joinPath(dir, wal.segments[i].file());
    auto content = readWhole(disk, path);
    if (!content) return content.error();
    SegmentScan scan = scanSegment(*content);
    if (!scan.header) {
      return corrupt(path, scan.dataEnd, scan.stop.value_or("the segment has no crc record"));
    }
    if (i > from && scan.header->crc != prev.endCrc) {
      return corrupt(prevPath, prev.dataEnd,
                     fmt::format("records stop here ({}) but the next segment continues the CRC "
                                 "chain from {:#010x}, not {:#010x}: records are missing",
                                 prev.stop.value_or("zero header"), scan.header->crc, prev.endCrc));
    }
    for (const Frame& frame : scan.records) {
      if (Error e = visit(path, frame)) return e;
    }
    if (scan.chainBroken) return corrupt(path, scan.dataEnd, *scan.stop);
    if (scan.dataEnd < scan.header->headerBytes) {
      return corrupt(path, scan.dataEnd,
                     fmt::format("segment header ({} bytes, durable before the segment was named) "
                                 "damaged: {}",
                                 scan.header->headerBytes, scan.stop.value_or("zero header")));
    }
    if (scan.syncedAfter) {
      return corrupt(path, scan.dataEnd,
                     fmt::format("{}; the record at offset {} was written after this point was "
                                 "durable, so this is damage, not a torn write",
                                 scan.stop.value_or("zero header"), *scan.syncedAfter));
    }
    if (scan.misplaced) {
      return corrupt(path, scan.dataEnd,
                     fmt::format("{}; the record that continues the CRC chain from here is at "
                                 "offset {} (a misdirected write)",
                                 scan.stop.value_or("zero header"), *scan.misplaced));
    }
    if (last) {
      end.last = wal.segments[i];
      end.lastPath = path;
      end.dataEnd = scan.dataEnd;
      end.headerBytes = scan.header->headerBytes;
      end.fileSize = content->size();
      end.endCrc = scan.endCrc;
      if (scan.stop || scan.junkAfterEnd) {
        end.tornTail = TailDamage{path, scan.dataEnd, content->size() - scan.dataEnd,
                                  scan.stop.value_or("non-zero bytes after the last record")};
      }
    }
    prevPath = path;
    prev = std::move(scan);
  }
  return end;
}

}  // namespace detcd::wal

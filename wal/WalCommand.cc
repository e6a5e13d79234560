#include "wal/WalCommand.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <ostream>

#include "env/PosixDisk.h"
#include "wal/Payload.h"
#include "wal/WalReader.h"

namespace detcd::wal {
namespace {

/// What a record's data says, or nothing when it does not parse.
std::optional<std::string> describe(const Frame& frame) {
  switch (frame.type) {
    case RecordType::kCrc: {
      const auto c = decodeCrcRecord(frame.data);
      if (!c) return std::nullopt;
      return fmt::format("prev-crc={:#010x} header-bytes={}", c->crc, c->headerBytes);
    }
    case RecordType::kMetadata:
      return fmt::format("metadata-bytes={}", frame.data.size());
    case RecordType::kEntry: {
      const auto e = decodeEntry(frame.data);
      if (!e) return std::nullopt;
      return fmt::format("index={} term={} type={} bytes={}", e->index, e->term, e->type,
                         e->data.size());
    }
    case RecordType::kHardState: {
      const auto h = decodeHardState(frame.data);
      if (!h) return std::nullopt;
      return fmt::format("term={} vote={} commit={}", h->term, h->vote, h->commit);
    }
    case RecordType::kSnapshot: {
      const auto m = decodeSnapshotMarker(frame.data);
      if (!m) return std::nullopt;
      return fmt::format("index={} term={}", m->index, m->term);
    }
  }
  return std::nullopt;
}

int dump(const std::string& dir, std::ostream& out, std::ostream& err) {
  env::PosixDisk disk;
  auto listing = listWal(disk, dir);
  if (!listing) {
    err << "wal dump: " << listing.error().message() << '\n';
    return listing.error().code() == ErrorCode::kCorrupt ? 1 : 2;
  }
  out << fmt::format("wal {}: {} segment(s)\n", dir, listing->segments.size());
  for (const std::string& temp : listing->tempFiles) {
    out << fmt::format("ignored {}: leftover of an interrupted segment cut\n", temp);
  }
  std::uint64_t unparsable = 0;
  const RecordVisitor visit = [&](const std::string& path, const Frame& frame) -> Error {
    const auto details = describe(frame);
    if (!details) ++unparsable;
    out << fmt::format("{} @{} {} len={} crc={:#010x} synced-end={} {}\n", path, frame.offset,
                       toString(frame.type), frame.data.size(), frame.crc, frame.syncedEnd,
                       details.value_or("DAMAGED: data does not parse"));
    return {};
  };
  auto end = readSegments(disk, dir, *listing, 0, visit);
  if (!end) {
    out << fmt::format("DAMAGE: {}\n", end.error().message());
    out << "open() refuses this WAL: the node must not start on it\n";
    return 1;
  }
  if (end->tornTail) {
    out << fmt::format("TORN TAIL: {} at offset {}: {}; open() truncates these {} bytes\n",
                       end->tornTail->file, end->tornTail->offset, end->tornTail->reason,
                       end->tornTail->bytes);
    return 1;
  }
  if (unparsable > 0) {
    out << fmt::format("DAMAGE: {} record(s) with intact CRCs do not parse\n", unparsable);
    return 1;
  }
  out << fmt::format("OK: records end at {} offset {}\n", end->lastPath, end->dataEnd);
  return 0;
}

}  // namespace

void addWalCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode) {
  auto* wal = app.add_subcommand("wal", "Inspect write-ahead logs");
  wal->require_subcommand(1);
  auto* dumpCmd =
      wal->add_subcommand("dump", "Print every record of the WAL in DIR and any damage");
  auto dir = std::make_shared<std::string>();
  dumpCmd->add_option("DIR", *dir, "WAL directory (holding <seq>-<index>.wal segments)")
      ->required();
  dumpCmd->callback([dir, &out, &err, exitCode] { *exitCode = dump(*dir, out, err); });
}

}  // namespace detcd::wal

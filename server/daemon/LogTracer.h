#pragma once
// The real binary's env::Tracer: the node's trace events become log lines.

#include <cstdint>
#include <string>

#include "env/Tracer.h"
#include "server/daemon/Log.h"

namespace detcd::server::daemon {

/// Logs the node's trace events (docs/server.md, "Trace events"; the WAL's and snapshotter's).
/// Levels: node-refused and node-stopped are errors; node-start, snapshots, WAL cuts/releases and
/// torn-tail truncation are info, and so is a raft-state event whose role, term or leader
/// changed; everything else (apply, raft-send/recv, other raft-state changes) is debug. The
/// message is the event kind; the fields become JSON fields.
class LogTracer final : public env::Tracer {
 public:
  explicit LogTracer(Log& log) : log_(log) {}
  void event(std::string_view kind, std::initializer_list<env::TraceField> fields) override;

 private:
  Log& log_;
  std::string role_;  ///< role, term and leader of the last raft-state event
  std::uint64_t term_ = 0;
  std::uint64_t leader_ = 0;
};

}  // namespace detcd::server::daemon

#pragma once
// The detcd server process: one node on a Boost.Asio loop, served over gRPC.

#include "server/daemon/Config.h"
#include "server/daemon/Log.h"

namespace detcd::server::daemon {

/// Runs one member until SIGINT/SIGTERM or until the node stops (removed from the cluster, WAL
/// failure). Threading (DESIGN.md): this thread runs the io_context that drives the node; gRPC's
/// threads only post into it. Returns the process exit status: 0 after a signal, 1 when the data
/// directory cannot be created, the node refuses its data directory (damaged WAL: the reason is
/// logged), a client URL cannot be listened on, or the node stops.
///
/// HTTP endpoints (/health, /metrics: server/http, another branch) hook in here: they get the
/// same io_context and node, and listen on the client URLs' ports (etcd multiplexes them) or on
/// --listen-metrics-urls.
int runDaemon(const Config& config, Log& log);

}  // namespace detcd::server::daemon

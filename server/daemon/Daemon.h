#pragma once
// The detcd server process: one node on a Boost.Asio loop, served over gRPC.

#include "server/daemon/Config.h"
#include "server/daemon/Log.h"

namespace detcd::server::daemon {

/// Runs one member until SIGINT/SIGTERM or until the node stops (removed from the cluster, WAL
/// failure). Threading (DESIGN.md): this thread runs the io_context that drives the node, its
/// peer transport and the HTTP endpoints; gRPC's threads only post into it. /health and /metrics
/// are served on --listen-metrics-urls (server/http). Each heartbeat interval the peer
/// transport is given the members the node added or removed (PeerSync).
///
/// Returns the process exit status: 0 after a signal, and after the member learns it was
/// removed from the cluster (it applied its removal, or its peers refuse it as removed: etcd
/// logs "the member has been permanently removed from the cluster" and exits 0); 1 when the
/// data directory cannot be created, the node refuses its data directory (damaged WAL: the
/// reason is logged), a client URL or a given metrics URL cannot be listened on, or the node
/// stops for another reason (a WAL write or fsync failure).
int runDaemon(const Config& config, Log& log);

}  // namespace detcd::server::daemon

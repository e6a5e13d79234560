#pragma once
// etcd's /health and /metrics for one member, served by an HttpServer.

#include <functional>

#include "env/Clock.h"
#include "env/TcpTransport.h"
#include "server/Node.h"
#include "server/http/HttpServer.h"

namespace detcd::server::http {

/// How long /health waits for its linearizable read (etcd 3.4: one second for its QGET).
inline constexpr env::Nanos kHealthTimeout = std::chrono::seconds(1);

/// etcd 3.4's health check (etcdhttp/metrics.go, checkHealth), answered through `done`:
/// {"health":"true"} with 200 when the member is running, has no active alarm (NOSPACE, CORRUPT,
/// as applied here: NodeStatus::alarms), knows a leader and a linearizable
/// read (a ReadIndex round through the leader, standing in for etcd 3.4's quorum QGET) is
/// answered within kHealthTimeout on `clock`; {"health":"false"} and a newline with 503
/// otherwise (etcd writes the failure with http.Error). Content-Type text/plain as etcd's.
/// `done` runs once, on the node's loop; `node` and `clock` must outlive the timeout.
void checkHealth(Node& node, env::Clock& clock, Respond done);

/// Registers GET /health (checkHealth) and GET /metrics (renderMetrics of node.status() and
/// transportStats(), Content-Type kPrometheusContentType) on `server`. `node`, `clock` and
/// whatever transportStats reads must outlive the server.
void addNodeEndpoints(HttpServer& server, Node& node, env::Clock& clock,
                      std::function<env::TransportStats()> transportStats);

}  // namespace detcd::server::http

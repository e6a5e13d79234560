#include "server/daemon/Daemon.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <climits>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "env/AsioClock.h"
#include "env/PosixDisk.h"
#include "server/Node.h"
#include "server/Quota.h"
#include "server/api/ApiServices.h"
#include "server/http/Endpoints.h"
#include "server/http/HttpServer.h"
#include "proto/serverpb.pb.h"
#include "server/daemon/Identity.h"
#include "server/daemon/LogTracer.h"
#include "server/daemon/PeerTransport.h"

namespace detcd::server::daemon {

namespace {
using nlohmann::json;

std::string hex(std::uint64_t v) { return fmt::format("{:x}", v); }

std::unique_ptr<grpc::Server> startGrpc(const Config& config, api::ApiServices& services,
                                        Log& log) {
  // Debian builds Abseil without NDEBUG, so every gRPC mutex acquisition also maintained a
  // lock-order graph for deadlock detection (a few % of a loaded member's CPU). Off, as in a
  // release build of Abseil.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<int>> ports;
  for (const auto& u : config.listenClientUrls) {
    ports.push_back(std::make_unique<int>(0));
    builder.AddListeningPort(u.hostPort(), grpc::InsecureServerCredentials(), ports.back().get());
  }
  // etcd: requests up to --max-request-bytes plus gRPC's overhead; answers of any size.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<std::uint64_t>(config.settings.maxRequestBytes +
                                                   api::kGrpcOverheadBytes, INT_MAX)));
  builder.SetMaxSendMessageSize(INT_MAX);
  // etcdctl pings every 2 s (--keepalive-time); never answer client pings with GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  services.registerWith(builder);
  auto server = builder.BuildAndStart();
  if (!server) {
    log.error("cannot serve client requests", {{"listen-client-urls",
                                                config.settings.listenClientUrls}});
    return nullptr;
  }
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (*ports[i] == 0) {
      log.error("cannot listen on a client URL", {{"url", config.listenClientUrls[i].str()}});
      server->Shutdown();
      return nullptr;
    }
  }
  return server;
}

/// Starts one HttpServer per --listen-metrics-urls into `servers`, serving /health and /metrics.
/// False (logged) when a given URL cannot be listened on: fatal, as etcd's listener errors; the
/// derived default only logs a warning.
bool startHttp(boost::asio::io_context& io, const Config& config, Node& node, env::Clock& clock,
               env::TcpTransport& transport, Log& log,
               std::vector<std::unique_ptr<http::HttpServer>>& servers) {
  for (const auto& u : config.listenMetricsUrls) {
    http::HttpServerOptions options;
    options.listenUrl = u.str();
    auto server = std::make_unique<http::HttpServer>(io, options);
    http::addNodeEndpoints(*server, node, clock, [&transport] { return transport.stats(); });
    try {
      server->start();
    } catch (const std::runtime_error& e) {
      if (!config.metricsUrlsDefaulted) {
        log.error("cannot serve /health and /metrics", {{"error", e.what()}});
        return false;
      }
      log.warn("cannot serve /health and /metrics on the default URL; set "
               "--listen-metrics-urls", {{"error", e.what()}});
      continue;
    }
    servers.push_back(std::move(server));
  }
  return true;
}
}  // namespace

int runDaemon(const Config& flags, Log& log) {
  for (const auto& w : flags.warnings) log.warn(w, json::object());
  env::PosixDisk disk;
  // Who this member is: from its data directory, from the running members, or from the flags.
  Config config;
  std::vector<std::string> notes;
  try {
    config = identify(flags, disk, std::chrono::seconds(2), &notes);
  } catch (const std::runtime_error& e) {
    log.error("cannot start the member", {{"error", e.what()}});
    return 1;
  }
  for (const auto& n : notes) log.info(n, json::object());
  const auto& s = config.settings;
  log.info("starting detcd", {{"data-dir", config.dataDir},
                              {"member-id", hex(config.memberId)},
                              {"cluster-id", hex(config.clusterId)},
                              {"initial-cluster-state", s.initialClusterState},
                              {"listen-client-urls", s.listenClientUrls},
                              {"listen-metrics-urls", config.listenMetricsUrls.front().str()},
                              {"advertise-client-urls", s.advertiseClientUrls},
                              {"heartbeat-interval-ms", s.heartbeatIntervalMs},
                              {"election-timeout-ms", s.electionTimeoutMs},
                              {"snapshot-count", s.snapshotCount},
                              {"max-request-bytes", s.maxRequestBytes},
                              {"max-txn-ops", s.maxTxnOps}});
  // As etcd's NewBackendQuota logs it.
  if (s.quotaBackendBytes < 0) {
    log.info("disabled backend quota", {{"quota-size-bytes", s.quotaBackendBytes}});
  } else if (s.quotaBackendBytes > BackendQuota::kMaxRecommendedBytes) {
    log.warn("quota exceeds the maximum value", {{"quota-size-bytes", s.quotaBackendBytes},
                                                 {"quota-maximum-size-bytes",
                                                  BackendQuota::kMaxRecommendedBytes}});
  } else {
    log.info(s.quotaBackendBytes == 0 ? "enabled backend quota with default value"
                                      : "enabled backend quota",
             {{"quota-size-bytes", BackendQuota(s.quotaBackendBytes).limit()}});
  }
  std::error_code ec;
  std::filesystem::create_directories(config.dataDir, ec);
  if (ec) {
    log.error("cannot create the data directory", {{"data-dir", config.dataDir},
                                                   {"error", ec.message()}});
    return 1;
  }

  boost::asio::io_context io;
  env::AsioClock clock(io);
  LogTracer tracer(log);
  env::NoBuggify buggify;
  std::unique_ptr<env::TcpTransport> transport;
  try {
    transport = makePeerTransport(io, config);
  } catch (const std::runtime_error& e) {
    log.error("cannot start the peer transport", {{"error", e.what()}});
    return 1;
  }
  env::Env env{clock, *transport, disk, tracer, buggify, std::random_device{}()};
  std::unique_ptr<Node> node;
  try {
    node = std::make_unique<Node>(env, config.nodeConfig());
  } catch (const std::invalid_argument& e) {
    log.error("invalid member configuration", {{"error", e.what()}});
    return 1;
  }
  if (node->stopped()) {
    log.error("refusing to start: the data directory cannot be used",
              {{"data-dir", config.dataDir}, {"reason", node->status().stopReason}});
    return 1;
  }

  log.info("publishing this member's name and client URLs through Raft; clients are served "
           "once they are applied", {{"advertise-client-urls", s.advertiseClientUrls}});
  api::ApiServices services(io, *node, api::ApiOptions{});
  std::unique_ptr<grpc::Server> server;
  std::vector<std::unique_ptr<http::HttpServer>> httpServers;
  // As etcd (its client listeners serve once ReadyNotify fires): clients are served once the
  // member's attributes are published, so that a member that answers lists every member that
  // answers, with its name and client URLs.
  const auto serveClients = [&] {
    server = startGrpc(config, services, log);
    if (!server) return false;
    // After gRPC, so that the default metrics URL never takes a port meant for clients.
    if (!startHttp(io, config, *node, clock, *transport, log, httpServers)) return false;
    log.info("ready to serve client requests", {{"listen-client-urls", s.listenClientUrls}});
    return true;
  };

  // Shutting down: gRPC's Shutdown waits for calls in flight, which the node (still running on
  // this loop) answers; then the loop stops.
  int exitCode = 0;
  std::thread stopper;
  const auto shutdown = [&](int code) {
    if (stopper.joinable()) return;
    exitCode = code;
    stopper = std::thread([&] {
      if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      boost::asio::post(io, [&] { io.stop(); });
    });
  };
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& err, int signo) {
    if (err) return;
    log.info("received signal; shutting down", {{"signal", signo}});
    shutdown(0);
  });
  // etcd's member stops when its peers answer 410 Gone: it was removed while away.
  transport->setRemovedHandler([&](env::NodeId by) {
    log.warn("the member has been permanently removed from the cluster; exiting",
             {{"removed-by", hex(by)}});
    shutdown(0);
  });
  PeerSync peerSync(*transport, config.memberId, initialPeers(config), log);
  // A member joining with --initial-cluster-state existing asks for this list (identify()).
  transport->setMembersProvider([&] {
    serverpb::ClusterMembers cm;
    cm.set_cluster_id(node->status().clusterId);
    for (const NodePeer& p : node->peers()) {
      if (p.removed) continue;
      auto* m = cm.add_members();
      m->set_id(p.id);
      m->set_peer_url(p.peerUrl);
    }
    return cm.SerializeAsString();
  });
  // Each heartbeat interval: the transport follows the membership the node applied (added and
  // removed members), clients are served once the member published, and the process ends once
  // the node stopped for good: removed from the cluster (etcd exits 0 then) or a WAL failure
  // (fail-stop: 1).
  boost::asio::steady_timer watchdog(io);
  bool serving = false;
  std::function<void()> check = [&] {
    peerSync.update(node->peers());
    // Not once shutting down: the stopper thread reads `server`.
    if (!serving && !stopper.joinable() && !node->stopped() && node->published()) {
      serving = true;
      if (!serveClients()) return shutdown(1);
    }
    if (node->stopped()) {
      const NodeStatus st = node->status();
      if (st.removed) {
        log.warn("the member has been permanently removed from the cluster; exiting",
                 json::object());
        return shutdown(0);
      }
      log.error("member stopped; exiting", {{"reason", st.stopReason}});
      return shutdown(1);
    }
    watchdog.expires_after(std::chrono::milliseconds(s.heartbeatIntervalMs));
    watchdog.async_wait([&](const boost::system::error_code& err) {
      if (!err) check();
    });
  };
  check();
  io.run();
  if (stopper.joinable()) stopper.join();
  server.reset();
  httpServers.clear();
  log.info("stopped", json::object());
  return exitCode;
}

}  // namespace detcd::server::daemon

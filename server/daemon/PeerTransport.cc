#include "server/daemon/PeerTransport.h"

#include <stdexcept>

// env/TcpTransport comes from another branch (wip/peer); once merged, clusters with peers use it
// without any other change here.
#if __has_include("env/TcpTransport.h")
#include "env/TcpTransport.h"
#define DETCD_HAVE_TCP_TRANSPORT 1
#endif

namespace detcd::server::daemon {

std::unique_ptr<env::Transport> makePeerTransport(boost::asio::io_context& io,
                                                  const Config& config) {
  const bool alone = config.initialCluster.size() == 1 &&
                     config.settings.initialClusterState == "new";
  if (alone) return std::make_unique<NoPeers>(config.memberId);
#ifdef DETCD_HAVE_TCP_TRANSPORT
  // The peers are the other --initial-cluster members (a joining member lists the running ones
  // too). Members added later need setPeer() when their configuration change applies: the node
  // has no hook for that yet.
  env::TcpTransportOptions options;
  options.self = config.memberId;
  options.clusterToken = config.settings.initialClusterToken;
  options.listenUrl = config.listenPeerUrls.front().str();
  for (const auto& m : config.initialCluster) {
    if (m.id != config.memberId) options.peerUrls[m.id] = m.peerUrls.front();
  }
  auto transport = std::make_unique<env::TcpTransport>(io, std::move(options));
  transport->start();  // throws std::runtime_error naming the address it cannot bind
  return transport;
#else
  (void)io;
  throw std::runtime_error(
      "a cluster with peers needs the TCP peer transport (env/TcpTransport), which this build "
      "does not include yet; start a single member (one --initial-cluster entry, state new)");
#endif
}

}  // namespace detcd::server::daemon

#include "server/daemon/PeerTransport.h"

#include <stdexcept>

namespace detcd::server::daemon {

std::unique_ptr<env::Transport> makePeerTransport(boost::asio::io_context&,
                                                  const Config& config) {
  const bool alone = config.initialCluster.size() == 1 &&
                     config.settings.initialClusterState == "new";
  if (alone) return std::make_unique<NoPeers>(config.memberId);
  throw std::runtime_error(
      "a cluster with peers needs the TCP peer transport (env/TcpTransport), which this build "
      "does not include yet; start a single member (one --initial-cluster entry, state new)");
}

}  // namespace detcd::server::daemon

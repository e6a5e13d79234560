#include "server/daemon/PeerTransport.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace detcd::server::daemon {

std::map<std::uint64_t, std::string> initialPeers(const Config& config) {
  std::map<std::uint64_t, std::string> peers;
  for (const auto& m : config.initialCluster) {
    if (m.id != config.memberId) peers[m.id] = m.peerUrls.front();
  }
  return peers;
}

std::unique_ptr<env::TcpTransport> makePeerTransport(boost::asio::io_context& io,
                                                     const Config& config) {
  // The peers are the other --initial-cluster members (a joining member's are those the running
  // members listed, identify()); a restarted member's, and members added later, come through
  // PeerSync.
  env::TcpTransportOptions options;
  options.self = config.memberId;
  options.clusterToken = config.settings.initialClusterToken;
  options.listenUrl = config.listenPeerUrls.front().str();
  options.peerUrls = initialPeers(config);
  auto transport = std::make_unique<env::TcpTransport>(io, std::move(options));
  transport->start();  // throws std::runtime_error naming the address it cannot bind
  return transport;
}

PeerSync::PeerSync(env::TcpTransport& transport, std::uint64_t self,
                   std::map<std::uint64_t, std::string> initial, Log& log)
    : transport_(transport), self_(self), known_(std::move(initial)), log_(log) {}

void PeerSync::update(const std::vector<NodePeer>& peers) {
  for (const NodePeer& p : peers) {
    if (p.id == self_) continue;
    const std::string id = fmt::format("{:x}", p.id);
    if (p.removed) {
      if (removed_.insert(p.id).second) {
        known_.erase(p.id);
        transport_.removePeer(p.id);
        log_.info("removed a member from the peer transport", {{"peer-id", id}});
      }
      continue;
    }
    if (p.peerUrl.empty()) continue;
    const auto it = known_.find(p.id);
    if (it != known_.end() && it->second == p.peerUrl) continue;
    try {
      transport_.setPeer(p.id, p.peerUrl);
      known_[p.id] = p.peerUrl;
      log_.info("added a member to the peer transport", {{"peer-id", id},
                                                         {"peer-url", p.peerUrl}});
    } catch (const std::invalid_argument& e) {
      // A peer URL MemberAdd accepted but the transport cannot use (https): said once.
      known_[p.id] = p.peerUrl;
      log_.error("cannot reach an added member", {{"peer-id", id}, {"peer-url", p.peerUrl},
                                                  {"error", e.what()}});
    }
  }
}

}  // namespace detcd::server::daemon

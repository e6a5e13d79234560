#pragma once
// The one place where the daemon chooses its peer transport (env::Transport).

#include <memory>

#include "env/Transport.h"
#include "server/daemon/Config.h"

namespace boost::asio {
class io_context;
}

namespace detcd::server::daemon {

/// A member alone in its cluster: a single voter needs no peers, so nothing is ever sent and
/// nothing arrives. Sends are dropped (the node never sends with no peers configured).
class NoPeers final : public env::Transport {
 public:
  explicit NoPeers(env::NodeId self) : self_(self) {}
  env::NodeId self() const override { return self_; }
  void send(env::NodeId, std::string) override {}
  void setReceiver(Receiver) override {}

 private:
  env::NodeId self_;
};

/// The transport for `config`'s member, on `io`: NoPeers when the initial cluster is this
/// member alone and it bootstraps ("new"); otherwise env::TcpTransport (when the build has it:
/// another branch) listening on the first --listen-peer-urls, with the other --initial-cluster
/// members as peers and the cluster token, started. Throws std::runtime_error when it cannot
/// listen, or, without env/TcpTransport, saying that a cluster with peers needs it.
std::unique_ptr<env::Transport> makePeerTransport(boost::asio::io_context& io,
                                                  const Config& config);

}  // namespace detcd::server::daemon

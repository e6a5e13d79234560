#pragma once
// The one place where the daemon chooses its peer transport (env::Transport), and keeps the
// transport's peers in step with the membership the node applies.

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "env/TcpTransport.h"
#include "env/Transport.h"
#include "server/Node.h"
#include "server/daemon/Config.h"
#include "server/daemon/Log.h"

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
/// member alone and it bootstraps ("new"); otherwise env::TcpTransport listening on the first
/// --listen-peer-urls, with initialPeers() and the cluster token, started. Throws
/// std::runtime_error when it cannot listen. A member started alone gets no peers until it is
/// restarted (etcd's single member can grow with MemberAdd at once; detcd's once restarted: a
/// restarted member always uses a TCP transport, which follows its membership).
std::unique_ptr<env::Transport> makePeerTransport(boost::asio::io_context& io,
                                                  const Config& config);

/// Gives a TcpTransport the members the node adds and removes at run time, as etcd's apply
/// loop calls rafthttp's AddPeer and RemovePeer: a listed member other than this one whose peer
/// URL the transport does not have yet gets setPeer(); a removed member that Raft's
/// configuration no longer mentions (NodePeer::removed) gets removePeer(), once. A member the
/// node does not list is left alone: a joining member lists nobody until the leader tells it
/// the membership, and its --initial-cluster peers must stay reachable meanwhile.
class PeerSync {
 public:
  /// `initial`: the peers the transport was started with (ID -> peer URL).
  PeerSync(env::TcpTransport& transport, std::uint64_t self,
           std::map<std::uint64_t, std::string> initial, Log& log);
  /// Applies `peers` (Node::peers()); call it on the transport's io_context.
  void update(const std::vector<NodePeer>& peers);

 private:
  env::TcpTransport& transport_;
  std::uint64_t self_;
  std::map<std::uint64_t, std::string> known_;  ///< peers given to the transport, ID -> URL
  std::set<std::uint64_t> removed_;  ///< IDs given to removePeer
  Log& log_;
};

/// The --initial-cluster members other than `config`'s, ID -> first peer URL (after identify():
/// for a joining member the members it was told, for a restarted one those its flags or the
/// running members describe, possibly none: PeerSync gives those the node applied).
std::map<std::uint64_t, std::string> initialPeers(const Config& config);

}  // namespace detcd::server::daemon

#pragma once
// The one place where the daemon makes its peer transport (env::TcpTransport), and keeps the
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

/// The transport for `config`'s member, on `io`: env::TcpTransport listening on the first
/// --listen-peer-urls, with initialPeers() and the cluster token, started. Throws
/// std::runtime_error when it cannot listen. Every member listens for peers, a member alone in
/// its cluster too (as etcd's): it can grow with MemberAdd, its new members reaching it through
/// PeerSync.
std::unique_ptr<env::TcpTransport> makePeerTransport(boost::asio::io_context& io,
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

#pragma once
// The real Transport: members exchange length-prefixed frames over TCP on their peer URLs
// (etcd's rafthttp, without HTTP). docs/server.md, "Peer transport and HTTP endpoints",
// describes the wire format and the connection rules.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "env/Time.h"
#include "env/Transport.h"

namespace boost::asio {
class io_context;
}

namespace detcd::env {

/// What a TcpTransport is given. Durations are nanoseconds; sizes are bytes.
struct TcpTransportOptions {
  /// This member's ID (never 0).
  NodeId self = 0;
  /// etcd's --initial-cluster-token. Both ends of a connection must hold the same one: a member
  /// of another cluster is refused (etcd's rafthttp refuses a mismatched X-Etcd-Cluster-ID).
  std::string clusterToken;
  /// Where to accept peers: "http://IP:PORT" (etcd's --listen-peer-urls; port 0 picks a free
  /// port, see TcpTransport::listenPort()). "https" is refused: there is no TLS.
  std::string listenUrl = "http://127.0.0.1:2380";
  /// The other members' peer URLs ("http://HOST:PORT"; a host name is resolved at each connect).
  /// Only these members may connect to this one (etcd accepts streams from known members only).
  std::map<NodeId, std::string> peerUrls;
  /// Wait after a failed connection before the next attempt: minBackoff at first, doubled after
  /// each failure up to maxBackoff, back to minBackoff after a successful handshake.
  Nanos minBackoff = std::chrono::milliseconds(50);
  Nanos maxBackoff = std::chrono::seconds(2);
  /// Bound on the bytes queued for one peer and not yet written to its socket (frames with
  /// their 4-byte prefix). When a message would exceed it, the OLDEST queued messages are
  /// dropped until it fits (see TcpTransport).
  std::size_t maxQueuedBytes = 64u << 20;
  /// Largest payload of one frame, both ways. A message larger than this is dropped by send()
  /// with a logged error; a peer announcing a larger frame is disconnected with a logged error.
  /// A Raft snapshot travels as one message, so this bounds the state that can be sent.
  std::size_t maxFrameBytes = 512u << 20;
  /// A connection that has not completed its handshake after this long is closed (both sides).
  Nanos handshakeTimeout = std::chrono::seconds(5);
};

/// Counters of one peer (etcd's rafthttp metrics, labelled To / From by member ID).
struct PeerStats {
  std::uint64_t messagesSent = 0;      ///< messages whose bytes were written to the socket
  std::uint64_t bytesSent = 0;         ///< payload bytes of those messages
  std::uint64_t messagesReceived = 0;  ///< messages delivered (or dropped for lack of receiver)
  std::uint64_t bytesReceived = 0;     ///< payload bytes of those messages
  std::uint64_t messagesDropped = 0;   ///< queued for this peer and never written
  bool connected = false;              ///< the outbound connection completed its handshake
};

/// Counters of a TcpTransport since start (etcd_network_* metrics). Totals over all peers,
/// including members removed since.
struct TransportStats {
  std::uint64_t messagesSent = 0;
  std::uint64_t bytesSent = 0;
  std::uint64_t messagesReceived = 0;
  std::uint64_t bytesReceived = 0;
  /// Messages never written: to an unknown or unreachable peer, over the queue bound, over
  /// the frame limit, or queued when the connection broke.
  std::uint64_t messagesDropped = 0;
  /// Connections refused while handshaking (wrong token, unknown or removed member, garbage)
  /// or closed for an oversized frame, both directions.
  std::uint64_t connectionsRefused = 0;
  /// Peers whose outbound connection is up (etcd_network_active_peers).
  std::size_t peersConnected = 0;
  /// By member ID: every peer known since start(), and any other that something was sent to or
  /// received from.
  std::map<NodeId, PeerStats> peers;
};

/// env::Transport over TCP, on the node's Boost.Asio io_context. Single-threaded: every method
/// is called, and every receiver call made, on the io_context's thread.
///
/// Connections. One outbound connection per known peer, opened at start() (or setPeer()) and
/// kept open: a failed or broken connection is retried after an exponential backoff. Its first
/// frame is a handshake naming the sender, the intended receiver and the cluster token; the
/// receiver answers "ok" or a reason and closes. Refusals (logged with the reason on both sides):
/// a wrong cluster token, a connection meant for another member ID, a sender that is not a
/// known member (etcd accepts peers from its member list only; members become known through
/// setPeer()), a removed member, a malformed handshake. A peer's messages to this member arrive
/// on the connection the peer opened, so each direction keeps its own order.
///
/// Frames: a 4-byte big-endian payload length, then the payload (at most maxFrameBytes). A frame
/// announcing more closes the connection with a logged error: the stream cannot be resynced.
///
/// Loss (the Transport contract: no delivery promise). send() queues; the queue of one peer is
/// bounded by maxQueuedBytes and drops its OLDEST messages first, because a newer Raft message
/// supersedes older ones (a later heartbeat, vote or append carries the newer term and commit
/// index, and Raft re-sends what a follower lacks), whereas keeping stale messages would delay
/// the fresh ones behind them (etcd's rafthttp drops the newest instead, from a full channel).
/// Messages to a peer whose connection failed, and those queued when it breaks, are dropped
/// (etcd reports such a peer unreachable and drops too): Raft retries on its own schedule.
class TcpTransport final : public Transport {
 public:
  /// Checks the options: throws std::invalid_argument naming the problem for self 0, a peer ID
  /// of 0 or self, a malformed URL (listen or peer), minBackoff <= 0 or > maxBackoff.
  TcpTransport(boost::asio::io_context& io, TcpTransportOptions options);
  /// Closes every connection; handlers still queued on the io_context do nothing. The
  /// io_context must outlive the transport.
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  /// Binds and listens on listenUrl and starts connecting to the peers. Throws
  /// std::runtime_error naming the address when it cannot bind (in use, not local, bad host).
  void start();
  /// The port listened on (the one chosen for port 0); 0 before start().
  std::uint16_t listenPort() const;

  /// Adds member `id` at `url`, or moves it to a new URL (reconnecting). Makes it known, also
  /// when it had been removed. Throws std::invalid_argument for id 0, self, or a bad URL.
  void setPeer(NodeId id, const std::string& url);
  /// Forgets member `id`: its queue is dropped, its connections closed, and it is refused from
  /// now on as a removed member (etcd answers a removed member's streams 410 Gone).
  void removePeer(NodeId id);

  NodeId self() const override;
  /// Queues `payload` for member `to` (see the class comment for when it is dropped instead).
  /// Before start() there is no connection: every message is dropped.
  void send(NodeId to, std::string payload) override;
  void setReceiver(Receiver receiver) override;

  /// Called with the peer's ID each time a peer refuses this member's connection because it
  /// removed this member from the cluster (removePeer on its side). etcd's member stops then
  /// ("the member has been permanently removed from the cluster", on its peers' 410 Gone): the
  /// binary should stop the node. Runs on the io_context; it may destroy this transport.
  using RemovedHandler = std::function<void(NodeId by)>;
  void setRemovedHandler(RemovedHandler handler);

  /// Answers member-list queries (fetchMembers()) on the peer listener with what `provider`
  /// returns (opaque bytes; the daemon's serverpb::ClusterMembers), called on the io_context
  /// once per query. Queries are refused ("no member list here") while no provider is set. etcd
  /// serves GET /members on its peer listener for the same purpose; like etcd's, the query
  /// needs no cluster token.
  using MembersProvider = std::function<std::string()>;
  void setMembersProvider(MembersProvider provider);

  /// Counters for metrics (a copy).
  TransportStats stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

/// Asks the member whose peer transport listens at `url` ("http://HOST:PORT") for its member list
/// (the bytes its MembersProvider returns): what a member started with --initial-cluster-state
/// existing does to learn its own ID and the cluster's (etcd's GetClusterFromRemotePeers, over
/// GET /members). Blocks the calling thread for up to `timeout` on a private io_context; use it
/// before the node's loop runs. Throws std::runtime_error naming the URL and the reason: no
/// answer, refused, not a detcd peer, or a bad URL.
std::string fetchMembers(const std::string& url, Nanos timeout);

/// A parsed peer (or metrics) URL. Accepts "http://HOST:PORT" (HOST an IPv4 address, a name, or
/// an IPv6 address in brackets; PORT 0..65535; a trailing "/" allowed). Throws
/// std::invalid_argument naming the URL and the problem otherwise ("https" included: no TLS).
struct PeerAddress {
  std::string host;
  std::uint16_t port = 0;
  static PeerAddress parse(const std::string& url);
};

}  // namespace detcd::env

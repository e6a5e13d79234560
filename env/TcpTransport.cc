#include "env/TcpTransport.h"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <charconv>
#include <deque>
#include <set>
#include <stdexcept>
#include <vector>

#include "env/Listener.h"

namespace detcd::env {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// First bytes of every handshake: names the protocol and its version.
constexpr std::string_view kMagic{"detcdp1\n", 8};
/// The whole first frame of a member-list query (fetchMembers): answered, then closed.
constexpr std::string_view kMembersQuery{"detcdm1\n", 8};
/// Bound on a member-list answer a querier accepts.
constexpr std::size_t kMaxMembersBytes = 16u << 20;
constexpr std::size_t kHeaderBytes = 4;
/// A handshake is the magic, two member IDs and a token: anything longer is not one of ours.
constexpr std::size_t kMaxHandshakeBytes = 4096;
constexpr char kAccept = 'A';
/// Inbound reads ask for up to this much at a time (a buffer grows only for a larger frame).
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr char kRefuse = 'R';
/// Refused because the sender was removed from the cluster (etcd's 410 Gone).
constexpr char kGone = 'G';

std::string hexId(NodeId id) { return fmt::format("{:x}", id); }

void putU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void putU64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
std::uint64_t getBigEndian(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

/// A frame: the payload's length (4 bytes, big-endian), then the payload.
std::string frame(std::string_view payload) {
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  putU32(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

std::string handshake(NodeId from, NodeId to, const std::string& token) {
  std::string body(kMagic);
  putU64(body, from);
  putU64(body, to);
  body += token;
  return frame(body);
}

std::string endpointName(const tcp::socket& socket) {
  error_code ec;
  const tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "an unknown address";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

PeerAddress PeerAddress::parse(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("invalid URL \"" + url + "\": " + why);
  };
  constexpr std::string_view kScheme = "http://";
  std::string_view rest = url;
  if (rest.starts_with("https://")) throw bad("https is not supported (no TLS); use http://");
  if (!rest.starts_with(kScheme)) throw bad("expected http://HOST:PORT");
  rest.remove_prefix(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) throw bad("no port");
  std::string_view host = rest.substr(0, colon);
  const std::string_view port = rest.substr(colon + 1);
  if (host.starts_with('[')) {
    if (!host.ends_with(']')) throw bad("unterminated IPv6 address");
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) throw bad("no host");
  if (host.find_first_of("/?#@[] ") != std::string_view::npos) throw bad("malformed host");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    throw bad("port must be a number from 0 to 65535");
  }
  return PeerAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

class TcpTransport::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, TcpTransportOptions options)
      : io_(io), opts_(std::move(options)), acceptor_(io), acceptRetry_(io) {}

  /// One outbound connection to a peer, with its queue. Replaced (never reused) when the peer
  /// moves or is removed; handlers of an old attempt or a closed peer do nothing.
  struct Outbound {
    Outbound(asio::io_context& io, NodeId peer, std::string peerUrl, PeerAddress address)
        : id(peer), url(std::move(peerUrl)), addr(std::move(address)), socket(io),
          resolver(io), timer(io) {}
    enum class State { kIdle, kConnecting, kConnected, kBackoff, kClosed };
    NodeId id;
    std::string url;
    PeerAddress addr;
    tcp::socket socket;
    tcp::resolver resolver;
    asio::steady_timer timer;  ///< handshake deadline, then backoff
    State state = State::kIdle;
    std::uint64_t attempt = 0;   ///< handlers of older attempts are stale
    Nanos backoff{0};
    bool everConnected = false;
    bool loggedFailure = false;  ///< one warning per outage, not one per attempt
    std::deque<std::string> queue;  ///< frames not yet handed to the socket
    std::size_t queuedBytes = 0;
    std::vector<std::string> writing;  ///< frames of the write in flight
    std::array<char, kHeaderBytes> header{};
    std::string reply;
    char probe = 0;  ///< the byte a connected peer never sends: its read detects a close
  };

  /// One connection a peer opened to this member.
  struct Inbound {
    Inbound(tcp::socket s, asio::io_context& io) : socket(std::move(s)), timer(io) {}
    std::uint64_t id = 0;
    tcp::socket socket;
    asio::steady_timer timer;
    std::string remote;
    NodeId from = 0;  ///< 0 until the handshake is accepted
    std::vector<char> buf = std::vector<char>(kReadChunk);  ///< bytes read, [begin, end) unparsed
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string reply;
  };

  void validate() {
    if (opts_.self == 0) throw std::invalid_argument("TcpTransport: member ID 0 is not valid");
    (void)PeerAddress::parse(opts_.listenUrl);
    if (opts_.minBackoff <= Nanos::zero() || opts_.minBackoff > opts_.maxBackoff) {
      throw std::invalid_argument("TcpTransport: need 0 < minBackoff <= maxBackoff");
    }
    for (const auto& [id, url] : opts_.peerUrls) checkPeer(id, url);
  }

  void checkPeer(NodeId id, const std::string& url) const {
    if (id == 0) throw std::invalid_argument("TcpTransport: peer ID 0 is not valid");
    if (id == opts_.self) {
      throw std::invalid_argument("TcpTransport: peer " + hexId(id) + " is this member");
    }
    (void)PeerAddress::parse(url);
  }

  void start() {
    port_ = listenOn(acceptor_, opts_.listenUrl, "peers");
    started_ = true;
    spdlog::info("listening for peers on {} (port {}; member {})", opts_.listenUrl, port_,
                 hexId(opts_.self));
    accept();
    for (const auto& [id, url] : opts_.peerUrls) setPeer(id, url);
  }

  void close() {
    closed_ = true;
    receiver_ = nullptr;
    error_code ec;
    acceptor_.close(ec);
    acceptRetry_.cancel();
    for (auto& [id, out] : outbound_) shut(*out);
    for (auto& [id, in] : inbound_) shutIn(*in);
    outbound_.clear();
    inbound_.clear();
  }

  // --- peers ---

  void setPeer(NodeId id, const std::string& url) {
    checkPeer(id, url);
    removed_.erase(id);
    opts_.peerUrls[id] = url;
    if (!started_) return;
    auto it = outbound_.find(id);
    if (it != outbound_.end()) {
      if (it->second->url == url) return;
      dropQueue(*it->second);
      shut(*it->second);
      outbound_.erase(it);
    }
    auto out = std::make_shared<Outbound>(io_, id, url, PeerAddress::parse(url));
    out->backoff = opts_.minBackoff;
    outbound_.emplace(id, out);
    connect(out);
  }

  void removePeer(NodeId id) {
    opts_.peerUrls.erase(id);
    removed_.insert(id);
    if (auto it = outbound_.find(id); it != outbound_.end()) {
      dropQueue(*it->second);
      shut(*it->second);
      outbound_.erase(it);
    }
    for (auto it = inbound_.begin(); it != inbound_.end();) {
      if (it->second->from == id) {
        shutIn(*it->second);
        it = inbound_.erase(it);
      } else {
        ++it;
      }
    }
    spdlog::info("removed peer {}", hexId(id));
  }

  // --- sending ---

  void send(NodeId to, std::string payload) {
    if (closed_) return;
    auto it = outbound_.find(to);
    if (payload.size() > opts_.maxFrameBytes) {
      spdlog::error("dropped a message of {} bytes to member {}: over the frame limit of {} bytes",
                    payload.size(), hexId(to), opts_.maxFrameBytes);
      ++stats_.messagesDropped;
      ++stats_.peers[to].messagesDropped;
      return;
    }
    if (it == outbound_.end()) {
      // Unknown, or before start(): nowhere to send it.
      ++stats_.messagesDropped;
      ++stats_.peers[to].messagesDropped;
      spdlog::debug("dropped a message to member {}: no connection to it", hexId(to));
      return;
    }
    Outbound& out = *it->second;
    if (out.state == Outbound::State::kBackoff || out.state == Outbound::State::kClosed) {
      ++stats_.messagesDropped;  // unreachable: a lost message, as etcd's rafthttp drops it
      ++stats_.peers[to].messagesDropped;
      return;
    }
    std::string f = frame(payload);
    while (!out.queue.empty() && out.queuedBytes + f.size() > opts_.maxQueuedBytes) {
      out.queuedBytes -= out.queue.front().size();
      out.queue.pop_front();
      ++stats_.messagesDropped;
      ++stats_.peers[to].messagesDropped;
    }
    out.queuedBytes += f.size();
    out.queue.push_back(std::move(f));
    flush(it->second);
  }

  void connect(const std::shared_ptr<Outbound>& out) {
    out->state = Outbound::State::kConnecting;
    const std::uint64_t attempt = ++out->attempt;
    auto self = shared_from_this();
    out->timer.expires_after(opts_.handshakeTimeout);
    out->timer.async_wait([this, self, out, attempt](const error_code& ec) {
      if (ec || stale(*out, attempt)) return;
      failOutbound(out, "no handshake answer within " +
                            std::to_string(opts_.handshakeTimeout.count() / 1'000'000) + " ms");
    });
    out->resolver.async_resolve(
        out->addr.host, std::to_string(out->addr.port),
        [this, self, out, attempt](const error_code& ec, tcp::resolver::results_type results) {
          if (stale(*out, attempt)) return;
          if (ec) return failOutbound(out, "resolving " + out->addr.host + ": " + ec.message());
          const auto connected = [this, self, out, attempt](const error_code& cec,
                                                            const tcp::endpoint&) {
            if (stale(*out, attempt)) return;
            if (cec) return failOutbound(out, cec.message());
            sendHandshake(out, attempt);
          };
          asio::async_connect(out->socket, results, connected);
        });
  }

  void sendHandshake(const std::shared_ptr<Outbound>& out, std::uint64_t attempt) {
    error_code ignored;
    (void)out->socket.set_option(tcp::no_delay(true), ignored);
    auto hello = std::make_shared<std::string>(handshake(opts_.self, out->id, opts_.clusterToken));
    auto self = shared_from_this();
    asio::async_write(out->socket, asio::buffer(*hello),
                      [this, self, out, attempt, hello](const error_code& ec, std::size_t) {
                        if (stale(*out, attempt)) return;
                        if (ec) return failOutbound(out, ec.message());
                        readReply(out, attempt);
                      });
  }

  void readReply(const std::shared_ptr<Outbound>& out, std::uint64_t attempt) {
    auto self = shared_from_this();
    asio::async_read(
        out->socket, asio::buffer(out->header),
        [this, self, out, attempt](const error_code& ec, std::size_t) {
          if (stale(*out, attempt)) return;
          if (ec) return failOutbound(out, "no handshake answer: " + ec.message());
          const std::uint64_t len = getBigEndian(out->header.data(), 4);
          if (len == 0 || len > kMaxHandshakeBytes) {
            return failOutbound(out, "malformed handshake answer (" + std::to_string(len) +
                                         " bytes): not a detcd peer?");
          }
          out->reply.assign(len, '\0');
          asio::async_read(out->socket, asio::buffer(out->reply),
                           [this, self, out, attempt](const error_code& rec, std::size_t) {
                             if (stale(*out, attempt)) return;
                             if (rec) {
                               return failOutbound(out, "no handshake answer: " + rec.message());
                             }
                             onReply(out, attempt);
                           });
        });
  }

  void onReply(const std::shared_ptr<Outbound>& out, std::uint64_t attempt) {
    if (out->reply[0] != kAccept) {
      ++stats_.connectionsRefused;
      const bool gone = out->reply[0] == kGone;
      const std::string reason =
          out->reply[0] == kRefuse || gone ? out->reply.substr(1) : "malformed answer";
      if (!out->loggedFailure) {
        spdlog::error("member {} at {} refused our connection: {}", hexId(out->id), out->url,
                      reason);
      }
      out->loggedFailure = true;  // said loudly once per outage; the retries stay quiet
      failOutbound(out, "refused: " + reason);
      if (gone && removedHandler_ && !closed_) {
        RemovedHandler handler = removedHandler_;  // it may destroy this transport
        handler(out->id);
      }
      return;
    }
    out->timer.cancel();
    out->state = Outbound::State::kConnected;
    out->backoff = opts_.minBackoff;
    out->loggedFailure = false;
    out->everConnected = true;
    spdlog::info("connected to peer {} at {}", hexId(out->id), out->url);
    // The peer never writes after its answer: this read ends only when the connection does.
    auto self = shared_from_this();
    out->socket.async_read_some(asio::buffer(&out->probe, 1),
                                [this, self, out, attempt](const error_code& ec, std::size_t) {
                                  if (stale(*out, attempt)) return;
                                  failOutbound(out, ec ? ec.message() : "unexpected data");
                                });
    flush(out);
  }

  void flush(const std::shared_ptr<Outbound>& out) {
    if (out->state != Outbound::State::kConnected || !out->writing.empty() || out->queue.empty()) {
      return;
    }
    // Everything queued in one write: batches of small Raft messages cost one system call.
    out->writing.reserve(out->queue.size());
    while (!out->queue.empty()) {
      out->writing.push_back(std::move(out->queue.front()));
      out->queue.pop_front();
    }
    out->queuedBytes = 0;
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(out->writing.size());
    for (const auto& f : out->writing) buffers.emplace_back(asio::buffer(f));
    const std::uint64_t attempt = out->attempt;
    auto self = shared_from_this();
    asio::async_write(out->socket, buffers,
                      [this, self, out, attempt](const error_code& ec, std::size_t) {
                        if (stale(*out, attempt)) return;
                        if (ec) return failOutbound(out, ec.message());
                        PeerStats& ps = stats_.peers[out->id];
                        for (const auto& f : out->writing) {
                          ++stats_.messagesSent;
                          ++ps.messagesSent;
                          stats_.bytesSent += f.size() - kHeaderBytes;
                          ps.bytesSent += f.size() - kHeaderBytes;
                        }
                        out->writing.clear();
                        flush(out);
                      });
  }

  /// Ends the current attempt: drops what was queued, closes, retries after the backoff.
  void failOutbound(const std::shared_ptr<Outbound>& out, const std::string& why) {
    const bool wasConnected = out->state == Outbound::State::kConnected;
    shut(*out);
    dropQueue(*out);
    if (wasConnected) {
      spdlog::warn("lost connection to peer {} at {}: {}", hexId(out->id), out->url, why);
    } else if (!out->loggedFailure) {
      spdlog::warn("cannot connect to peer {} at {}: {} (retrying with backoff)", hexId(out->id),
                   out->url, why);
    } else {
      spdlog::debug("cannot connect to peer {} at {}: {}", hexId(out->id), out->url, why);
    }
    out->loggedFailure = true;
    out->state = Outbound::State::kBackoff;
    const std::uint64_t attempt = ++out->attempt;
    out->timer.expires_after(out->backoff);
    out->backoff = std::min(out->backoff * 2, opts_.maxBackoff);
    auto self = shared_from_this();
    out->timer.async_wait([this, self, out, attempt](const error_code& ec) {
      if (ec || stale(*out, attempt)) return;
      connect(out);
    });
  }

  void dropQueue(Outbound& out) {
    const std::uint64_t n = out.queue.size() + out.writing.size();
    stats_.messagesDropped += n;
    stats_.peers[out.id].messagesDropped += n;
    out.queue.clear();
    out.writing.clear();
    out.queuedBytes = 0;
  }

  /// Closes the socket and cancels everything in flight; the handlers will find it stale.
  void shut(Outbound& out) {
    ++out.attempt;
    error_code ec;
    out.resolver.cancel();
    out.timer.cancel();
    out.socket.close(ec);
    out.socket = tcp::socket(io_);
    if (closed_) out.state = Outbound::State::kClosed;
  }

  bool stale(const Outbound& out, std::uint64_t attempt) const {
    return closed_ || out.attempt != attempt || out.state == Outbound::State::kClosed;
  }

  // --- receiving ---

  void accept() {
    auto self = shared_from_this();
    acceptor_.async_accept([this, self](const error_code& ec, tcp::socket socket) {
      if (closed_) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        // Out of descriptors and the like: pause rather than spin.
        spdlog::error("accepting a peer connection on {}: {}", opts_.listenUrl, ec.message());
        acceptRetry_.expires_after(std::chrono::milliseconds(100));
        acceptRetry_.async_wait([this, self](const error_code& tec) {
          if (!tec && !closed_) accept();
        });
        return;
      }
      auto in = std::make_shared<Inbound>(std::move(socket), io_);
      in->id = ++nextInbound_;
      in->remote = endpointName(in->socket);
      error_code ignored;
      (void)in->socket.set_option(tcp::no_delay(true), ignored);
      inbound_.emplace(in->id, in);
      in->timer.expires_after(opts_.handshakeTimeout);
      in->timer.async_wait([this, self, in](const error_code& tec) {
        if (tec || closed_ || in->from != 0) return;
        spdlog::warn("closed connection from {}: no handshake within {} ms", in->remote,
                     opts_.handshakeTimeout.count() / 1'000'000);
        dropInbound(*in);
      });
      readMore(in);
      accept();
    });
  }

  /// Reads what the socket has (many frames at once under load: one system call for a batch).
  void readMore(const std::shared_ptr<Inbound>& in) {
    std::vector<char>& buf = in->buf;
    if (in->begin == in->end) {
      in->begin = in->end = 0;
      // After a large frame (a snapshot), give the memory back.
      if (buf.size() > kReadChunk) buf = std::vector<char>(kReadChunk);
    }
    if (in->end == buf.size()) {
      if (in->begin > 0) {
        std::copy(buf.begin() + static_cast<std::ptrdiff_t>(in->begin),
                  buf.begin() + static_cast<std::ptrdiff_t>(in->end), buf.begin());
        in->end -= in->begin;
        in->begin = 0;
      } else {
        buf.resize(std::max(kReadChunk, buf.size() * 2));
      }
    }
    auto self = shared_from_this();
    in->socket.async_read_some(
        asio::buffer(buf.data() + in->end, buf.size() - in->end),
        [this, self, in](const error_code& ec, std::size_t n) {
          if (closed_ || !inbound_.count(in->id)) return;
          if (ec) return lostInbound(*in, ec);
          in->end += n;
          process(in);
        });
  }

  /// Handles every complete frame in the buffer, then reads on (unless the connection ended).
  void process(const std::shared_ptr<Inbound>& in) {
    while (in->end - in->begin >= kHeaderBytes) {
      const char* p = in->buf.data() + in->begin;
      const std::uint64_t len = getBigEndian(p, 4);
      const std::size_t limit = in->from == 0 ? kMaxHandshakeBytes : opts_.maxFrameBytes;
      if (len > limit) {
        ++stats_.connectionsRefused;
        if (in->from == 0) {
          return refuse(in, "not a detcd peer handshake (a first frame of " + std::to_string(len) +
                                " bytes)");
        }
        spdlog::error("closed connection from member {}: frame of {} bytes exceeds the limit of "
                      "{} bytes",
                      hexId(in->from), len, opts_.maxFrameBytes);
        return dropInbound(*in);
      }
      if (in->end - in->begin < kHeaderBytes + len) {
        // Incomplete: make room for the whole frame, then read on.
        const std::size_t need = kHeaderBytes + len;
        if (in->buf.size() - in->begin < need) {
          std::copy(in->buf.begin() + static_cast<std::ptrdiff_t>(in->begin),
                    in->buf.begin() + static_cast<std::ptrdiff_t>(in->end), in->buf.begin());
          in->end -= in->begin;
          in->begin = 0;
          if (in->buf.size() < need) in->buf.resize(need);
        }
        break;
      }
      std::string payload(p + kHeaderBytes, len);
      in->begin += kHeaderBytes + len;
      if (in->from == 0) {
        if (!onHandshake(in, payload)) return;
      } else {
        deliver(in->from, std::move(payload));
      }
      if (closed_ || !inbound_.count(in->id)) return;  // the receiver removed the sender
    }
    readMore(in);
  }

  /// Answers a member-list query with the provider's bytes, then closes.
  void answerMembers(const std::shared_ptr<Inbound>& in) {
    if (!membersProvider_) {
      refuse(in, "no member list here");
      return;
    }
    MembersProvider provider = membersProvider_;
    in->reply = frame(std::string(1, kAccept) + provider());
    in->timer.cancel();
    spdlog::info("sent the member list to {}", in->remote);
    auto self = shared_from_this();
    asio::async_write(in->socket, asio::buffer(in->reply),
                      [this, self, in](const error_code&, std::size_t) {
                        if (closed_) return;
                        dropInbound(*in);
                      });
  }

  /// Accepts (true) or refuses the connection's handshake; a member-list query is answered
  /// (false: nothing more is read from that connection).
  bool onHandshake(const std::shared_ptr<Inbound>& in, const std::string& b) {
    if (b == kMembersQuery) {
      answerMembers(in);
      return false;
    }
    if (b.size() < kMagic.size() + 16 || std::string_view(b).substr(0, kMagic.size()) != kMagic) {
      ++stats_.connectionsRefused;
      refuse(in, "not a detcd peer handshake");
      return false;
    }
    const NodeId from = getBigEndian(b.data() + kMagic.size(), 8);
    const NodeId to = getBigEndian(b.data() + kMagic.size() + 8, 8);
    const std::string token = b.substr(kMagic.size() + 16);
    std::string reason;
    if (token != opts_.clusterToken) {
      reason = fmt::format("cluster token mismatch (got \"{}\", want \"{}\")", token,
                           opts_.clusterToken);
    } else if (to != opts_.self) {
      reason = fmt::format("connection meant for member {}, this is member {}", hexId(to),
                           hexId(opts_.self));
    } else if (removed_.count(from)) {
      reason = "member " + hexId(from) + " was removed from the cluster";
    } else if (!opts_.peerUrls.count(from)) {
      reason = "unknown member " + hexId(from) + " (not in this member's cluster configuration)";
    }
    if (!reason.empty()) {
      ++stats_.connectionsRefused;
      spdlog::error("rejected connection from member {}: {}", hexId(from), reason);
      refuse(in, reason, /*logged=*/true, removed_.count(from) ? kGone : kRefuse);
      return false;
    }
    in->from = from;
    in->timer.cancel();
    spdlog::info("accepted connection from peer {} ({})", hexId(from), in->remote);
    in->reply = frame(std::string(1, kAccept));
    auto self = shared_from_this();
    asio::async_write(in->socket, asio::buffer(in->reply),
                      [this, self, in](const error_code& ec, std::size_t) {
                        if (closed_ || !inbound_.count(in->id)) return;
                        if (ec) return lostInbound(*in, ec);
                      });
    return true;
  }

  void deliver(NodeId from, std::string payload) {
    PeerStats& ps = stats_.peers[from];
    ++stats_.messagesReceived;
    ++ps.messagesReceived;
    stats_.bytesReceived += payload.size();
    ps.bytesReceived += payload.size();
    if (receiver_) {
      // The receiver may call back into this transport (send, even removePeer): copy it first.
      Receiver receiver = receiver_;
      receiver(from, std::move(payload));
    }
  }

  /// Answers a refused handshake with the reason, then closes.
  void refuse(const std::shared_ptr<Inbound>& in, const std::string& reason, bool logged = false,
              char code = kRefuse) {
    if (!logged) spdlog::warn("rejected connection from {}: {}", in->remote, reason);
    in->reply = frame(std::string(1, code) + reason);
    in->timer.cancel();
    auto self = shared_from_this();
    asio::async_write(in->socket, asio::buffer(in->reply),
                      [this, self, in](const error_code&, std::size_t) {
                        if (closed_) return;
                        dropInbound(*in);
                      });
  }

  void lostInbound(Inbound& in, const error_code& ec) {
    if (in.from != 0 && ec != asio::error::operation_aborted) {
      spdlog::info("connection from peer {} closed: {}", hexId(in.from), ec.message());
    }
    dropInbound(in);
  }

  void dropInbound(Inbound& in) {
    shutIn(in);
    inbound_.erase(in.id);
  }

  void shutIn(Inbound& in) {
    error_code ec;
    in.timer.cancel();
    in.socket.close(ec);
  }

  TransportStats stats() const {
    TransportStats s = stats_;
    for (const auto& [id, out] : outbound_) {
      const bool up = out->state == Outbound::State::kConnected;
      s.peers[id].connected = up;
      if (up) ++s.peersConnected;
    }
    return s;
  }

  asio::io_context& io_;
  TcpTransportOptions opts_;
  tcp::acceptor acceptor_;
  asio::steady_timer acceptRetry_;
  std::uint16_t port_ = 0;
  bool started_ = false;
  bool closed_ = false;
  Receiver receiver_;
  RemovedHandler removedHandler_;
  MembersProvider membersProvider_;
  std::map<NodeId, std::shared_ptr<Outbound>> outbound_;
  std::map<std::uint64_t, std::shared_ptr<Inbound>> inbound_;
  std::uint64_t nextInbound_ = 0;
  std::set<NodeId> removed_;
  TransportStats stats_;
};

TcpTransport::TcpTransport(asio::io_context& io, TcpTransportOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  impl_->validate();
}

TcpTransport::~TcpTransport() { impl_->close(); }

void TcpTransport::start() { impl_->start(); }
std::uint16_t TcpTransport::listenPort() const { return impl_->port_; }
void TcpTransport::setPeer(NodeId id, const std::string& url) { impl_->setPeer(id, url); }
void TcpTransport::removePeer(NodeId id) { impl_->removePeer(id); }
NodeId TcpTransport::self() const { return impl_->opts_.self; }
void TcpTransport::send(NodeId to, std::string payload) { impl_->send(to, std::move(payload)); }
void TcpTransport::setReceiver(Receiver receiver) { impl_->receiver_ = std::move(receiver); }
void TcpTransport::setRemovedHandler(RemovedHandler handler) {
  impl_->removedHandler_ = std::move(handler);
}
void TcpTransport::setMembersProvider(MembersProvider provider) {
  impl_->membersProvider_ = std::move(provider);
}
TransportStats TcpTransport::stats() const { return impl_->stats(); }

std::string fetchMembers(const std::string& url, Nanos timeout) {
  const auto failed = [&](const std::string& why) {
    return std::runtime_error("cannot get the member list from " + url + ": " + why);
  };
  PeerAddress addr;
  try {
    addr = PeerAddress::parse(url);
  } catch (const std::invalid_argument& e) {
    throw failed(e.what());
  }
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  const std::string request = frame(kMembersQuery);
  std::array<char, kHeaderBytes> header{};
  std::string body;
  std::string error;
  bool answered = false;
  const auto fail = [&](const std::string& why) { error = why; };
  const auto readBody = [&](const error_code& ec, std::size_t) {
    if (ec) return fail("no answer: " + ec.message());
    answered = true;
  };
  const auto readHeader = [&](const error_code& ec, std::size_t) {
    if (ec) return fail("no answer: " + ec.message());
    const std::uint64_t len = getBigEndian(header.data(), 4);
    if (len == 0 || len > kMaxMembersBytes) {
      return fail("malformed answer (" + std::to_string(len) + " bytes): not a detcd peer?");
    }
    body.assign(len, '\0');
    asio::async_read(socket, asio::buffer(body), readBody);
  };
  const auto connected = [&](const error_code& ec, const tcp::endpoint&) {
    if (ec) return fail(ec.message());
    asio::async_write(socket, asio::buffer(request), [&](const error_code& wec, std::size_t) {
      if (wec) return fail(wec.message());
      asio::async_read(socket, asio::buffer(header), readHeader);
    });
  };
  resolver.async_resolve(addr.host, std::to_string(addr.port),
                         [&](const error_code& ec, tcp::resolver::results_type results) {
                           if (ec) return fail("resolving " + addr.host + ": " + ec.message());
                           asio::async_connect(socket, results, connected);
                         });
  io.run_for(timeout);
  if (!answered && error.empty()) {
    error = "no answer within " + std::to_string(timeout.count() / 1'000'000) + " ms";
  }
  if (!error.empty()) throw failed(error);
  if (body[0] != kAccept) {
    throw failed(body[0] == kRefuse ? "refused: " + body.substr(1) : "malformed answer");
  }
  return body.substr(1);
}

}  // namespace detcd::env

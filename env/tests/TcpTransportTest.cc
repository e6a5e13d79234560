// The real peer transport on loopback: exchange between two and three members, reconnection
// after a restart, refusals (wrong token, unknown and removed members, garbage, oversized
// frames) that leave the server up, and the bound of a peer's queue.
#include "env/TcpTransport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <sstream>
#include <vector>

namespace detcd::env {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

/// A transport with what it received.
struct Member {
  std::unique_ptr<TcpTransport> transport;
  std::vector<std::pair<NodeId, std::string>> received;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(transport->listenPort()); }
};

class TcpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_));
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override {
    members_.clear();
    io_.poll();
    spdlog::set_default_logger(previous_);
  }

  /// Starts a member listening on a free port, knowing no peer yet.
  Member& add(NodeId id, const std::string& token = "cluster-1",
              std::function<void(TcpTransportOptions&)> tweak = {}) {
    TcpTransportOptions o;
    o.self = id;
    o.clusterToken = token;
    o.listenUrl = "http://127.0.0.1:0";
    o.minBackoff = std::chrono::milliseconds(5);
    o.maxBackoff = std::chrono::milliseconds(50);
    if (tweak) tweak(o);
    auto m = std::make_unique<Member>();
    m->transport = std::make_unique<TcpTransport>(io_, o);
    m->transport->start();
    Member* raw = m.get();
    m->transport->setReceiver([raw](NodeId from, std::string payload) {
      raw->received.emplace_back(from, std::move(payload));
    });
    members_[id] = std::move(m);
    return *raw;
  }

  /// Every started member learns every other's URL.
  void meshAll() {
    for (auto& [a, ma] : members_) {
      for (auto& [b, mb] : members_) {
        if (a != b) ma->transport->setPeer(b, mb->url());
      }
    }
  }

  /// Runs the io_context until `done` holds; false after `limit` (a bound, not a speed claim).
  bool runUntil(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  void runFor(std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  }

  /// Sends `payload` from `from` to `to` every few milliseconds until `to` got something.
  bool sendUntilReceived(NodeId from, NodeId to, const std::string& payload) {
    Member& dst = *members_.at(to);
    const std::size_t before = dst.received.size();
    return runUntil([&] {
      if (dst.received.size() > before) return true;
      members_.at(from)->transport->send(to, payload);
      runFor(std::chrono::milliseconds(5));
      return dst.received.size() > before;
    });
  }

  std::string log() const { return log_.str(); }

  asio::io_context io_;
  std::map<NodeId, std::unique_ptr<Member>> members_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
};

/// The handshake frame a member sends, built independently of the transport's code.
std::string rawHandshake(NodeId from, NodeId to, const std::string& token) {
  std::string body = std::string("detcdp1\n", 8);
  for (NodeId v : {from, to}) {
    for (int shift = 56; shift >= 0; shift -= 8) body.push_back(static_cast<char>(v >> shift));
  }
  body += token;
  std::string f;
  for (int shift = 24; shift >= 0; shift -= 8) {
    f.push_back(static_cast<char>(body.size() >> shift));
  }
  return f + body;
}

/// Reads one frame from a blocking socket.
std::string readRawFrame(tcp::socket& s) {
  std::array<unsigned char, 4> h{};
  asio::read(s, asio::buffer(h));
  const std::size_t len = (std::size_t{h[0]} << 24) | (std::size_t{h[1]} << 16) |
                          (std::size_t{h[2]} << 8) | h[3];
  std::string body(len, '\0');
  asio::read(s, asio::buffer(body));
  return body;
}

TEST(PeerAddressTest, ParsesHttpUrlsAndNamesTheProblemOtherwise) {
  const PeerAddress a = PeerAddress::parse("http://127.0.0.1:2380");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 2380);
  EXPECT_EQ(PeerAddress::parse("http://[::1]:12380/").host, "::1");
  EXPECT_EQ(PeerAddress::parse("http://localhost:0").port, 0);
  for (const char* bad : {"127.0.0.1:2380", "http://127.0.0.1", "http://:2380",
                          "http://127.0.0.1:99999", "http://127.0.0.1:12x", "http://[::1:2380"}) {
    EXPECT_THROW(PeerAddress::parse(bad), std::invalid_argument) << bad;
  }
  try {
    PeerAddress::parse("https://10.0.0.1:2380");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("https://10.0.0.1:2380"));
    EXPECT_THAT(e.what(), HasSubstr("no TLS"));
  }
}

TEST_F(TcpTransportTest, InvalidOptionsAreRefused) {
  TcpTransportOptions o;
  EXPECT_THROW(TcpTransport(io_, o), std::invalid_argument);  // self 0
  o.self = 1;
  o.peerUrls[1] = "http://127.0.0.1:1";
  EXPECT_THROW(TcpTransport(io_, o), std::invalid_argument);  // self as peer
  o.peerUrls = {{2, "tcp://127.0.0.1:1"}};
  EXPECT_THROW(TcpTransport(io_, o), std::invalid_argument);
  o.peerUrls.clear();
  o.minBackoff = std::chrono::seconds(5);
  o.maxBackoff = std::chrono::seconds(1);
  EXPECT_THROW(TcpTransport(io_, o), std::invalid_argument);
}

TEST_F(TcpTransportTest, BindFailureNamesTheAddress) {
  Member& a = add(1);
  TcpTransportOptions o;
  o.self = 2;
  o.listenUrl = a.url();  // already taken
  TcpTransport t(io_, o);
  try {
    t.start();
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(a.url()));
  }
}

TEST_F(TcpTransportTest, TwoMembersExchangeMessagesInOrder) {
  Member& a = add(1);
  Member& b = add(2);
  meshAll();
  ASSERT_TRUE(sendUntilReceived(1, 2, "hello"));
  b.received.clear();
  for (int i = 0; i < 200; ++i) {
    a.transport->send(2, "a" + std::to_string(i));
    b.transport->send(1, "b" + std::to_string(i));
  }
  ASSERT_TRUE(runUntil([&] { return b.received.size() == 200 && a.received.size() >= 200; }));
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(b.received[i], (std::pair<NodeId, std::string>{1, "a" + std::to_string(i)}));
  }
  const TransportStats s = a.transport->stats();
  EXPECT_EQ(s.peersConnected, 1u);
  EXPECT_TRUE(s.peers.at(2).connected);
  EXPECT_GE(s.peers.at(2).messagesSent, 201u);
  EXPECT_GE(s.messagesReceived, 200u);
  EXPECT_GE(s.bytesReceived, 200u * 2);
  EXPECT_EQ(b.transport->stats().peers.at(1).bytesReceived, s.peers.at(2).bytesSent);
}

TEST_F(TcpTransportTest, LargeFramesBetweenManySmallOnesArriveWhole) {
  Member& a = add(1);
  Member& b = add(2);
  meshAll();
  ASSERT_TRUE(sendUntilReceived(1, 2, "hello"));
  b.received.clear();
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    // Sizes around and far beyond the reader's 64 KiB chunk, among tiny messages.
    std::string p(i % 10 == 0 ? (std::size_t{1} << 20) + i : std::size_t(i * 1500 + 1),
                  static_cast<char>('a' + i % 26));
    sent.push_back(p);
    a.transport->send(2, std::move(p));
  }
  ASSERT_TRUE(runUntil([&] { return b.received.size() == sent.size(); }));
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(b.received[i].second, sent[i]) << "message " << i;
  }
}

TEST_F(TcpTransportTest, ThreeMembersReachEachOther) {
  add(1);
  add(2);
  add(3);
  meshAll();
  for (NodeId from : {1, 2, 3}) {
    for (NodeId to : {1, 2, 3}) {
      if (from == to) continue;
      ASSERT_TRUE(sendUntilReceived(from, to, "x")) << from << "->" << to;
    }
  }
  for (auto& [id, m] : members_) {
    for (const auto& [from, payload] : m->received) EXPECT_NE(from, id);
    EXPECT_EQ(m->transport->stats().peersConnected, 2u);
  }
}

TEST_F(TcpTransportTest, ReconnectsAfterThePeerRestarts) {
  Member& a = add(1);
  add(2);
  meshAll();
  ASSERT_TRUE(sendUntilReceived(1, 2, "before"));
  const std::string bUrl = members_.at(2)->url();
  members_.erase(2);  // B goes down
  ASSERT_TRUE(runUntil([&] { return a.transport->stats().peersConnected == 0; }));
  a.transport->send(2, "lost");  // to an unreachable peer: dropped
  runFor(std::chrono::milliseconds(30));
  EXPECT_GE(a.transport->stats().messagesDropped, 1u);
  // B restarts on the same address; A's backoff finds it again.
  Member& b = add(2, "cluster-1", [&](TcpTransportOptions& o) { o.listenUrl = bUrl; });
  b.transport->setPeer(1, a.url());
  ASSERT_TRUE(sendUntilReceived(1, 2, "after"));
  EXPECT_EQ(b.received.back().second, "after");
  EXPECT_THAT(log(), HasSubstr("lost connection to peer 2"));
}

TEST_F(TcpTransportTest, WrongClusterTokenIsRefusedOnBothSidesAndTheServerStaysUp) {
  Member& a = add(1, "x");
  Member& b = add(0x8e9e05c52164694dULL, "y");
  a.transport->setPeer(b.transport->self(), b.url());
  b.transport->setPeer(1, a.url());
  a.transport->send(b.transport->self(), "m");
  // Each side also refuses the other's connection: wait for the two lines this test is about.
  const std::string rejected =
      "rejected connection from member 1: cluster token mismatch (got \"x\", want \"y\")";
  const std::string refusedOurs =
      "member 8e9e05c52164694d at " + b.url() + " refused our connection: cluster token mismatch";
  ASSERT_TRUE(runUntil([&] {
    return log().find(rejected) != std::string::npos &&
           log().find(refusedOurs) != std::string::npos;
  })) << log();
  EXPECT_GE(b.transport->stats().connectionsRefused, 1u);
  EXPECT_GE(a.transport->stats().connectionsRefused, 1u);
  EXPECT_TRUE(b.received.empty());
  // B still serves a member with the right token.
  Member& c = add(3, "y");
  c.transport->setPeer(b.transport->self(), b.url());
  b.transport->setPeer(3, c.url());
  ASSERT_TRUE(sendUntilReceived(3, b.transport->self(), "ok"));
}

TEST_F(TcpTransportTest, UnknownAndRemovedMembersAreRefused) {
  Member& a = add(1);
  Member& b = add(2);
  a.transport->setPeer(2, b.url());  // B does not know A
  a.transport->send(2, "m");
  ASSERT_TRUE(runUntil([&] { return b.transport->stats().connectionsRefused >= 1; }));
  EXPECT_THAT(log(), HasSubstr("rejected connection from member 1: unknown member 1"));
  // Once B learns A (a member added), A gets through.
  b.transport->setPeer(1, a.url());
  ASSERT_TRUE(sendUntilReceived(1, 2, "known"));
  // Removed: A's connection closes and its reconnection is refused; A hears it was removed.
  std::vector<NodeId> removedBy;
  a.transport->setRemovedHandler([&](NodeId by) { removedBy.push_back(by); });
  b.transport->removePeer(1);
  const std::uint64_t refused = b.transport->stats().connectionsRefused;
  ASSERT_TRUE(runUntil([&] {
    a.transport->send(2, "after removal");
    runFor(std::chrono::milliseconds(5));
    return b.transport->stats().connectionsRefused > refused;
  }));
  EXPECT_THAT(log(), HasSubstr("member 1 was removed from the cluster"));
  EXPECT_EQ(b.received.back().second, "known");
  ASSERT_TRUE(runUntil([&] { return !removedBy.empty(); }));
  EXPECT_EQ(removedBy.front(), 2u);
}

TEST_F(TcpTransportTest, MemberListQueriesAreAnsweredWithoutATokenAndClosed) {
  Member& a = add(1);
  const std::string url = a.url();
  // fetchMembers blocks on its own io_context: ask from another thread while io_ serves.
  const auto ask = [&](const std::string& where) {
    auto answer = std::async(std::launch::async, [where] {
      try {
        return fetchMembers(where, std::chrono::seconds(5));
      } catch (const std::runtime_error& e) {
        return std::string("error: ") + e.what();
      }
    });
    EXPECT_TRUE(runUntil([&] {
      return answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }));
    return answer.get();
  };
  EXPECT_EQ(ask(url), "error: cannot get the member list from " + url +
                          ": refused: no member list here");
  a.transport->setMembersProvider([] { return std::string("the list\0with a zero", 20); });
  EXPECT_EQ(ask(url), std::string("the list\0with a zero", 20));
  EXPECT_THAT(ask("https://127.0.0.1:1"), HasSubstr("https is not supported"));
  // The member still serves its peers.
  add(2);
  meshAll();
  ASSERT_TRUE(sendUntilReceived(2, 1, "after the queries"));
}

TEST_F(TcpTransportTest, GarbageAndOversizedFramesCloseTheConnectionOnly) {
  Member& a = add(1);
  Member& b = add(2, "cluster-1", [](TcpTransportOptions& o) { o.maxFrameBytes = 1024; });
  meshAll();
  asio::io_context rawIo;
  const tcp::endpoint bEp(asio::ip::make_address("127.0.0.1"), b.transport->listenPort());

  // An HTTP request is not a handshake.
  tcp::socket http(rawIo);
  http.connect(bEp);
  asio::write(http, asio::buffer(std::string("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")));
  ASSERT_TRUE(runUntil([&] { return b.transport->stats().connectionsRefused == 1; }));
  EXPECT_THAT(log(), HasSubstr("not a detcd peer handshake"));

  // A valid handshake, then a frame announcing 4 GiB - 1.
  tcp::socket big(rawIo);
  big.connect(bEp);
  asio::write(big, asio::buffer(rawHandshake(1, 2, "cluster-1")));
  runFor(std::chrono::milliseconds(50));
  EXPECT_EQ(readRawFrame(big), "A");
  asio::write(big, asio::buffer(std::string("\xff\xff\xff\xff", 4)));
  ASSERT_TRUE(runUntil([&] { return b.transport->stats().connectionsRefused == 2; }));
  EXPECT_THAT(log(), HasSubstr("frame of 4294967295 bytes exceeds the limit of 1024 bytes"));
  boost::system::error_code ec;
  char byte = 0;
  big.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "the connection should be closed";

  // A truncated handshake that then hangs up is no problem either.
  {
    tcp::socket half(rawIo);
    half.connect(bEp);
    asio::write(half, asio::buffer(rawHandshake(1, 2, "cluster-1").substr(0, 10)));
  }
  runFor(std::chrono::milliseconds(20));

  // B still serves A; a message over B's frame limit is dropped by its sender.
  ASSERT_TRUE(sendUntilReceived(1, 2, "still up"));
  b.transport->send(1, std::string(2000, 'z'));
  EXPECT_THAT(log(), HasSubstr("dropped a message of 2000 bytes to member 1"));
  EXPECT_GE(b.transport->stats().peers.at(1).messagesDropped, 1u);
  (void)a;
}

TEST_F(TcpTransportTest, QueueDropsItsOldestMessagesBeyondItsBound) {
  // A fake peer that accepts TCP but answers the handshake only when the test says so: until
  // then A queues, and its queue holds at most 10 frames of 4 + 100 bytes.
  asio::io_context rawIo;
  tcp::acceptor fake(rawIo, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Member& a = add(1, "cluster-1", [](TcpTransportOptions& o) {
    o.maxQueuedBytes = 10 * 104;
    o.handshakeTimeout = std::chrono::seconds(30);
  });
  a.transport->setPeer(2, "http://127.0.0.1:" + std::to_string(fake.local_endpoint().port()));
  runFor(std::chrono::milliseconds(50));  // A connects and sends its handshake
  for (int i = 0; i < 100; ++i) {
    std::string p = std::to_string(i);
    p.resize(100, '.');
    a.transport->send(2, p);
  }
  EXPECT_EQ(a.transport->stats().messagesDropped, 90u);
  tcp::socket peer = fake.accept();
  EXPECT_EQ(readRawFrame(peer).substr(8 + 16), "cluster-1");
  const std::string accept = std::string("\0\0\0\1A", 5);
  asio::write(peer, asio::buffer(accept));
  ASSERT_TRUE(runUntil([&] { return a.transport->stats().messagesSent == 10; }));
  for (int i = 90; i < 100; ++i) {
    EXPECT_EQ(readRawFrame(peer).substr(0, 2), std::to_string(i));  // the newest ten
  }
}

TEST_F(TcpTransportTest, MessagesBeforeStartOrToUnknownMembersAreDropped) {
  Member& a = add(1);
  a.transport->send(9, "nobody");
  EXPECT_EQ(a.transport->stats().peers.at(9).messagesDropped, 1u);
  TcpTransportOptions o;
  o.self = 5;
  o.peerUrls[1] = a.url();
  TcpTransport notStarted(io_, o);
  notStarted.send(1, "early");
  EXPECT_EQ(notStarted.stats().messagesDropped, 1u);
  EXPECT_EQ(notStarted.listenPort(), 0);
}

}  // namespace
}  // namespace detcd::env

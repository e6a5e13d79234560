// The HTTP server on loopback (routing, 404/405/400/413, keep-alive, late answers) and the
// endpoints of real members: three Nodes clustered over TcpTransport on one io_context, with
// /health and /metrics. Clients run on a helper thread with blocking Beast calls while the
// test's thread runs the server's io_context.
#include "server/http/HttpServer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <unistd.h>

#include "env/AsioClock.h"
#include "env/PosixDisk.h"
#include "env/TcpTransport.h"
#include "server/Node.h"
#include "server/http/Endpoints.h"
#include "server/http/Metrics.h"

namespace detcd::server::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

/// Runs `io` until `f` (on a helper thread) returns; its result. Fails the test after 20 s.
template <class F>
auto whileServing(asio::io_context& io, F f) {
  auto result = std::async(std::launch::async, std::move(f));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (result.wait_for(0s) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "client did not finish";
      break;
    }
    io.restart();
    io.run_for(2ms);
  }
  return result.get();
}

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string contentType;
  std::string allow;
};

/// Sends `requests` (raw HTTP text) on one connection and reads one response per request.
std::vector<Reply> exchange(std::uint16_t port, const std::vector<std::string>& requests) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::flat_buffer buffer;
  std::vector<Reply> replies;
  for (const auto& raw : requests) {
    asio::write(s, asio::buffer(raw));
    bhttp::response<bhttp::string_body> res;
    boost::system::error_code ec;
    bhttp::read(s, buffer, res, ec);
    if (ec) break;
    replies.push_back({res.result_int(), res.body(), std::string(res[bhttp::field::content_type]),
                       std::string(res[bhttp::field::allow])});
  }
  return replies;
}

std::string get(const std::string& target, bool keepAlive = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" +
         (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(io_, HttpServerOptions{"http://127.0.0.1:0", 60s, 1024});
    server_->handle("/hello", [](const HttpRequest& r, Respond respond) {
      respond({200, "text/plain", "hello " + r.query, {}});
    });
    server_->start();
  }
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoutesByPathWithKeepAlive) {
  const std::uint16_t port = server_->port();
  const auto replies = whileServing(io_, [port] {
    return exchange(port, {get("/hello?x=1"), get("/nope"), get("/hello", false)});
  });
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].status, 200u);
  EXPECT_EQ(replies[0].body, "hello x=1");
  EXPECT_EQ(replies[0].contentType, "text/plain");
  EXPECT_EQ(replies[1].status, 404u);
  EXPECT_EQ(replies[1].body, "404 page not found\n");
  EXPECT_EQ(replies[2].body, "hello ");
  EXPECT_EQ(server_->requestsServed(), 3u);
}

TEST_F(HttpServerTest, OtherMethodsAre405) {
  const std::uint16_t port = server_->port();
  const auto replies = whileServing(io_, [port] {
    return exchange(port, {"POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab"});
  });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 405u);
  EXPECT_EQ(replies[0].allow, "GET");
}

TEST_F(HttpServerTest, MalformedAndOversizedRequestsAreRefusedAndTheServerStaysUp) {
  const std::uint16_t port = server_->port();
  auto replies = whileServing(io_, [port] { return exchange(port, {"NOT HTTP AT ALL\r\n\r\n"}); });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 400u);
  replies = whileServing(io_, [port] {
    return exchange(port, {"GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'x') +
                               "\r\n\r\n"});
  });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 413u);
  // A client that hangs up mid-request is no problem either.
  whileServing(io_, [port] {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(s, asio::buffer(std::string("GET /hel")));
    return 0;
  });
  replies = whileServing(io_, [port] { return exchange(port, {get("/hello?still=up")}); });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].body, "hello still=up");
}

TEST_F(HttpServerTest, HandlerMayAnswerLater) {
  Respond later;
  server_->handle("/later", [&](const HttpRequest&, Respond respond) { later = respond; });
  asio::steady_timer timer(io_);
  timer.expires_after(20ms);
  timer.async_wait([&](const boost::system::error_code&) {
    ASSERT_TRUE(later);
    later({202, "text/plain", "done", {}});
    later({500, "text/plain", "twice", {}});  // ignored: one answer per request
  });
  const std::uint16_t port = server_->port();
  const auto replies = whileServing(io_, [port] { return exchange(port, {get("/later")}); });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 202u);
  EXPECT_EQ(replies[0].body, "done");
}

TEST(HttpServerStartTest, BindFailureNamesTheAddress) {
  asio::io_context io;
  HttpServer a(io, {"http://127.0.0.1:0"});
  a.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(a.port());
  HttpServer b(io, {url});
  try {
    b.start();
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(url));
  }
  EXPECT_THROW(HttpServer(io, {"127.0.0.1:2381"}), std::invalid_argument);
}

/// Three real members on one io_context: Raft over TcpTransport, data in a temporary
/// directory, /health and /metrics on each.
class RealClusterTest : public ::testing::Test {
 protected:
  struct Member {
    // Destroyed bottom up: the server, the node, then the seams it uses.
    std::unique_ptr<env::AsioClock> clock;
    std::unique_ptr<env::TcpTransport> transport;
    std::unique_ptr<env::Env> env;
    std::unique_ptr<Node> node;
    std::unique_ptr<HttpServer> http;
  };

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("detcd-http-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // Transports first (free ports), then every member learns the others' URLs.
    for (std::uint64_t id = 1; id <= 3; ++id) {
      Member& m = members_[id];
      m.clock = std::make_unique<env::AsioClock>(io_);
      env::TcpTransportOptions o;
      o.self = id;
      o.clusterToken = "http-test";
      o.listenUrl = "http://127.0.0.1:0";
      o.minBackoff = 5ms;
      o.maxBackoff = 100ms;
      m.transport = std::make_unique<env::TcpTransport>(io_, o);
      m.transport->start();
    }
    NodeConfig base;
    base.tick = 50ms;  // a 500 ms election timeout: no leader churn on a loaded machine
    base.walSegmentBytes = 1 << 20;
    for (auto& [id, m] : members_) {
      base.initialCluster.push_back(
          {id, "m" + std::to_string(id),
           "http://127.0.0.1:" + std::to_string(m.transport->listenPort())});
    }
    for (auto& [id, m] : members_) {
      for (const auto& peer : base.initialCluster) {
        if (peer.id != id) m.transport->setPeer(peer.id, peer.peerUrl);
      }
      m.env = std::make_unique<env::Env>(
          env::Env{*m.clock, *m.transport, disk_, tracer_, buggify_, 100 + id});
      NodeConfig cfg = base;
      cfg.id = id;
      cfg.name = "m" + std::to_string(id);
      cfg.dataDir = (dir_ / cfg.name).string();
      m.node = std::make_unique<Node>(*m.env, cfg);
      ASSERT_FALSE(m.node->stopped()) << m.node->status().stopReason;
      m.http = std::make_unique<HttpServer>(io_, HttpServerOptions{"http://127.0.0.1:0"});
      env::TcpTransport* t = m.transport.get();
      addNodeEndpoints(*m.http, *m.node, *m.clock, [t] { return t->stats(); });
      m.http->start();
    }
  }

  void TearDown() override {
    members_.clear();
    std::filesystem::remove_all(dir_);
  }

  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(2ms);
    }
    return true;
  }

  std::uint64_t leader() {
    for (auto& [id, m] : members_) {
      if (m.node && m.node->status().role == "leader") return id;
    }
    return 0;
  }

  Reply fetch(std::uint64_t id, const std::string& path) {
    const std::uint16_t port = members_.at(id).http->port();
    auto replies = whileServing(io_, [port, path] { return exchange(port, {get(path)}); });
    return replies.empty() ? Reply{} : replies[0];
  }

  asio::io_context io_;
  std::filesystem::path dir_;
  env::PosixDisk disk_;
  env::NullTracer tracer_;
  env::NoBuggify buggify_;
  std::map<std::uint64_t, Member> members_;
};

TEST_F(RealClusterTest, ReplicatesOverTcpAndServesHealthAndMetrics) {
  ASSERT_TRUE(runUntil([&] { return leader() != 0; }));
  const std::uint64_t l = leader();
  ASSERT_TRUE(runUntil([&] {
    for (auto& [id, m] : members_) {
      if (m.node->status().leader != l) return false;
    }
    return true;
  }));
  const std::uint64_t follower = l == 1 ? 2 : 1;
  bool put = false;
  etcdserverpb::PutRequest req;
  req.set_key("key1");
  req.set_value("zhangyi");
  members_.at(follower).node->put(
      req, [&](const mvcc::Status& st, const etcdserverpb::PutResponse&) {
        EXPECT_TRUE(st.ok()) << st.message;
        put = true;
      });
  ASSERT_TRUE(runUntil([&] { return put; }));
  // A linearizable read on another member sees it.
  const std::uint64_t other = 6 - l - follower;
  std::string value;
  etcdserverpb::RangeRequest range;
  range.set_key("key1");
  members_.at(other).node->range(range, [&](const mvcc::Status& st,
                                            const etcdserverpb::RangeResponse& r) {
    EXPECT_TRUE(st.ok()) << st.message;
    value = !st.ok() ? "(error)" : r.kvs_size() == 1 ? r.kvs(0).value() : "(none)";
  });
  ASSERT_TRUE(runUntil([&] { return !value.empty(); }));
  EXPECT_EQ(value, "zhangyi");

  for (auto& [id, m] : members_) {
    const Reply h = fetch(id, "/health");
    EXPECT_EQ(h.status, 200u) << id;
    EXPECT_EQ(h.body, "{\"health\":\"true\"}");
    const Reply metrics = fetch(id, "/metrics");
    EXPECT_EQ(metrics.status, 200u);
    EXPECT_EQ(metrics.contentType, kPrometheusContentType);
    EXPECT_THAT(metrics.body, HasSubstr("etcd_server_has_leader 1\n"));
    EXPECT_THAT(metrics.body, HasSubstr("etcd_debugging_mvcc_keys_total 1\n"));
    EXPECT_THAT(metrics.body,
                HasSubstr(std::string("etcd_server_is_leader ") + (id == l ? "1" : "0")));
    EXPECT_THAT(metrics.body, HasSubstr("etcd_network_peer_sent_bytes_total{To=\""));
    EXPECT_THAT(metrics.body, HasSubstr("etcd_disk_wal_fsync_duration_seconds_count "));
    EXPECT_EQ(m.transport->stats().peersConnected, 2u);
  }

  // An alarm makes every member unhealthy until it is disarmed (etcd 3.4's checkHealth).
  const auto setAlarm = [&](etcdserverpb::AlarmRequest::AlarmAction action) {
    etcdserverpb::AlarmRequest a;
    a.set_action(action);
    a.set_memberid(follower);
    a.set_alarm(etcdserverpb::NOSPACE);
    bool done = false;
    members_.at(l).node->alarm(
        a, [&](const mvcc::Status& st, const etcdserverpb::AlarmResponse&) {
          EXPECT_TRUE(st.ok()) << st.message;
          done = true;
        });
    ASSERT_TRUE(runUntil([&] { return done; }));
    const bool active = action == etcdserverpb::AlarmRequest::ACTIVATE;
    ASSERT_TRUE(runUntil([&] {
      for (auto& [id, m] : members_) {
        if (m.node->status().alarms.empty() == active) return false;
      }
      return true;
    }));
  };
  setAlarm(etcdserverpb::AlarmRequest::ACTIVATE);
  for (auto& [id, m] : members_) {
    const Reply h = fetch(id, "/health");
    EXPECT_EQ(h.status, 503u) << id;
    EXPECT_EQ(h.body, "{\"health\":\"false\"}\n");
  }
  setAlarm(etcdserverpb::AlarmRequest::DEACTIVATE);
  EXPECT_EQ(fetch(l, "/health").status, 200u);

  // Two members down: the last one loses its leader (CheckQuorum, then elections) and its
  // health goes false, 503.
  const std::uint64_t survivor = other;
  for (auto& [id, m] : members_) {
    if (id == survivor) continue;
    m.http.reset();
    m.node.reset();
    m.transport.reset();
  }
  ASSERT_TRUE(runUntil([&] { return members_.at(survivor).node->status().leader == 0; }));
  const Reply h = fetch(survivor, "/health");
  EXPECT_EQ(h.status, 503u);
  EXPECT_EQ(h.body, "{\"health\":\"false\"}\n");
  EXPECT_THAT(fetch(survivor, "/metrics").body, HasSubstr("etcd_server_has_leader 0\n"));
}

}  // namespace
}  // namespace detcd::server::http

#include "server/http/HttpServer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>

#include "env/Listener.h"
#include "env/TcpTransport.h"

namespace detcd::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

HttpResponse plain(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpServerOptions options)
      : io_(io), opts_(std::move(options)), acceptor_(io), acceptRetry_(io) {}

  /// One client connection: reads a request, answers it, and again while kept alive.
  struct Conn {
    explicit Conn(tcp::socket socket) : stream(std::move(socket)) {}
    std::uint64_t id = 0;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    bhttp::response<bhttp::string_body> response;
  };

  void start() {
    port_ = env::listenOn(acceptor_, opts_.listenUrl, "HTTP");
    spdlog::info("serving HTTP on {} (port {})", opts_.listenUrl, port_);
    accept();
  }

  void close() {
    closed_ = true;
    error_code ec;
    acceptor_.close(ec);
    acceptRetry_.cancel();
    for (auto& [id, weak] : conns_) {
      if (auto c = weak.lock()) c->stream.socket().close(ec);
    }
    conns_.clear();
  }

  void accept() {
    auto self = shared_from_this();
    acceptor_.async_accept([this, self](const error_code& ec, tcp::socket socket) {
      if (closed_) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        spdlog::error("accepting an HTTP connection on {}: {}", opts_.listenUrl, ec.message());
        acceptRetry_.expires_after(std::chrono::milliseconds(100));
        acceptRetry_.async_wait([this, self](const error_code& tec) {
          if (!tec && !closed_) accept();
        });
        return;
      }
      auto c = std::make_shared<Conn>(std::move(socket));
      c->id = ++nextConn_;
      conns_.emplace(c->id, c);
      read(c);
      accept();
    });
  }

  void read(const std::shared_ptr<Conn>& c) {
    c->parser.emplace();
    c->parser->header_limit(static_cast<std::uint32_t>(opts_.maxRequestBytes));
    c->parser->body_limit(opts_.maxRequestBytes);
    c->stream.expires_after(opts_.idleTimeout);
    auto self = shared_from_this();
    bhttp::async_read(c->stream, c->buffer, *c->parser,
                      [this, self, c](const error_code& ec, std::size_t) {
                        if (closed_) return;
                        if (ec) return onReadError(c, ec);
                        c->stream.expires_never();  // a handler may take its time (health)
                        dispatch(c);
                      });
  }

  void onReadError(const std::shared_ptr<Conn>& c, const error_code& ec) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      return answer(c, 11, false, plain(413, "413 Request Entity Too Large\n"));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      spdlog::warn("malformed HTTP request on {}: {}", opts_.listenUrl, ec.message());
      return answer(c, 11, false, plain(400, "400 Bad Request\n"));
    }
    drop(*c);  // closed by the client, idle timeout, reset
  }

  void dispatch(const std::shared_ptr<Conn>& c) {
    const auto& req = c->parser->get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    const std::size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
    const unsigned version = req.version();
    const bool keepAlive = req.keep_alive();
    auto it = handlers_.find(r.path);
    if (it == handlers_.end()) {
      return answer(c, version, keepAlive, plain(404, "404 page not found\n"));
    }
    if (req.method() != bhttp::verb::get) {
      HttpResponse notAllowed = plain(405, "Method Not Allowed\n");
      notAllowed.headers.emplace_back("Allow", "GET");
      return answer(c, version, keepAlive, std::move(notAllowed));
    }
    auto once = std::make_shared<bool>(false);
    auto self = shared_from_this();
    // Copy: the handler may replace itself through handle().
    Handler h = it->second;
    h(r, [this, self, c, version, keepAlive, once](HttpResponse resp) {
      if (*once || closed_) return;
      *once = true;
      answer(c, version, keepAlive, std::move(resp));
    });
  }

  void answer(const std::shared_ptr<Conn>& c, unsigned version, bool keepAlive, HttpResponse r) {
    ++served_;
    auto& res = c->response;
    res = {};
    res.version(version);
    res.result(static_cast<bhttp::status>(r.status));
    res.set(bhttp::field::content_type, r.contentType);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.body() = std::move(r.body);
    res.keep_alive(keepAlive);
    res.prepare_payload();
    auto self = shared_from_this();
    c->stream.expires_after(opts_.idleTimeout);
    bhttp::async_write(c->stream, res, [this, self, c, keepAlive](const error_code& ec,
                                                                  std::size_t) {
      if (closed_) return;
      if (ec || !keepAlive) {
        error_code ignored;
        c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return drop(*c);
      }
      read(c);
    });
  }

  void drop(Conn& c) {
    error_code ec;
    c.stream.socket().close(ec);
    conns_.erase(c.id);
  }

  asio::io_context& io_;
  HttpServerOptions opts_;
  tcp::acceptor acceptor_;
  asio::steady_timer acceptRetry_;
  std::map<std::string, Handler> handlers_;
  std::map<std::uint64_t, std::weak_ptr<Conn>> conns_;
  std::uint64_t nextConn_ = 0;
  std::uint64_t served_ = 0;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  (void)env::PeerAddress::parse(impl_->opts_.listenUrl);
}

HttpServer::~HttpServer() { impl_->close(); }

void HttpServer::handle(const std::string& path, Handler handler) {
  impl_->handlers_[path] = std::move(handler);
}
void HttpServer::start() { impl_->start(); }
std::uint16_t HttpServer::port() const { return impl_->port_; }
std::uint64_t HttpServer::requestsServed() const { return impl_->served_; }

}  // namespace detcd::server::http

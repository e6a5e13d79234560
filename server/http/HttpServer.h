#pragma once
// A small HTTP/1.1 server (Boost.Beast) on the node's io_context, for /health and /metrics
// (etcd serves them on its client and --listen-metrics-urls; docs/server.md says why detcd
// serves them on the metrics URLs only).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "env/Time.h"

namespace boost::asio {
class io_context;
}

namespace detcd::server::http {

/// What a handler sees of a request.
struct HttpRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< as sent: path and query ("/health?exclude=NOSPACE")
  std::string path;    ///< before '?'
  std::string query;   ///< after '?', undecoded ("" when none)
};

/// A handler's answer. The server adds Content-Length, Date-less minimal headers and
/// keep-alive handling.
struct HttpResponse {
  unsigned status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
};

/// Answers a request; call it exactly once, now or later (on the io_context's thread).
using Respond = std::function<void(HttpResponse)>;
/// Serves one path. Runs on the io_context's thread.
using Handler = std::function<void(const HttpRequest&, Respond)>;

struct HttpServerOptions {
  /// "http://IP:PORT" (port 0 picks a free one, see HttpServer::port()); no TLS.
  std::string listenUrl = "http://127.0.0.1:2381";
  /// A connection idle (no request read) this long is closed.
  env::Nanos idleTimeout = std::chrono::seconds(60);
  /// Requests larger than this (headers + body) are answered 413 and the connection closed.
  std::size_t maxRequestBytes = 64 * 1024;
};

/// HTTP/1.1 with keep-alive, one request at a time per connection. Routing is by exact path:
/// a registered path answers GET through its handler and any other method with 405 and
/// "Allow: GET" (etcd's /health does the same); an unregistered path answers 404
/// "404 page not found" (Go's net/http text, which etcd serves). Malformed requests get 400
/// and the connection is closed; the server stays up. Single-threaded: every method, handler
/// and Respond runs on the io_context's thread; the io_context must outlive the server.
class HttpServer {
 public:
  /// Throws std::invalid_argument for a malformed listen URL (naming it).
  HttpServer(boost::asio::io_context& io, HttpServerOptions options);
  /// Closes the listener and every connection; a Respond called later does nothing.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves GET `path` (exact match, e.g. "/health") with `handler`, replacing an earlier one.
  void handle(const std::string& path, Handler handler);
  /// Binds and starts accepting. Throws std::runtime_error naming the address when it cannot.
  void start();
  /// The port listened on (the chosen one for port 0); 0 before start().
  std::uint16_t port() const;
  /// Requests answered so far (any status).
  std::uint64_t requestsServed() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace detcd::server::http

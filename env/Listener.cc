#include "env/Listener.h"

#include <stdexcept>

#include "env/TcpTransport.h"

namespace detcd::env {

std::uint16_t listenOn(boost::asio::ip::tcp::acceptor& acceptor, const std::string& url,
                       const std::string& purpose) {
  using tcp = boost::asio::ip::tcp;
  const PeerAddress addr = PeerAddress::parse(url);
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("cannot listen for " + purpose + " on " + url + ": " + why);
  };
  boost::system::error_code ec;
  tcp::resolver resolver(acceptor.get_executor());
  const auto results =
      resolver.resolve(addr.host, std::to_string(addr.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) throw fail(ec ? ec.message() : "no address");
  const tcp::endpoint ep = results.begin()->endpoint();
  if (acceptor.open(ep.protocol(), ec)) throw fail(ec.message());
  (void)acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(ep, ec)) throw fail(ec.message());
  if (acceptor.listen(boost::asio::socket_base::max_listen_connections, ec)) {
    throw fail(ec.message());
  }
  return acceptor.local_endpoint(ec).port();
}

}  // namespace detcd::env

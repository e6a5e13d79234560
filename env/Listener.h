#pragma once
// A listening TCP socket on an etcd-style URL ("http://HOST:PORT"), for the peer transport and
// the HTTP endpoints of the real binary.

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace detcd::env {

/// Resolves `url`'s host (passive), then opens, binds (SO_REUSEADDR, as etcd's listeners) and
/// listens `acceptor`. Returns the bound port: the kernel's choice when the URL says port 0.
/// Throws what PeerAddress::parse throws for a malformed URL, and std::runtime_error
/// "cannot listen for <purpose> on <url>: <why>" when resolving or any socket step fails.
std::uint16_t listenOn(boost::asio::ip::tcp::acceptor& acceptor, const std::string& url,
                       const std::string& purpose);

}  // namespace detcd::env

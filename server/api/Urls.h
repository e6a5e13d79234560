#pragma once
// etcd's URL lists (--listen-client-urls, --initial-cluster, MemberAdd's peer URLs): parsing and
// validation as etcd's types.NewURLs accepts them, for the plain-HTTP schemes detcd serves.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace detcd::server::api {

/// One "http://host:port" URL.
struct Url {
  std::string scheme;  ///< "http" (https and unix are refused: detcd has no TLS)
  std::string host;    ///< name, IPv4 address or bracketed IPv6 address as written
  std::uint16_t port = 0;

  /// "host:port", as gRPC's and Asio's listeners take it.
  std::string hostPort() const;
  /// The URL as etcd prints it ("http://host:port").
  std::string str() const;
};

/// Parses one URL. nullopt with `error` set to the reason ("missing port", "unsupported scheme
/// \"https\" (detcd serves plain http only)") when it is not "http://host:port" with a port in
/// 1..65535 and no path.
std::optional<Url> parseUrl(std::string_view text, std::string* error);

/// Parses a comma-separated list (etcd's flag syntax); nullopt with `error` naming the first bad
/// entry, or "empty URL list".
std::optional<std::vector<Url>> parseUrls(std::string_view text, std::string* error);

}  // namespace detcd::server::api

#include "server/api/Urls.h"

#include <charconv>

namespace detcd::server::api {

std::string Url::hostPort() const { return host + ":" + std::to_string(port); }

std::string Url::str() const { return scheme + "://" + hostPort(); }

std::optional<Url> parseUrl(std::string_view text, std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<Url> {
    *error = "URL \"" + std::string(text) + "\": " + why;
    return std::nullopt;
  };
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail("missing scheme (expected http://host:port)");
  Url u;
  u.scheme = std::string(text.substr(0, sep));
  if (u.scheme != "http") {
    return fail("unsupported scheme \"" + u.scheme + "\" (detcd serves plain http only)");
  }
  std::string_view rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);  // etcd accepts a bare "/"
  if (rest.find('/') != std::string_view::npos) return fail("a path is not allowed");
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || (rest.front() == '[' && rest.find(']') > colon)) {
    return fail("missing port");
  }
  u.host = std::string(rest.substr(0, colon));
  if (u.host.empty()) return fail("missing host");
  const std::string_view port = rest.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return fail("bad port \"" + std::string(port) + "\"");
  }
  u.port = static_cast<std::uint16_t>(value);
  return u;
}

std::optional<std::vector<Url>> parseUrls(std::string_view text, std::string* error) {
  std::vector<Url> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view one = text.substr(0, comma);
    auto u = parseUrl(one, error);
    if (!u) return std::nullopt;
    out.push_back(std::move(*u));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) {
    *error = "empty URL list";
    return std::nullopt;
  }
  return out;
}

}  // namespace detcd::server::api

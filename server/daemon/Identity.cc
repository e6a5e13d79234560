#include "server/daemon/Identity.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <stdexcept>

#include "env/TcpTransport.h"
#include "proto/serverpb.pb.h"
#include "server/DurableLog.h"

namespace detcd::server::daemon {

namespace {

std::string hex(std::uint64_t v) { return fmt::format("{:x}", v); }

std::runtime_error fail(const std::string& why) { return std::runtime_error(why); }

/// This member's --initial-advertise-peer-urls (its --initial-cluster entry).
std::vector<std::string> ownPeerUrls(const Config& config) {
  for (const auto& m : config.initialCluster) {
    if (m.name == config.settings.name) return m.peerUrls;
  }
  return {};
}

/// The member list of the first other --initial-cluster member that answers, and its URL; or
/// nothing, with each member's reason in `tried`.
std::optional<std::pair<serverpb::ClusterMembers, std::string>> askPeers(
    const Config& config, env::Nanos perPeerTimeout, std::string* tried) {
  const std::vector<std::string> mine = ownPeerUrls(config);
  for (const auto& m : config.initialCluster) {
    for (const auto& url : m.peerUrls) {
      if (std::find(mine.begin(), mine.end(), url) != mine.end()) continue;
      std::string answer;
      try {
        answer = env::fetchMembers(url, perPeerTimeout);
      } catch (const std::runtime_error& e) {
        *tried += std::string(tried->empty() ? "" : "; ") + e.what();
        continue;
      }
      serverpb::ClusterMembers cm;
      if (!cm.ParseFromString(answer)) {
        *tried += std::string(tried->empty() ? "" : "; ") + url + ": unparsable member list";
        continue;
      }
      return std::make_pair(std::move(cm), url);
    }
  }
  return std::nullopt;
}

/// The listed members with a peer URL, as --initial-cluster entries.
std::vector<ClusterMember> listed(const serverpb::ClusterMembers& cm) {
  std::vector<ClusterMember> out;
  for (const auto& m : cm.members()) {
    if (!m.peer_url().empty()) out.push_back({m.name(), {m.peer_url()}, m.id()});
  }
  return out;
}

/// The restart case: identity from the WAL's metadata.
Config fromWal(const Config& config, const std::string& metadata, env::Nanos perPeerTimeout,
               std::vector<std::string>* notes) {
  serverpb::WalMetadata meta;
  if (!meta.ParseFromString(metadata) || meta.member_id() == 0) {
    throw fail("the WAL in " + config.dataDir + "/member/wal names no member");
  }
  Config c = config;
  c.fromDataDir = true;
  c.memberId = meta.member_id();
  if (meta.cluster_id() != 0) c.clusterId = meta.cluster_id();
  if (!meta.cluster_token().empty()) c.settings.initialClusterToken = meta.cluster_token();
  if (c.memberId != config.memberId || c.clusterId != config.clusterId ||
      c.settings.initialClusterToken != config.settings.initialClusterToken) {
    notes->push_back(fmt::format(
        "the data directory holds member {} of cluster {}; --initial-cluster, "
        "--initial-cluster-token and --initial-cluster-state are ignored",
        hex(c.memberId), hex(c.clusterId)));
  }
  if (c.memberId == config.memberId) return c;  // the flags' members, IDs included, are right
  // The flags describe another member: the first peers are those the node applied (PeerSync).
  // A member that joined may have crashed before it learned any: the running members, if one
  // answers, give them.
  c.initialCluster.clear();
  std::string tried;
  if (meta.joined()) {
    if (auto answer = askPeers(config, perPeerTimeout, &tried)) {
      c.initialCluster = listed(answer->first);
    }
  }
  return c;
}

/// The joining case: identity from a running member's list.
Config fromPeers(const Config& config, env::Nanos perPeerTimeout,
                 std::vector<std::string>* notes) {
  std::string tried;
  const auto answer = askPeers(config, perPeerTimeout, &tried);
  if (!answer) {
    throw fail("--initial-cluster-state=existing: could not get the member list from any other "
               "member of --initial-cluster" +
               (tried.empty() ? std::string(" (it lists no other member)") : " (" + tried + ")"));
  }
  const auto& [cm, url] = *answer;
  const std::vector<std::string> mine = ownPeerUrls(config);
  Config c = config;
  c.initialCluster = listed(cm);
  c.memberId = 0;
  for (const auto& m : c.initialCluster) {
    if (std::find(mine.begin(), mine.end(), m.peerUrls.front()) != mine.end()) c.memberId = m.id;
  }
  if (c.memberId == 0) {
    throw fail(fmt::format(
        "--initial-cluster-state=existing: cluster {} (asked at {}) has no member with peer "
        "URL {}; add this member first (etcdctl member add {} --peer-urls={})",
        hex(cm.cluster_id()), url, fmt::join(mine, ","), config.settings.name,
        fmt::join(mine, ",")));
  }
  c.clusterId = cm.cluster_id();
  notes->push_back(fmt::format("joining cluster {} as member {} (member list from {})",
                               hex(c.clusterId), hex(c.memberId), url));
  return c;
}

}  // namespace

Config identify(const Config& config, env::Disk& disk, env::Nanos perPeerTimeout,
                std::vector<std::string>* notes) {
  auto metadata = readWalMetadata(disk, config.dataDir + "/member");
  if (metadata) return fromWal(config, metadata.value(), perPeerTimeout, notes);
  if (metadata.error().code() != wal::ErrorCode::kNotFound) {
    throw fail("cannot read the WAL's metadata in " + config.dataDir +
               "/member/wal: " + metadata.error().message());
  }
  if (config.settings.initialClusterState == "existing") {
    return fromPeers(config, perPeerTimeout, notes);
  }
  return config;
}

}  // namespace detcd::server::daemon

#pragma once
// How a starting member learns who it is: its member ID, the cluster ID, the cluster token its
// peer transport presents and the peers it first connects to, by etcd 3.4's rules
// (etcdserver.NewServer): the data directory decides once it exists; a member joining an
// existing cluster asks the running members; only a new cluster's members derive the IDs from
// the --initial-cluster flags. docs/server.md, "Member IDs".

#include <string>
#include <vector>

#include "env/Disk.h"
#include "env/Time.h"
#include "server/daemon/Config.h"

namespace detcd::server::daemon {

/// `config` with the identity the member starts with:
/// - the node's data directory (`<data-dir>/member`) holds a WAL: member ID, cluster ID and
///   cluster token from the WAL's metadata, whatever --initial-cluster, --initial-cluster-token
///   and --initial-cluster-state say (etcd ignores them then); Config::fromDataDir is set. The
///   first peers: the flags' --initial-cluster when its IDs include this member's; else, for a
///   member that joined, the list of a running member that answers (it may have crashed before
///   it learned the membership); else none. PeerSync then gives those the node applied;
/// - else with --initial-cluster-state existing: the member list of the first member of
///   --initial-cluster (other than this one's peer URLs) that answers a query on its peer
///   transport (env::fetchMembers, `perPeerTimeout` each; etcd's GetClusterFromRemotePeers):
///   this member's ID is that of the listed member whose peer URL is one of this member's
///   --initial-advertise-peer-urls, the cluster ID is the answer's, and initialCluster becomes
///   the listed members (the transport's first peers);
/// - else (new): `config` unchanged (IDs derived from the flags, Config::resolve).
/// `notes` receives what was ignored or learned, for the log. Throws std::runtime_error with a
/// clear reason: unreadable WAL metadata, no member answered (each peer's reason), or none lists
/// this member's peer URLs (it must be added with `etcdctl member add` first).
Config identify(const Config& config, env::Disk& disk, env::Nanos perPeerTimeout,
                std::vector<std::string>* notes);

}  // namespace detcd::server::daemon

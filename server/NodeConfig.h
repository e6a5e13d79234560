#pragma once
// The settings of one detcd member (etcd's server flags of the same meaning).

#include <cstdint>
#include <string>
#include <vector>

#include "env/Time.h"
#include "server/Bugs.h"

namespace detcd::server {

/// One member of the initial cluster (etcd's --initial-cluster entry).
struct InitialMember {
  std::uint64_t id = 0;  ///< member ID, non-zero; in the simulator the host's env::NodeId
  std::string name;      ///< etcd's --name, e.g. "n1"
  std::string peerUrl;   ///< "" in the simulator (the transport addresses members by ID)
};

/// Configuration of a Node. Times are in nanoseconds of the node's own clock (env::Clock).
struct NodeConfig {
  std::uint64_t id = 0;  ///< this member's ID; non-zero
  std::string name;      ///< this member's name
  /// Data directory on env::Disk; holds "wal/" and "snap/" as etcd's "member/" does.
  std::string dataDir = "member";
  /// etcd's --initial-cluster-state: true for "existing" — a member added to a running cluster
  /// starts with an empty log and learns the membership from the leader (snapshot or entries).
  bool join = false;
  /// etcd's --initial-cluster: the voters a new cluster bootstraps with (ignored when the data
  /// directory already holds a WAL, or when `join`).
  std::vector<InitialMember> initialCluster;
  std::uint64_t clusterId = 0;  ///< response headers' cluster_id; 0 = derived from the members
  /// etcd's --initial-cluster-token, written into a new WAL's metadata (serverpb::WalMetadata) so
  /// that a restart keeps using it whatever its flags say. Empty in the simulator.
  std::string clusterToken;
  /// etcd's --advertise-client-urls. When not empty, the member publishes its name and these
  /// URLs through Raft once started (etcd's EtcdServer.publish: a MemberAttrSetRequest, proposed
  /// again every requestTimeout, or every tick while there is no leader, until applied), and
  /// every member's MemberList shows them. Empty in the simulator, whose members have no client
  /// URLs: they never publish, so simulated runs, their trace hashes and the teaching diagrams
  /// are those of a node without publish.
  std::vector<std::string> clientUrls;

  env::Nanos tick{100'000'000};  ///< etcd's --heartbeat-interval: one Raft tick (100 ms)
  int heartbeatTicks = 1;        ///< leader heartbeats every this many ticks
  int electionTicks = 10;        ///< etcd's --election-timeout / --heartbeat-interval
  bool preVote = true;           ///< etcd 3.4's --pre-vote (default true in 3.5; on here)
  bool checkQuorum = true;       ///< etcd always runs with CheckQuorum

  /// etcd's --snapshot-count: a snapshot is taken every this many applied entries, then the WAL
  /// and the in-memory log are released up to it (keeping `snapshotCatchUpEntries`).
  std::uint64_t snapshotCount = 10'000;
  /// Entries kept in the log behind a snapshot so that slightly slow followers catch up from the
  /// log rather than a snapshot (etcd's SnapshotCatchUpEntries, 5,000).
  std::uint64_t snapshotCatchUpEntries = 5'000;
  /// A proposal or ReadIndex not answered within this much time fails with "etcdserver: request
  /// timed out" (outcome unknown). etcd: 5 s + 2 × election timeout.
  env::Nanos requestTimeout{7'000'000'000};
  /// New proposals are refused with "etcdserver: too many requests" while the applied index is
  /// more than this many entries behind the commit index (etcd's maxGapBetweenApplyAndCommitIndex).
  std::uint64_t maxApplyGap = 5'000;
  std::uint64_t maxRequestBytes = 1'572'864;  ///< etcd's --max-request-bytes (1.5 MiB)
  /// Raft flow control (etcd's constants maxSizePerMsg, 1 MiB, and maxInflightMsgs, 512): bytes
  /// of entries per append message (at least one entry goes) and appends in flight per
  /// follower. The simulator's swarm draws small values to vary how logs are replicated.
  std::uint64_t maxSizePerMsg = std::uint64_t{1} << 20;
  std::uint64_t maxInflightMsgs = 512;
  int maxTxnOps = 128;                        ///< etcd's --max-txn-ops
  /// etcd's --quota-backend-bytes: puts, txns and lease grants that would take the backend size
  /// (NodeStatus::dbSizeBytes) to this many bytes or beyond are refused and raise the NOSPACE
  /// alarm (server/Quota.h). 0 = etcd's default, 2 GiB; negative = no quota.
  std::int64_t quotaBackendBytes = 0;
  /// Interval of the leader's expired-lease check (etcd: 500 ms), of watcher catch-up (etcd's
  /// syncWatchers: 100 ms) and of progress notifications (etcd: 10 min).
  env::Nanos leaseCheckInterval{500'000'000};
  env::Nanos watchSyncInterval{100'000'000};
  env::Nanos progressNotifyInterval{600'000'000'000};
  /// WAL segment size in bytes (etcd: 64 MiB; smaller in simulations to exercise cuts).
  std::uint64_t walSegmentBytes = std::uint64_t{64} << 20;

  /// Trace heartbeats and their answers too ("raft-send" / "raft-recv" of MsgHeartbeat and
  /// MsgHeartbeatResp). Off by default: they are most of the Raft traffic and say little, but a
  /// report asked to show them (`detcd-sim run --report-heartbeats`) needs them.
  bool traceHeartbeats = false;

  Bugs bugs;  ///< deliberate defects (simulator only)
};

}  // namespace detcd::server

#pragma once
// The detcd member (etcd's etcdserver): Raft + WAL + snapshots + MVCC + lessor joined by the
// apply loop, behind an asynchronous request API that the simulator's clients and the real
// gRPC server both call. docs/server.md describes the request path and the on-disk layout.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "env/Env.h"
#include "mvcc/Status.h"
#include "proto/rpc.pb.h"
#include "server/FsyncHistogram.h"
#include "server/NodeConfig.h"

namespace detcd::mvcc {
class KvStore;
}

namespace detcd::server {

/// A member's state as seen from outside, for checks, reports and etcd's Status RPC.
struct NodeStatus {
  std::uint64_t id = 0;
  std::uint64_t clusterId = 0;  ///< the cluster ID response headers carry
  std::string name;
  /// "follower", "pre-candidate", "candidate", "leader"; "stopped" once stopped.
  std::string role;
  std::uint64_t term = 0;
  std::uint64_t leader = 0;  ///< 0 when no leader is known
  std::uint64_t commitIndex = 0;
  std::uint64_t appliedIndex = 0;  ///< the consistent index: last entry applied to the store
  std::uint64_t snapshotIndex = 0;  ///< index of the newest snapshot saved or received
  std::uint64_t firstIndex = 0;     ///< first entry still in the log (after compaction)
  std::uint64_t lastIndex = 0;
  std::int64_t revision = 0;          ///< the store's current revision
  std::int64_t compactRevision = 0;   ///< -1 when never compacted
  std::uint32_t hashKv = 0;           ///< HashKV at the current revision (etcd's hash_kv)
  std::vector<std::uint64_t> voters;  ///< membership as applied (incoming voters)
  std::vector<std::uint64_t> learners;
  std::uint64_t walSyncs = 0;  ///< WAL fdatasyncs so far (this incarnation)
  /// Durations of those syncs on env.clock (etcd_disk_wal_fsync_duration_seconds).
  FsyncHistogram walFsyncDurations;
  /// Leader changes seen this incarnation, etcd's way (etcd_server_leader_changes_seen_total):
  /// each time Raft reports a leader other than the one it reported last, none excepted (so
  /// leader A, no leader, leader A again counts twice).
  std::uint64_t leaderChanges = 0;
  /// Proposals that failed this incarnation, as etcd counts them
  /// (etcd_server_proposals_failed_total): not taken by Raft for lack of a leader, or not
  /// applied within the request timeout. Rejections before Raft (too large, too many
  /// requests, stopped) and membership changes are not counted, as in etcd.
  std::uint64_t proposalsFailed = 0;
  /// Proposals taken by Raft and waiting to be applied here (etcd_server_proposals_pending).
  std::uint64_t proposalsPending = 0;
  /// Live keys at the current revision (etcd_debugging_mvcc_keys_total).
  std::uint64_t keys = 0;
  /// Bytes the store keeps: key and value of every stored revision, tombstones and history not
  /// yet compacted included, plus kRevisionOverheadBytes each (our analogue of
  /// etcd_mvcc_db_total_size_in_bytes and Status's db_size, and the size the space quota,
  /// NodeConfig::quotaBackendBytes, is compared with: it grows with writes and shrinks with
  /// compaction; etcd's bolt file only shrinks on defragmentation). Leases are not counted.
  std::uint64_t dbSizeBytes = 0;
  /// The per-revision overhead counted in dbSizeBytes: the revision, create revision, version
  /// and lease (four 8-byte integers), as bolt stores them with each key-value.
  static constexpr std::uint64_t kRevisionOverheadBytes = 32;
  /// The space quota in bytes (BackendQuota::limit: NodeConfig::quotaBackendBytes, 2 GiB for 0,
  /// negative when disabled), for etcd_server_quota_backend_bytes.
  std::int64_t quotaBackendBytes = 0;
  /// The active alarms as applied here, ordered by (type, member) (Status's errors list them).
  std::vector<etcdserverpb::AlarmMember> alarms;
  std::uint64_t snapshots = 0;  ///< snapshots saved so far (this incarnation)
  bool stopped = false;
  /// Stopped at start because its data directory is damaged (not a torn tail): it never served.
  bool refused = false;
  std::string stopReason;  ///< why it stopped: removed, WAL failure, corruption at start
  /// Removed from the cluster: it applied its own removal, or a member that had was told so
  /// (it stops ten ticks later, as etcd's stopWithDelay; etcd then exits 0).
  bool removed = false;
};

/// A member as this node's applied state knows it (Node::peers()): who the transport must reach.
struct NodePeer {
  std::uint64_t id = 0;
  std::string peerUrl;  ///< its peer URL ("" in the simulator, and for a removed member)
  /// Removed from the cluster and out of Raft's applied configuration (not an outgoing voter of
  /// a joint one): nothing is sent to it any more, and its messages are answered "removed".
  bool removed = false;
};

/// One member. Single-threaded: every method runs on the node's event loop (the simulator's
/// NodeLoop, or the Asio io_context of the real binary), and so do the callbacks.
///
/// Lifecycle. The constructor opens the data directory on env.disk: with a WAL there it restarts
/// (newest valid snapshot acceptable to the WAL, then WAL replay, entries after the consistent
/// index applied once); without one it bootstraps `config.initialCluster` (or, when
/// `config.join`, starts empty and waits for the leader). A torn WAL tail is truncated and
/// traced; any other damage makes the node refuse to start: it is stopped() with the reason, and
/// never serves. It starts its tick timer on env.clock and listens on env.transport (payloads
/// are detcd::serverpb::PeerMessage); with NodeConfig::clientUrls it then publishes its name and
/// client URLs through Raft until they are applied (published(); etcd's publish; never in the
/// simulator, whose members have no client URLs). It stops for good when a WAL write/fsync fails (fail-stop,
/// fsyncgate) or when a configuration without it is applied (removed member). Destruction is a
/// crash: nothing is flushed, pending callbacks are dropped without being called.
///
/// Requests. Every request method answers through its callback exactly once while the node
/// lives: with an ok Status and the response (header: cluster_id, member_id, revision,
/// raft_term as etcd fills them), or with an error Status carrying etcd's code and message:
///  - the store's validation errors (mvcc::errors) — the request had no effect;
///  - "etcdserver: no leader" — no leader known when proposing; no effect;
///  - "etcdserver: too many requests" — applied index > maxApplyGap behind commit; no effect;
///  - "etcdserver: leader changed" — a ReadIndex was lost to a leadership change; no effect;
///  - "etcdserver: request timed out" — no answer within requestTimeout; the outcome is
///    UNKNOWN (the entry may still commit);
///  - "etcdserver: server stopped" — the node stopped; outcome unknown for proposals;
///  - "etcdserver: request is too large" — over maxRequestBytes; no effect;
///  - "etcdserver: mvcc: database space exceeded" — a put, txn or lease grant over the space
///    quota (the member raises the NOSPACE alarm first), or one that writes while the alarm is
///    active; no effect.
/// Writes (put, delete, txn with writes, compact, lease grant/revoke, member changes) are
/// proposed through Raft (forwarded to the leader by Raft) and answered after this node
/// applies them. Linearizable reads (serializable = false) wait for a ReadIndex and for the
/// applied index to reach it; serializable reads answer at once from local state. Read-only
/// txns are linearizable reads too.
class Node {
 public:
  template <typename Response>
  using Callback = std::function<void(const mvcc::Status& status, const Response& response)>;
  /// Receives a watch stream's responses in order.
  using WatchSink = std::function<void(const etcdserverpb::WatchResponse& response)>;

  /// See the class comment. Never throws for disk problems (stopped() says why); throws
  /// std::invalid_argument for an invalid config (no id, no initial cluster when bootstrapping).
  Node(env::Env& env, NodeConfig config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // --- KV (etcd's KV service) ---
  void range(const etcdserverpb::RangeRequest& req, Callback<etcdserverpb::RangeResponse> done);
  void put(const etcdserverpb::PutRequest& req, Callback<etcdserverpb::PutResponse> done);
  void deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                   Callback<etcdserverpb::DeleteRangeResponse> done);
  void txn(const etcdserverpb::TxnRequest& req, Callback<etcdserverpb::TxnResponse> done);
  void compact(const etcdserverpb::CompactionRequest& req,
               Callback<etcdserverpb::CompactionResponse> done);

  // --- Lease (etcd's Lease service) ---
  void leaseGrant(const etcdserverpb::LeaseGrantRequest& req,
                  Callback<etcdserverpb::LeaseGrantResponse> done);
  void leaseRevoke(const etcdserverpb::LeaseRevokeRequest& req,
                   Callback<etcdserverpb::LeaseRevokeResponse> done);
  /// One keep-alive; a follower forwards it to the leader over the peer transport (etcd
  /// forwards lease renewals to the leader). TTL 0 in the response: lease not found/expired.
  void leaseKeepAlive(const etcdserverpb::LeaseKeepAliveRequest& req,
                      Callback<etcdserverpb::LeaseKeepAliveResponse> done);
  void leaseTimeToLive(const etcdserverpb::LeaseTimeToLiveRequest& req,
                       Callback<etcdserverpb::LeaseTimeToLiveResponse> done);
  void leaseLeases(const etcdserverpb::LeaseLeasesRequest& req,
                   Callback<etcdserverpb::LeaseLeasesResponse> done);

  // --- Watch (etcd's Watch service; a stream stands for one gRPC Watch stream) ---
  /// Opens a stream; `sink` receives its responses, in order, until closeWatchStream() or the
  /// node's destruction. Returns the stream ID.
  std::int64_t openWatchStream(WatchSink sink);
  /// Handles one WatchRequest (create / cancel / progress) of an open stream.
  void watch(std::int64_t stream, const etcdserverpb::WatchRequest& req);
  void closeWatchStream(std::int64_t stream);

  // --- Cluster (etcd's Cluster service) ---
  /// Adds member `id` (voter, or learner when `learner`) through a Raft configuration change
  /// entered by joint consensus. Errors as etcd's: "etcdserver: member ID already exist",
  /// "etcdserver: re-configuration failed due to not enough started members" is not checked.
  void memberAdd(std::uint64_t id, const std::string& peerUrl, bool learner,
                 Callback<etcdserverpb::MemberAddResponse> done);
  /// Removes member `id`. Error: "etcdserver: member not found".
  void memberRemove(std::uint64_t id, Callback<etcdserverpb::MemberRemoveResponse> done);
  /// Promotes learner `id` to voter. Errors: "etcdserver: member not found",
  /// "etcdserver: can only promote a learner member".
  void memberPromote(std::uint64_t id, Callback<etcdserverpb::MemberPromoteResponse> done);
  /// Moves member `id` to `peerUrl` (etcd's MemberUpdate): a ConfChangeUpdateNode entry (no
  /// joint consensus: no voter changes), applied to the member list; name, client URLs and
  /// learner flag stay. Error: "etcdserver: member not found". The caller checks the URL is
  /// not another member's (etcd: "Peer URLs already exists").
  void memberUpdate(std::uint64_t id, const std::string& peerUrl,
                    Callback<etcdserverpb::MemberUpdateResponse> done);
  /// The member list as applied here: ID, name, peer URL and client URLs (those the member
  /// published; none before it did), learner flag.
  void memberList(Callback<etcdserverpb::MemberListResponse> done);
  /// The members as applied here, this one included: every listed member with its peer URL
  /// (ascending IDs), then every removed ID that Raft's configuration no longer mentions (the rule
  /// by which this node stops talking to it). Cheap (no store walk), synchronous: the binary
  /// polls it to give its peer transport the members added and removed at run time, as etcd's
  /// apply loop calls rafthttp's AddPeer / RemovePeer. Empty until a joining member learns the
  /// membership from the leader.
  std::vector<NodePeer> peers() const;

  // --- Maintenance ---
  /// Hands leadership to `target` (etcd's MoveLeader); answered once `target` leads or with
  /// "etcdserver: not leader" on a follower / "etcdserver: request timed out".
  void moveLeader(std::uint64_t target, Callback<etcdserverpb::MoveLeaderResponse> done);

  /// etcd's Maintenance.Alarm, applied through Raft on every member as etcd does (GET too, so
  /// that it is linearizable): GET lists the alarms of `req.alarm()` (all for NONE), ACTIVATE
  /// raises alarm `req.alarm()` for member `req.memberid()`, DEACTIVATE clears it (answering the
  /// alarm cleared, or none). A NOSPACE alarm refuses puts, txns with puts and lease grants on
  /// every member with "etcdserver: mvcc: database space exceeded" until cleared; a CORRUPT one
  /// refuses every write with "etcdserver: corrupt cluster" (server/Quota.h). Errors: the
  /// proposal's (no leader, timed out, ...); InvalidArgument for an unknown action, or ACTIVATE
  /// of NONE or of an unknown type (etcd stores those silently).
  void alarm(const etcdserverpb::AlarmRequest& req, Callback<etcdserverpb::AlarmResponse> done);

  // --- Inspection (checks, reports, Status RPC) ---
  NodeStatus status() const;
  bool stopped() const;
  /// The node's clock (env.clock): what MemberAdd mixes into a new member's ID, so that IDs
  /// differ over time as etcd's (which hashes the Unix time) without a wall clock here.
  env::Nanos now() const;
  /// Whether this member's attributes (NodeConfig::clientUrls) were applied: etcd's readiness
  /// (ReadyNotify), after which etcd serves clients. Always false without client URLs.
  bool published() const;
  /// The state machine, for end-of-run checks (durability, convergence). Read only.
  const mvcc::KvStore& store() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace detcd::server

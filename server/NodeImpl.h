#pragma once
// Node's implementation (private to server/): the apply loop joining raft::RawNode, the
// DurableLog, the store, the lessor and the watch hub. NodeImpl.cc holds start-up, the Ready
// loop, apply and snapshots; NodeRequests.cc the request handlers; NodeLeases.cc lease expiry
// and forwarding; NodeWatches.cc the watch streams; NodeMembership.cc publishing this member's
// attributes and member updates.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "mvcc/KvStore.h"
#include "mvcc/WatchHub.h"
#include "raft/RawNode.h"
#include "server/Alarms.h"
#include "server/DurableLog.h"
#include "server/Membership.h"
#include "server/Node.h"
#include "server/Quota.h"
#include "server/Waits.h"

namespace detcd::server {

/// Whether `cs` names `id` in any role: voter (incoming or outgoing), learner or learner-next.
bool mentions(const raftpb::ConfState& cs, std::uint64_t id);

/// The member behind Node (docs/server.md describes the request path). Invariants: every entry
/// at or below consistentIndex_ is in store_, and no other; a Ready is persisted before it is
/// applied and applied before its messages leave; callbacks never run in the middle of a Ready
/// (respond()); once stopped_ nothing is served and no timer is pending.
class Node::Impl {
 public:
  Impl(env::Env& env, NodeConfig config);
  ~Impl();

  // --- requests (NodeRequests.cc) ---
  void range(const etcdserverpb::RangeRequest& req, Callback<etcdserverpb::RangeResponse> done);
  void put(const etcdserverpb::PutRequest& req, Callback<etcdserverpb::PutResponse> done);
  void deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                   Callback<etcdserverpb::DeleteRangeResponse> done);
  void txn(const etcdserverpb::TxnRequest& req, Callback<etcdserverpb::TxnResponse> done);
  void compact(const etcdserverpb::CompactionRequest& req,
               Callback<etcdserverpb::CompactionResponse> done);
  void leaseGrant(const etcdserverpb::LeaseGrantRequest& req,
                  Callback<etcdserverpb::LeaseGrantResponse> done);
  void leaseRevoke(const etcdserverpb::LeaseRevokeRequest& req,
                   Callback<etcdserverpb::LeaseRevokeResponse> done);
  void leaseLeases(Callback<etcdserverpb::LeaseLeasesResponse> done);
  void memberAdd(std::uint64_t id, const std::string& peerUrl, bool learner,
                 Callback<etcdserverpb::MemberAddResponse> done);
  void memberRemove(std::uint64_t id, Callback<etcdserverpb::MemberRemoveResponse> done);
  void memberPromote(std::uint64_t id, Callback<etcdserverpb::MemberPromoteResponse> done);
  void memberList(Callback<etcdserverpb::MemberListResponse> done);
  std::vector<NodePeer> peers() const;
  void moveLeader(std::uint64_t target, Callback<etcdserverpb::MoveLeaderResponse> done);
  void memberUpdate(std::uint64_t id, const std::string& peerUrl,
                    Callback<etcdserverpb::MemberUpdateResponse> done);

  // --- alarms and the space quota (NodeAlarms.cc) ---
  void alarm(const etcdserverpb::AlarmRequest& req, Callback<etcdserverpb::AlarmResponse> done);

  // --- leases (NodeLeases.cc) ---
  void leaseKeepAlive(const etcdserverpb::LeaseKeepAliveRequest& req,
                      Callback<etcdserverpb::LeaseKeepAliveResponse> done);
  void leaseTimeToLive(const etcdserverpb::LeaseTimeToLiveRequest& req,
                       Callback<etcdserverpb::LeaseTimeToLiveResponse> done);

  // --- watches (NodeWatches.cc) ---
  std::int64_t openWatchStream(WatchSink sink);
  void watch(std::int64_t stream, const etcdserverpb::WatchRequest& req);
  void closeWatchStream(std::int64_t stream);

  NodeStatus status() const;
  bool stopped() const { return stopped_; }
  bool published() const { return published_; }
  env::Nanos now() const { return env_.clock.now(); }
  const mvcc::KvStore& store() const { return store_; }

 private:
  // --- start-up and the loop (NodeImpl.cc) ---
  void start();
  raftpb::Snapshot bootstrapSnapshot() const;
  /// Loads the state machine from a snapshot's data (restart or a snapshot from the leader).
  bool restoreSnapshot(const raftpb::Snapshot& snap);
  void startTimers();
  void onTick();
  void receive(env::NodeId from, const std::string& payload);
  /// Handles Readies until none is left (or a few per turn, the rest on the next turn, so that
  /// the applied index may trail the commit index as in etcd's asynchronous apply).
  void pump();
  /// Arranges one pump() after the events already due on this node's loop (a zero-delay timer
  /// on env.clock; at most one pending): requests and peer messages of one turn of the event
  /// loop then share one Ready — one WAL append and fsync, one round of messages — as etcd's
  /// raft loop batches the proposals that arrive while it persists.
  void schedulePump();
  /// Handles one Ready: a leader's appends leave at once (RawNode::takeLeaderMessages), then
  /// persist (fsync), apply, and send the rest.
  void handleReady();
  /// Traces and sends Raft messages to their members.
  void sendRaftMessages(std::vector<raftpb::Message> msgs);
  void onSoftState(const raft::SoftState& ss);
  void applyEntry(const raftpb::Entry& e);
  void applyNormal(const raftpb::Entry& e);
  void applyConfChange(const raftpb::Entry& e);
  /// Applies a published MemberAttrSetRequest to the member list and answers its proposer.
  void applyAttributes(const serverpb::InternalRaftRequest& req);
  void serveReads(const std::vector<raft::ReadState>& readStates);
  void maybeSnapshot();
  void traceRaftState();
  /// Fail-stop: answers every waiter "server stopped" and serves nothing more.
  void stop(const std::string& reason);
  /// Corruption at start: never serves.
  void refuse(const std::string& reason);
  void sendPeer(env::NodeId to, const serverpb::PeerMessage& m);
  /// Runs an answer now, or after the Ready being handled (callbacks never run mid-Ready).
  void respond(std::function<void()> answer);
  void flushAnswers();

  // --- requests (NodeRequests.cc) ---
  std::uint64_t nextRequestId();
  bool isLeader() const;
  std::uint64_t leader() const;
  /// Checks a proposal may be made now: stopped, size, apply gap, leader.
  mvcc::Status admit(std::size_t bytes) const;
  /// Queues `req` (its id set here) for this turn's proposal; `done` gets the applied outcome,
  /// or "no leader" when Raft drops the batch.
  void propose(serverpb::InternalRaftRequest req, Waits::Completion done);
  /// Hands every queued request to Raft as one MsgProp (pump() calls it first), so that the
  /// requests of one event-loop turn travel in one MsgApp per follower — and in one forwarded
  /// MsgProp from a follower — rather than one message each.
  void proposeQueued();
  void proposeConfChange(raftpb::ConfChangeV2 cc, const serverpb::Member& member,
                         Waits::Completion done);
  /// Runs `read` once a ReadIndex confirmed leadership and the applied index reached it
  /// (or with the error that prevented it).
  void linearizableRead(std::function<void(const mvcc::Status&)> read);
  void retryReadIndexes();
  /// Sends one ReadIndex for every read waiting (none in flight).
  void startReadBatch();
  template <class Response>
  Waits::Completion typed(Callback<Response> done);
  template <class Response>
  void answer(const Callback<Response>& done, const mvcc::Status& st, Response resp);
  void fillHeader(etcdserverpb::ResponseHeader* h) const;
  template <class Response>
  Waits::Completion membersAnswer(Callback<Response> done, std::uint64_t memberId);

  // --- alarms and the space quota (NodeAlarms.cc) ---
  /// Whether a put, txn or lease grant costing `cost` (BackendQuota::cost) fits the quota on
  /// this member's store now (etcd's quotaKVServer / quotaLeaseServer check before proposing).
  bool fitsQuota(std::uint64_t cost) const;
  /// Raises the NOSPACE alarm for this member through Raft (unless already applied here), then
  /// answers `done` "database space exceeded" whatever became of the alarm (etcd's
  /// quotaAlarmer.check).
  void refuseNoSpace(Waits::Completion done);
  /// After applying entry `req` whose result was "database space exceeded" with no NOSPACE alarm
  /// active: the member holding its waiter raises the alarm and answers once the alarm applied
  /// (etcd's applyEntryNormal). False when this member does not hold the waiter.
  bool raiseAfterApply(const serverpb::InternalRaftRequest& req);
  /// Traces an applied ACTIVATE, and a DEACTIVATE that found its alarm ("alarm": action,
  /// member, alarm).
  void traceAlarm(const etcdserverpb::AlarmRequest& req, const etcdserverpb::AlarmResponse& r);

  // --- membership (NodeRequests.cc) ---
  /// Proposes this member's attributes (NodeConfig::clientUrls), again after a failure, until
  /// applied (etcd's publish); nothing when the config has no client URLs.
  void publish();

  // --- leases (NodeLeases.cc) ---
  void onLeaseCheck();
  std::vector<std::int64_t> expiredLeases(std::int64_t nowNs) const;
  void handleLeaseForward(env::NodeId from, const serverpb::LeaseForward& f);
  void handleLeaseAnswer(const serverpb::LeaseForwardAnswer& a);
  using KeepAliveDone =
      std::function<void(const mvcc::Status&, const etcdserverpb::LeaseKeepAliveResponse&)>;
  /// A keep-alive on this leader's primary lessor, after a ReadIndex round confirms leadership
  /// (etcd 3.5's ensureLeadership; "request timed out" on a deposed leader). For a lease that
  /// expired but whose revoke is
  /// not applied yet, `done` runs when the revoke applies (TTL 0) or leadership is lost
  /// ("not leader"): etcd's Renew waits for the revoke, so a client never hears "not found"
  /// while the lease's keys still exist.
  void keepAliveOnLeader(const etcdserverpb::LeaseKeepAliveRequest& req, KeepAliveDone done);
  /// keepAliveOnLeader's renewal once leadership is confirmed.
  void renewOnLeader(const etcdserverpb::LeaseKeepAliveRequest& req, KeepAliveDone done);
  /// Answers the keep-alives waiting for lease `id`'s revoke (it has just been applied).
  void answerExpiredKeepAlives(std::int64_t id);
  /// Fails every waiting keep-alive with `st` (leadership lost, node stopped).
  void failExpiredKeepAlives(const mvcc::Status& st);

  // --- watches (NodeWatches.cc) ---
  void onWatchSync();
  void onProgressNotify();
  void deliverWatches();
  void deliver(std::int64_t stream);

  env::Env& env_;
  NodeConfig cfg_;
  std::uint64_t clusterId_ = 0;
  mvcc::KvStore store_;
  mvcc::WatchHub hub_;
  Membership members_;
  AlarmStore alarms_;
  DurableLog log_;
  std::unique_ptr<raft::RawNode> raw_;
  Waits waits_;
  BackendQuota quota_;
  raftpb::ConfState confState_;

  std::uint64_t consistentIndex_ = 0;  ///< the last entry applied to the store
  std::uint64_t snapshotIndex_ = 0;
  std::uint64_t snapshots_ = 0;
  bool stopped_ = false;
  bool refused_ = false;  ///< stopped by refuse(): damaged data at start
  bool removed_ = false;
  std::string stopReason_;
  std::string role_ = "follower";

  bool pumping_ = false;
  std::vector<std::function<void()>> answers_;

  std::uint64_t idPrefix_ = 0;
  std::uint64_t idCounter_ = 0;
  /// Linearizable reads, batched as etcd does: those that arrived while a ReadIndex is in flight
  /// wait for the next one (a read needs a ReadIndex issued after it arrived); the batch of the
  /// ReadIndex in flight (its context is readBatchId_, 0 when none); reads with their read index,
  /// waiting for the applied index.
  std::vector<std::uint64_t> readsWaiting_;
  std::uint64_t readBatchId_ = 0;
  std::vector<std::uint64_t> readBatch_;
  std::map<std::uint64_t, std::uint64_t> awaitingApply_;  // id -> read index
  std::uint64_t ticks_ = 0;
  std::uint64_t lastLead_ = 0;
  // Metrics (NodeStatus says what each counts).
  std::uint64_t leaderChanges_ = 0;
  /// A request waiting for this turn's proposeQueued().
  struct QueuedProposal {
    std::uint64_t id;
    std::string data;  // the serialized InternalRaftRequest
    Waits::Completion done;
  };
  std::vector<QueuedProposal> queuedProposals_;
  std::uint64_t proposalsFailed_ = 0;
  std::uint64_t proposalsPending_ = 0;
  /// Led, and has not heard of another leader since (only the stale-read defect reads it).
  bool ledUntilNow_ = false;
  /// MoveLeader requests by ID: their target.
  std::map<std::uint64_t, std::uint64_t> moveLeaders_;
  /// Leases whose revoke this leader proposed (lease -> when), so each is traced once.
  std::map<std::int64_t, env::Nanos> revoking_;
  /// Keep-alives of expired leases waiting for the revoke to apply (see keepAliveOnLeader).
  std::map<std::int64_t, std::vector<KeepAliveDone>> expiredKeepAlives_;
  std::map<std::int64_t, WatchSink> sinks_;
  std::uint64_t watchEvents_ = 0;

  struct Traced {
    std::uint64_t term = 0, vote = 0, leader = 0, commit = 0, last = 0;
    std::string role;
    bool operator==(const Traced&) const = default;
  };
  std::optional<Traced> traced_;
  /// What status() computes by walking the store, keyed by (applied index, revision, compact
  /// revision): HashKV, live keys.
  struct StoreSummary {
    std::uint32_t hashKv = 0;
    std::uint64_t keys = 0;
  };
  mutable std::optional<std::pair<std::tuple<std::uint64_t, std::int64_t, std::int64_t>,
                                  StoreSummary>> summaryCache_;

  env::TimerId tickTimer_ = 0, leaseTimer_ = 0, syncTimer_ = 0, progressTimer_ = 0,
               pumpTimer_ = 0, removalTimer_ = 0, publishTimer_ = 0;
  bool published_ = false;  ///< this incarnation's attributes were applied (publish())
};

// Answers `done` (header filled when ok; etcd sends no body with an error), never mid-Ready.
template <class Response>
inline void Node::Impl::answer(const Callback<Response>& done, const mvcc::Status& st,
                               Response resp) {
  if (st.ok()) {
    fillHeader(resp.mutable_header());
  } else {
    resp.Clear();  // etcd answers an error without a response
  }
  respond([done, st, resp = std::move(resp)] { done(st, resp); });
}

template <class Response>
inline Waits::Completion Node::Impl::typed(Callback<Response> done) {
  return [this, done = std::move(done)](const mvcc::Status& st,
                                        const google::protobuf::Message* msg) {
    Response resp;
    if (msg != nullptr && msg->GetDescriptor() == Response::descriptor()) resp.CopyFrom(*msg);
    answer(done, st, std::move(resp));
  };
}

}  // namespace detcd::server

// Node::Impl's request handlers: admission, proposals, linearizable reads, membership changes.

#include <utility>

#include "mvcc/RequestChecks.h"
#include "server/Applier.h"
#include "server/Errors.h"
#include "server/NodeImpl.h"

namespace detcd::server {

namespace {

std::string encodeId(std::uint64_t id) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, id >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(id);
  return out;
}

}  // namespace

std::uint64_t Node::Impl::nextRequestId() {
  idCounter_ = (idCounter_ + 1) & ((std::uint64_t{1} << 48) - 1);
  return idPrefix_ | idCounter_;
}

bool Node::Impl::isLeader() const {
  return raw_ && !stopped_ && raw_->raft().state() == raft::StateType::Leader;
}

std::uint64_t Node::Impl::leader() const { return raw_ ? raw_->raft().lead() : 0; }

mvcc::Status Node::Impl::admit(std::size_t bytes) const {
  if (stopped_) return errors::stopped();
  if (bytes > cfg_.maxRequestBytes) return errors::requestTooLarge();
  if (raw_->raft().log().committed() > consistentIndex_ + cfg_.maxApplyGap) {
    return errors::tooManyRequests();
  }
  if (leader() == 0) return errors::noLeader();
  return {};
}

void Node::Impl::fillHeader(etcdserverpb::ResponseHeader* h) const {
  h->set_cluster_id(clusterId_);
  h->set_member_id(cfg_.id);
  if (raw_) h->set_raft_term(raw_->raft().term());
}

void Node::Impl::propose(serverpb::InternalRaftRequest req, Waits::Completion done) {
  const std::uint64_t id = nextRequestId();
  req.set_id(id);
  std::string data = req.SerializeAsString();
  if (auto st = admit(data.size()); !st.ok()) {
    // etcd counts a proposal Raft does not take as failed, not the checks before Raft.
    if (st == errors::noLeader()) ++proposalsFailed_;
    return done(st, nullptr);
  }
  ++proposalsPending_;
  queuedProposals_.push_back({id, std::move(data), std::move(done)});
  schedulePump();
}

void Node::Impl::proposeQueued() {
  if (queuedProposals_.empty()) return;
  auto batch = std::exchange(queuedProposals_, {});
  std::vector<std::string> data;
  data.reserve(batch.size());
  for (auto& p : batch) data.push_back(std::move(p.data));
  // Dropped means not appended anywhere (no leader, or a transfer in progress): no effect.
  if (raw_->propose(data) != raft::Error::None) {
    for (auto& p : batch) {
      --proposalsPending_;
      ++proposalsFailed_;
      p.done(errors::noLeader(), nullptr);
    }
    return;
  }
  for (auto& p : batch) {
    waits_.add(p.id, cfg_.requestTimeout, errors::timedOut(),
               [this, done = std::move(p.done)](const mvcc::Status& st,
                                                const google::protobuf::Message* msg) {
                 --proposalsPending_;
                 if (st == errors::timedOut()) ++proposalsFailed_;  // etcd: the context expired
                 done(st, msg);
               });
  }
}

void Node::Impl::linearizableRead(std::function<void(const mvcc::Status&)> read) {
  if (stopped_) return read(errors::stopped());
  // stale-read (a deliberate defect): a leader, or a deposed one that has not heard of its
  // successor yet, trusts itself without confirming leadership.
  if (cfg_.bugs.staleRead && (isLeader() || ledUntilNow_)) return read({});
  if (leader() == 0) return read(errors::noLeader());
  const std::uint64_t id = nextRequestId();
  waits_.add(id, cfg_.requestTimeout, errors::timedOut(),
             [read = std::move(read)](const mvcc::Status& st, const google::protobuf::Message*) {
               read(st);
             });
  readsWaiting_.push_back(id);
  if (readBatchId_ == 0) startReadBatch();
  schedulePump();
}

void Node::Impl::startReadBatch() {
  readBatchId_ = nextRequestId();
  readBatch_ = std::exchange(readsWaiting_, {});
  raw_->readIndex(encodeId(readBatchId_));
}

void Node::Impl::retryReadIndexes() {
  // A ReadIndex lost on the way to the leader (or dropped for want of one) is asked again
  // (etcd 3.5 retries too).
  if (readBatchId_ != 0) {
    raw_->readIndex(encodeId(readBatchId_));
  } else if (!readsWaiting_.empty()) {
    startReadBatch();
  }
}

void Node::Impl::range(const etcdserverpb::RangeRequest& req,
                       Callback<etcdserverpb::RangeResponse> done) {
  if (auto st = mvcc::checkRangeRequest(req); !st.ok()) return answer(done, st, {});
  auto read = [this, req, done](const mvcc::Status& st) {
    etcdserverpb::RangeResponse resp;
    const mvcc::Status result = st.ok() ? store_.range(req, &resp) : st;
    answer(done, result, std::move(resp));
  };
  if (req.serializable()) {
    if (stopped_) return answer(done, errors::stopped(), {});
    return read({});
  }
  linearizableRead(std::move(read));
}

void Node::Impl::put(const etcdserverpb::PutRequest& req,
                     Callback<etcdserverpb::PutResponse> done) {
  if (auto st = mvcc::checkPutRequest(req); !st.ok()) return answer(done, st, {});
  serverpb::InternalRaftRequest r;
  *r.mutable_put() = req;
  if (!fitsQuota(BackendQuota::cost(r))) return refuseNoSpace(typed(std::move(done)));
  propose(std::move(r), typed(std::move(done)));
}

void Node::Impl::deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                             Callback<etcdserverpb::DeleteRangeResponse> done) {
  if (auto st = mvcc::checkDeleteRequest(req); !st.ok()) return answer(done, st, {});
  serverpb::InternalRaftRequest r;
  *r.mutable_delete_range() = req;
  propose(std::move(r), typed(std::move(done)));
}

void Node::Impl::txn(const etcdserverpb::TxnRequest& req,
                     Callback<etcdserverpb::TxnResponse> done) {
  if (auto st = mvcc::checkTxnRequest(req, cfg_.maxTxnOps); !st.ok()) {
    return answer(done, st, {});
  }
  // etcd checks every txn, read-only ones too: none passes a backend at its quota.
  if (!fitsQuota(BackendQuota::txnCost(req))) return refuseNoSpace(typed(std::move(done)));
  if (isReadOnlyTxn(req)) {
    // A read-only Txn is a linearizable read (etcd: isTxnReadonly -> linearizableReadNotify).
    return linearizableRead([this, req, done](const mvcc::Status& st) {
      etcdserverpb::TxnResponse resp;
      const mvcc::Status result = st.ok() ? store_.txn(req, &resp) : st;
      answer(done, result, std::move(resp));
    });
  }
  serverpb::InternalRaftRequest r;
  *r.mutable_txn() = req;
  propose(std::move(r), typed(std::move(done)));
}

void Node::Impl::compact(const etcdserverpb::CompactionRequest& req,
                         Callback<etcdserverpb::CompactionResponse> done) {
  serverpb::InternalRaftRequest r;
  *r.mutable_compaction() = req;
  propose(std::move(r), typed(std::move(done)));
}

void Node::Impl::leaseGrant(const etcdserverpb::LeaseGrantRequest& req,
                            Callback<etcdserverpb::LeaseGrantResponse> done) {
  serverpb::InternalRaftRequest r;
  *r.mutable_lease_grant() = req;
  if (!fitsQuota(BackendQuota::cost(r))) return refuseNoSpace(typed(std::move(done)));
  propose(std::move(r), typed(std::move(done)));
}

void Node::Impl::leaseRevoke(const etcdserverpb::LeaseRevokeRequest& req,
                             Callback<etcdserverpb::LeaseRevokeResponse> done) {
  serverpb::InternalRaftRequest r;
  *r.mutable_lease_revoke() = req;
  propose(std::move(r), typed(std::move(done)));
}

void Node::Impl::leaseLeases(Callback<etcdserverpb::LeaseLeasesResponse> done) {
  linearizableRead([this, done](const mvcc::Status& st) {
    etcdserverpb::LeaseLeasesResponse resp;
    const mvcc::Status result = st.ok() ? store_.leaseLeases({}, &resp) : st;
    answer(done, result, std::move(resp));
  });
}

template <class Response>
Waits::Completion Node::Impl::membersAnswer(Callback<Response> done, std::uint64_t memberId) {
  return [this, done = std::move(done), memberId](const mvcc::Status& st,
                                                  const google::protobuf::Message*) {
    Response resp;
    if (st.ok()) {
      members_.list(resp.mutable_members());
      if constexpr (requires { resp.mutable_member(); }) {
        if (const auto* m = members_.find(memberId)) Membership::toApi(*m, resp.mutable_member());
      }
    }
    answer(done, st, std::move(resp));
  };
}

void Node::Impl::proposeConfChange(raftpb::ConfChangeV2 cc, const serverpb::Member& member,
                                   Waits::Completion done) {
  const std::uint64_t id = nextRequestId();
  serverpb::ConfChangeContext ctx;
  ctx.set_request_id(id);
  *ctx.mutable_member() = member;
  // Joint consensus, left automatically once the joint configuration is applied; an update
  // changes no voter and needs none.
  if (cc.changes_size() != 1 || cc.changes(0).type() != raftpb::ConfChangeUpdateNode) {
    cc.set_transition(raftpb::ConfChangeTransitionJointImplicit);
  }
  cc.set_context(ctx.SerializeAsString());
  if (auto st = admit(cc.ByteSizeLong()); !st.ok()) return done(st, nullptr);
  if (raw_->proposeConfChange(cc) != raft::Error::None) {
    return done(errors::noLeader(), nullptr);
  }
  waits_.add(id, cfg_.requestTimeout, errors::timedOut(), std::move(done));
  schedulePump();
}

namespace {
raftpb::ConfChangeV2 singleChange(raftpb::ConfChangeType type, std::uint64_t id) {
  raftpb::ConfChangeV2 cc;
  auto* c = cc.add_changes();
  c->set_type(type);
  c->set_node_id(id);
  return cc;
}
}  // namespace

void Node::Impl::memberAdd(std::uint64_t id, const std::string& peerUrl, bool learner,
                           Callback<etcdserverpb::MemberAddResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (id == 0) {
    return answer(done, mvcc::errors::make(mvcc::StatusCode::kInvalidArgument,
                                           "etcdserver: member ID must be non-zero"), {});
  }
  if (members_.contains(id)) return answer(done, errors::memberExists(), {});
  serverpb::Member m;
  m.set_id(id);
  m.set_peer_url(peerUrl);
  m.set_learner(learner);
  proposeConfChange(
      singleChange(learner ? raftpb::ConfChangeAddLearnerNode : raftpb::ConfChangeAddNode, id), m,
      membersAnswer(std::move(done), id));
}

void Node::Impl::memberRemove(std::uint64_t id,
                              Callback<etcdserverpb::MemberRemoveResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (!members_.contains(id)) return answer(done, errors::memberNotFound(), {});
  proposeConfChange(singleChange(raftpb::ConfChangeRemoveNode, id), {},
                    membersAnswer(std::move(done), id));
}

void Node::Impl::memberPromote(std::uint64_t id,
                               Callback<etcdserverpb::MemberPromoteResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (!members_.contains(id)) return answer(done, errors::memberNotFound(), {});
  if (!members_.isLearner(id)) return answer(done, errors::memberNotLearner(), {});
  proposeConfChange(singleChange(raftpb::ConfChangeAddNode, id), {},
                    membersAnswer(std::move(done), id));
}

void Node::Impl::memberUpdate(std::uint64_t id, const std::string& peerUrl,
                              Callback<etcdserverpb::MemberUpdateResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (!members_.contains(id)) return answer(done, errors::memberNotFound(), {});
  serverpb::Member m;
  m.set_id(id);
  m.set_peer_url(peerUrl);
  proposeConfChange(singleChange(raftpb::ConfChangeUpdateNode, id), m,
                    membersAnswer(std::move(done), id));
}

void Node::Impl::memberList(Callback<etcdserverpb::MemberListResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  etcdserverpb::MemberListResponse resp;
  members_.list(resp.mutable_members());
  answer(done, {}, std::move(resp));
}

std::vector<NodePeer> Node::Impl::peers() const {
  std::vector<NodePeer> out;
  for (const auto& [id, m] : members_.members()) out.push_back({id, m.peer_url(), false});
  for (std::uint64_t id : members_.removedIds()) {
    if (!mentions(confState_, id)) out.push_back({id, "", true});
  }
  return out;
}

void Node::Impl::moveLeader(std::uint64_t target,
                            Callback<etcdserverpb::MoveLeaderResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (!isLeader()) return answer(done, errors::notLeader(), {});
  if (target == cfg_.id) return answer(done, {}, {});
  if (!members_.contains(target)) return answer(done, errors::memberNotFound(), {});
  const std::uint64_t id = nextRequestId();
  moveLeaders_[id] = target;
  Waits::Completion reply = typed(std::move(done));
  waits_.add(id, cfg_.requestTimeout, errors::timedOut(),
             [this, id, reply = std::move(reply)](const mvcc::Status& st,
                                                  const google::protobuf::Message* msg) {
               moveLeaders_.erase(id);
               reply(st, msg);
             });
  raw_->transferLeader(target);
  schedulePump();
}

}  // namespace detcd::server

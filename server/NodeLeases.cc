// Node::Impl's lease work: expiry decided by the leader and applied through Raft, and the
// keep-alive / time-to-live requests a follower forwards to the leader's (primary) lessor.

#include <utility>

#include "server/Errors.h"
#include "server/NodeImpl.h"

namespace detcd::server {

std::vector<std::int64_t> Node::Impl::expiredLeases(std::int64_t nowNs) const {
  const std::size_t limit = mvcc::Lessor::kRevokeRatePerSecond / 2;
  if (!cfg_.bugs.leaseEarlyExpiry) return store_.expiredLeases(nowNs, limit);
  // lease-early-expiry (a deliberate defect): revoke once half the TTL is left.
  std::vector<std::int64_t> out;
  for (const auto* l : store_.lessor().leases()) {
    if (out.size() == limit || l->expiryNs == mvcc::Lessor::kNever) break;
    if (nowNs >= l->expiryNs - l->ttlSeconds * 500'000'000) out.push_back(l->id);
  }
  return out;
}

void Node::Impl::onLeaseCheck() {
  leaseTimer_ = 0;
  if (stopped_) return;
  if (isLeader() && store_.lessor().primary()) {
    const env::Nanos now = env_.clock.now();
    for (std::int64_t lease : expiredLeases(now.count())) {
      auto it = revoking_.find(lease);
      // A revoke already proposed is proposed again only when it seems lost.
      if (it != revoking_.end() && now - it->second < cfg_.requestTimeout) continue;
      if (it == revoking_.end()) env_.tracer.event("lease-expire", {{"lease", lease}});
      revoking_[lease] = now;
      serverpb::InternalRaftRequest r;
      r.set_id(nextRequestId());
      r.mutable_lease_revoke()->set_id(lease);
      (void)raw_->propose(r.SerializeAsString());
    }
    pump();
  }
  if (!stopped_) {
    leaseTimer_ = env_.clock.after(cfg_.leaseCheckInterval, [this] { onLeaseCheck(); });
  }
}

void Node::Impl::keepAliveOnLeader(const etcdserverpb::LeaseKeepAliveRequest& req,
                                   KeepAliveDone done) {
  // Confirm leadership first (a ReadIndex round, as etcd 3.5's ensureLeadership does): a deposed
  // leader that has not noticed yet would otherwise renew a lease its successor already revoked.
  linearizableRead([this, req, done = std::move(done)](const mvcc::Status& confirmed) mutable {
    if (!confirmed.ok()) return done(confirmed, {});
    if (!isLeader()) return done(errors::notLeader(), {});
    renewOnLeader(req, std::move(done));
  });
}

void Node::Impl::renewOnLeader(const etcdserverpb::LeaseKeepAliveRequest& req,
                               KeepAliveDone done) {
  etcdserverpb::LeaseKeepAliveResponse resp;
  mvcc::Status st = store_.leaseKeepAlive(req, env_.clock.now().count(), &resp);
  if (st.ok() && resp.ttl() > 0) {
    env_.tracer.event("lease-renew", {{"lease", req.id()}, {"ttl", resp.ttl()}});
  } else if (st.ok() && store_.lessor().lookup(req.id()) != nullptr) {
    expiredKeepAlives_[req.id()].push_back(std::move(done));
    return;
  }
  done(st, resp);
}

void Node::Impl::answerExpiredKeepAlives(std::int64_t id) {
  auto it = expiredKeepAlives_.find(id);
  if (it == expiredKeepAlives_.end()) return;
  std::vector<KeepAliveDone> waiting = std::move(it->second);
  expiredKeepAlives_.erase(it);
  etcdserverpb::LeaseKeepAliveResponse resp;
  resp.set_id(id);
  resp.set_ttl(0);
  resp.mutable_header()->set_revision(store_.currentRevision());
  for (auto& done : waiting) done({}, resp);
}

void Node::Impl::failExpiredKeepAlives(const mvcc::Status& st) {
  auto waiting = std::exchange(expiredKeepAlives_, {});
  for (auto& [id, dones] : waiting) {
    for (auto& done : dones) done(st, {});
  }
}

void Node::Impl::leaseKeepAlive(const etcdserverpb::LeaseKeepAliveRequest& req,
                                Callback<etcdserverpb::LeaseKeepAliveResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (isLeader()) {
    return keepAliveOnLeader(req, [this, done = std::move(done)](
                                      const mvcc::Status& st,
                                      const etcdserverpb::LeaseKeepAliveResponse& resp) {
      respond([this, done, st, resp] { answer(done, st, resp); });
    });
  }
  if (leader() == 0) return answer(done, errors::noLeader(), {});
  const std::uint64_t id = nextRequestId();
  waits_.add(id, cfg_.requestTimeout, errors::timedOut(), typed(std::move(done)));
  serverpb::PeerMessage pm;
  pm.mutable_lease_forward()->set_request_id(id);
  *pm.mutable_lease_forward()->mutable_keep_alive() = req;
  sendPeer(leader(), pm);
}

void Node::Impl::leaseTimeToLive(const etcdserverpb::LeaseTimeToLiveRequest& req,
                                 Callback<etcdserverpb::LeaseTimeToLiveResponse> done) {
  if (stopped_) return answer(done, errors::stopped(), {});
  if (isLeader()) {
    etcdserverpb::LeaseTimeToLiveResponse resp;
    mvcc::Status st = store_.leaseTimeToLive(req, env_.clock.now().count(), &resp);
    return answer(done, st, std::move(resp));
  }
  if (leader() == 0) return answer(done, errors::noLeader(), {});
  // Only the primary lessor knows remaining TTLs: ask the leader (etcd forwards too).
  const std::uint64_t id = nextRequestId();
  waits_.add(id, cfg_.requestTimeout, errors::timedOut(), typed(std::move(done)));
  serverpb::PeerMessage pm;
  pm.mutable_lease_forward()->set_request_id(id);
  *pm.mutable_lease_forward()->mutable_time_to_live() = req;
  sendPeer(leader(), pm);
}

void Node::Impl::handleLeaseForward(env::NodeId from, const serverpb::LeaseForward& f) {
  serverpb::PeerMessage pm;
  auto* a = pm.mutable_lease_answer();
  a->set_request_id(f.request_id());
  mvcc::Status st;
  if (isLeader() && f.has_keep_alive()) {
    return keepAliveOnLeader(
        f.keep_alive(), [this, from, requestId = f.request_id()](
                            const mvcc::Status& status,
                            const etcdserverpb::LeaseKeepAliveResponse& resp) {
          serverpb::PeerMessage reply;
          auto* r = reply.mutable_lease_answer();
          r->set_request_id(requestId);
          r->set_code(static_cast<int>(status.code));
          r->set_message(status.message);
          *r->mutable_keep_alive() = resp;
          sendPeer(from, reply);
        });
  }
  if (!isLeader()) {
    st = errors::notLeader();
  } else if (f.has_time_to_live()) {
    st = store_.leaseTimeToLive(f.time_to_live(), env_.clock.now().count(),
                                a->mutable_time_to_live());
  } else {
    return;
  }
  a->set_code(static_cast<int>(st.code));
  a->set_message(st.message);
  sendPeer(from, pm);
}

void Node::Impl::handleLeaseAnswer(const serverpb::LeaseForwardAnswer& a) {
  const mvcc::Status st{static_cast<mvcc::StatusCode>(a.code()), a.message()};
  const google::protobuf::Message* resp = nullptr;
  if (a.has_keep_alive()) resp = &a.keep_alive();
  if (a.has_time_to_live()) resp = &a.time_to_live();
  waits_.trigger(a.request_id(), st, resp);
}

}  // namespace detcd::server

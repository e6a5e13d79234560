// Node's public API: each call goes to Node::Impl (NodeImpl.h).

#include "server/Node.h"

#include "server/NodeImpl.h"

namespace detcd::server {

Node::Node(env::Env& env, NodeConfig config)
    : impl_(std::make_unique<Impl>(env, std::move(config))) {}

Node::~Node() = default;

void Node::alarm(const etcdserverpb::AlarmRequest& req,
                 Callback<etcdserverpb::AlarmResponse> done) {
  impl_->alarm(req, std::move(done));
}
void Node::range(const etcdserverpb::RangeRequest& req,
                 Callback<etcdserverpb::RangeResponse> done) {
  impl_->range(req, std::move(done));
}
void Node::put(const etcdserverpb::PutRequest& req, Callback<etcdserverpb::PutResponse> done) {
  impl_->put(req, std::move(done));
}
void Node::deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                       Callback<etcdserverpb::DeleteRangeResponse> done) {
  impl_->deleteRange(req, std::move(done));
}
void Node::txn(const etcdserverpb::TxnRequest& req, Callback<etcdserverpb::TxnResponse> done) {
  impl_->txn(req, std::move(done));
}
void Node::compact(const etcdserverpb::CompactionRequest& req,
                   Callback<etcdserverpb::CompactionResponse> done) {
  impl_->compact(req, std::move(done));
}
void Node::leaseGrant(const etcdserverpb::LeaseGrantRequest& req,
                      Callback<etcdserverpb::LeaseGrantResponse> done) {
  impl_->leaseGrant(req, std::move(done));
}
void Node::leaseRevoke(const etcdserverpb::LeaseRevokeRequest& req,
                       Callback<etcdserverpb::LeaseRevokeResponse> done) {
  impl_->leaseRevoke(req, std::move(done));
}
void Node::leaseKeepAlive(const etcdserverpb::LeaseKeepAliveRequest& req,
                          Callback<etcdserverpb::LeaseKeepAliveResponse> done) {
  impl_->leaseKeepAlive(req, std::move(done));
}
void Node::leaseTimeToLive(const etcdserverpb::LeaseTimeToLiveRequest& req,
                           Callback<etcdserverpb::LeaseTimeToLiveResponse> done) {
  impl_->leaseTimeToLive(req, std::move(done));
}
void Node::leaseLeases(const etcdserverpb::LeaseLeasesRequest&,
                       Callback<etcdserverpb::LeaseLeasesResponse> done) {
  impl_->leaseLeases(std::move(done));
}
std::int64_t Node::openWatchStream(WatchSink sink) {
  return impl_->openWatchStream(std::move(sink));
}
void Node::watch(std::int64_t stream, const etcdserverpb::WatchRequest& req) {
  impl_->watch(stream, req);
}
void Node::closeWatchStream(std::int64_t stream) { impl_->closeWatchStream(stream); }
void Node::memberAdd(std::uint64_t id, const std::string& peerUrl, bool learner,
                     Callback<etcdserverpb::MemberAddResponse> done) {
  impl_->memberAdd(id, peerUrl, learner, std::move(done));
}
void Node::memberRemove(std::uint64_t id, Callback<etcdserverpb::MemberRemoveResponse> done) {
  impl_->memberRemove(id, std::move(done));
}
void Node::memberPromote(std::uint64_t id, Callback<etcdserverpb::MemberPromoteResponse> done) {
  impl_->memberPromote(id, std::move(done));
}
void Node::memberUpdate(std::uint64_t id, const std::string& peerUrl,
                        Callback<etcdserverpb::MemberUpdateResponse> done) {
  impl_->memberUpdate(id, peerUrl, std::move(done));
}
void Node::memberList(Callback<etcdserverpb::MemberListResponse> done) {
  impl_->memberList(std::move(done));
}
void Node::moveLeader(std::uint64_t target, Callback<etcdserverpb::MoveLeaderResponse> done) {
  impl_->moveLeader(target, std::move(done));
}
std::vector<NodePeer> Node::peers() const { return impl_->peers(); }
NodeStatus Node::status() const { return impl_->status(); }
bool Node::stopped() const { return impl_->stopped(); }
bool Node::published() const { return impl_->published(); }
env::Nanos Node::now() const { return impl_->now(); }
const mvcc::KvStore& Node::store() const { return impl_->store(); }

}  // namespace detcd::server

// Node::Impl's publishing of this member's attributes (etcd's EtcdServer.publish): once started,
// the member proposes its name and client URLs through Raft until they are applied, so that
// every member's MemberList shows them. Only a member with client URLs publishes (the real
// daemon); the simulator's members have none, so their runs and traces are unchanged.

#include "server/Errors.h"
#include "server/NodeImpl.h"

namespace detcd::server {

void Node::Impl::publish() {
  publishTimer_ = 0;
  if (stopped_ || published_ || cfg_.clientUrls.empty()) return;
  serverpb::InternalRaftRequest req;
  auto* attrs = req.mutable_member_attr_set();
  attrs->set_member_id(cfg_.id);
  attrs->set_name(cfg_.name);
  for (const auto& u : cfg_.clientUrls) attrs->add_client_urls(u);
  propose(std::move(req), [this](const mvcc::Status& st, const google::protobuf::Message*) {
    if (st.ok()) {
      published_ = true;
      env_.tracer.event("member-published", {{"name", std::string_view(cfg_.name)}});
      return;
    }
    if (stopped_ || st == errors::stopped()) return;
    // etcd proposes again as soon as a request timed out; a proposal refused at once (no leader
    // yet, too many requests) is retried a tick later rather than in a tight loop.
    const env::Nanos delay = st == errors::timedOut() ? env::Nanos{0} : cfg_.tick;
    if (publishTimer_ == 0) publishTimer_ = env_.clock.after(delay, [this] { publish(); });
  });
}

void Node::Impl::applyAttributes(const serverpb::InternalRaftRequest& req) {
  const auto& a = req.member_attr_set();
  (void)members_.setAttributes(a.member_id(), a.name(), a.client_urls());
  waits_.trigger(req.id(), {});
}

}  // namespace detcd::server

// Lease: as etcd's v3rpc LeaseServer, including its special cases: a keep-alive of an unknown
// lease answers TTL 0 and keeps the stream; TimeToLive of an unknown lease answers TTL -1.
#include "server/api/Services.h"

namespace detcd::server::api {

namespace {
template <typename Response>
auto withRevision(Backend b, Node::Callback<Response> done) {
  return [b, done = std::move(done)](const mvcc::Status& st, const Response& r) {
    if (!st.ok()) return done(st, r);
    Response out = r;
    fillRevision(b.node, out.mutable_header());
    done(st, out);
  };
}

bool isLeaseNotFound(const mvcc::Status& st) { return st == mvcc::errors::leaseNotFound(); }

class KeepAliveStream final
    : public LoopBidiStream<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse> {
 public:
  explicit KeepAliveStream(Backend b) : LoopBidiStream(b.io), b_(b) {}

 private:
  void onRequest(const pb::LeaseKeepAliveRequest& req) override {
    b_.node.leaseKeepAlive(req, [this, alive = alive(), id = req.id()](
                                    const mvcc::Status& st, const pb::LeaseKeepAliveResponse& r) {
      if (alive.expired()) return;
      pb::LeaseKeepAliveResponse out;
      if (st.ok()) {
        out = r;
      } else if (isLeaseNotFound(st)) {  // etcd: TTL 0, the stream goes on
        out.set_id(id);
        out.set_ttl(0);
        ownHeader(b_.node, out.mutable_header());
      } else {
        return finish(toGrpc(st));  // etcd ends the stream with the error
      }
      fillRevision(b_.node, out.mutable_header());
      send(out);
    });
  }

  Backend b_;
};
}  // namespace

ServerUnaryReactor* LeaseService::LeaseGrant(CallbackServerContext* ctx, const Raw* in,
                                             Raw* out) {
  return rawCall<pb::LeaseGrantRequest, pb::LeaseGrantResponse>(
      ctx, b_.io, in, out, [b = b_](const pb::LeaseGrantRequest& req, auto done) {
        b.node.leaseGrant(req, withRevision<pb::LeaseGrantResponse>(b, done));
      });
}

ServerUnaryReactor* LeaseService::LeaseRevoke(CallbackServerContext* ctx, const Raw* in,
                                              Raw* out) {
  return rawCall<pb::LeaseRevokeRequest, pb::LeaseRevokeResponse>(
      ctx, b_.io, in, out, [b = b_](const pb::LeaseRevokeRequest& req, auto done) {
        b.node.leaseRevoke(req, withRevision<pb::LeaseRevokeResponse>(b, done));
      });
}

grpc::ServerBidiReactor<Raw, Raw>* LeaseService::LeaseKeepAlive(CallbackServerContext*) {
  auto* s = new KeepAliveStream(b_);  // deletes itself when gRPC is done with it
  s->start();
  return s;
}

ServerUnaryReactor* LeaseService::LeaseTimeToLive(CallbackServerContext* ctx, const Raw* in,
                                                  Raw* out) {
  return rawCall<pb::LeaseTimeToLiveRequest, pb::LeaseTimeToLiveResponse>(
      ctx, b_.io, in, out, [b = b_](const pb::LeaseTimeToLiveRequest& req, auto done) {
        b.node.leaseTimeToLive(
            req, [b, done, id = req.id()](const mvcc::Status& st,
                                          const pb::LeaseTimeToLiveResponse& r) {
              if (!isLeaseNotFound(st)) {
                return withRevision<pb::LeaseTimeToLiveResponse>(b, done)(st, r);
              }
              pb::LeaseTimeToLiveResponse resp;  // etcd: TTL -1 for a lease it does not know
              resp.set_id(id);
              resp.set_ttl(-1);
              ownHeader(b.node, resp.mutable_header());
              done({}, resp);
            });
      });
}

ServerUnaryReactor* LeaseService::LeaseLeases(CallbackServerContext* ctx, const Raw* in,
                                              Raw* out) {
  return rawCall<pb::LeaseLeasesRequest, pb::LeaseLeasesResponse>(
      ctx, b_.io, in, out, [b = b_](const pb::LeaseLeasesRequest& req, auto done) {
        b.node.leaseLeases(req, withRevision<pb::LeaseLeasesResponse>(b, done));
      });
}

}  // namespace detcd::server::api

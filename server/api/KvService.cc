// KV: each request goes to the node on its loop; the node validates it (empty key, txn size,
// revisions) with etcd's errors and fills the header.
#include "server/api/Services.h"

namespace detcd::server::api {

namespace {
/// Forwards one KV request to `method` of the node and fills the header's revision.
template <typename Request, typename Response>
ServerUnaryReactor* kvCall(CallbackServerContext* ctx, Backend b, const Raw* in, Raw* out,
                           void (Node::*method)(const Request&, Node::Callback<Response>)) {
  return rawCall<Request, Response>(ctx, b.io, in, out, [b, method](const Request& req,
                                                                    auto done) {
    (b.node.*method)(req, [b, done](const mvcc::Status& st, const Response& r) {
      if (!st.ok()) return done(st, r);
      Response resp = r;
      fillRevision(b.node, resp.mutable_header());
      done(st, resp);
    });
  });
}
}  // namespace

ServerUnaryReactor* KvService::Range(CallbackServerContext* ctx, const Raw* in, Raw* out) {
  return kvCall(ctx, b_, in, out, &Node::range);
}

ServerUnaryReactor* KvService::Put(CallbackServerContext* ctx, const Raw* in, Raw* out) {
  return kvCall(ctx, b_, in, out, &Node::put);
}

ServerUnaryReactor* KvService::DeleteRange(CallbackServerContext* ctx, const Raw* in, Raw* out) {
  return kvCall(ctx, b_, in, out, &Node::deleteRange);
}

ServerUnaryReactor* KvService::Txn(CallbackServerContext* ctx, const Raw* in, Raw* out) {
  return kvCall(ctx, b_, in, out, &Node::txn);
}

ServerUnaryReactor* KvService::Compact(CallbackServerContext* ctx, const Raw* in, Raw* out) {
  return kvCall(ctx, b_, in, out, &Node::compact);
}

}  // namespace detcd::server::api

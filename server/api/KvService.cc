// KV: each request goes to the node on its loop; the node validates it (empty key, txn size,
// revisions) with etcd's errors and fills the header.
#include "server/api/Services.h"

namespace detcd::server::api {

namespace {
/// Forwards one KV request to `method` of the node and fills the header's revision.
template <typename Request, typename Response>
ServerUnaryReactor* kvCall(CallbackServerContext* ctx, Backend b, const Request* req,
                           Response* resp,
                           void (Node::*method)(const Request&, Node::Callback<Response>)) {
  return onLoop(ctx, b.io, resp, [b, req, method](auto done) {
    (b.node.*method)(*req, [b, done](const mvcc::Status& st, const Response& r) {
      if (!st.ok()) return done(st, r);
      Response out = r;
      fillRevision(b.node, out.mutable_header());
      done(st, out);
    });
  });
}
}  // namespace

ServerUnaryReactor* KvService::Range(CallbackServerContext* ctx, const pb::RangeRequest* req,
                                     pb::RangeResponse* resp) {
  return kvCall(ctx, b_, req, resp, &Node::range);
}

ServerUnaryReactor* KvService::Put(CallbackServerContext* ctx, const pb::PutRequest* req,
                                   pb::PutResponse* resp) {
  return kvCall(ctx, b_, req, resp, &Node::put);
}

ServerUnaryReactor* KvService::DeleteRange(CallbackServerContext* ctx,
                                           const pb::DeleteRangeRequest* req,
                                           pb::DeleteRangeResponse* resp) {
  return kvCall(ctx, b_, req, resp, &Node::deleteRange);
}

ServerUnaryReactor* KvService::Txn(CallbackServerContext* ctx, const pb::TxnRequest* req,
                                   pb::TxnResponse* resp) {
  return kvCall(ctx, b_, req, resp, &Node::txn);
}

ServerUnaryReactor* KvService::Compact(CallbackServerContext* ctx,
                                       const pb::CompactionRequest* req,
                                       pb::CompactionResponse* resp) {
  return kvCall(ctx, b_, req, resp, &Node::compact);
}

}  // namespace detcd::server::api

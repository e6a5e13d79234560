#pragma once
// Internal to server/api: how a gRPC call reaches the node and comes back. DESIGN.md, "one node =
// one event loop": gRPC's threads only post into the node's io_context; everything that touches
// the node or a stream's state runs on that loop, and the node's callbacks finish the call
// (grpc's Finish / StartWrite may be called from any thread).

#include <grpcpp/grpcpp.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "mvcc/Status.h"
#include "server/Node.h"
#include "server/api/ApiServices.h"

namespace detcd::server::api {

/// etcd's error (code + exact message) as a gRPC status; kOk gives grpc::Status::OK.
grpc::Status toGrpc(const mvcc::Status& st);

/// What every service uses: the node, the loop it runs on, and the member's settings.
struct Backend {
  boost::asio::io_context& io;
  Node& node;
  const ApiOptions& options;
};

/// Sets a response header's revision when it is 0, as etcd's v3rpc header.fill does (the node
/// already filled cluster ID, member ID and raft term). On the node's loop.
void fillRevision(const Node& node, etcdserverpb::ResponseHeader* header);

/// Fills a whole header for an answer the API layer makes itself: cluster ID, member ID and
/// raft term from the node's status, the current revision. On the node's loop.
void ownHeader(const Node& node, etcdserverpb::ResponseHeader* header);

/// Serves one unary RPC on the node's loop: posts `run(done)` into it; `done(status, response)`
/// (called on the loop, once) copies an ok response into `out` and finishes the call.
template <typename Response, typename Run>
grpc::ServerUnaryReactor* onLoop(grpc::CallbackServerContext* ctx, boost::asio::io_context& io,
                                 Response* out, Run run) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  boost::asio::post(io, [reactor, out, run = std::move(run)]() mutable {
    run([reactor, out](const mvcc::Status& st, const Response& resp) {
      if (st.ok()) *out = resp;
      reactor->Finish(toGrpc(st));
    });
  });
  return reactor;
}

/// The answer of etcd's (Go) gRPC server to a request that is not valid protobuf: INTERNAL,
/// "grpc: error unmarshalling request: ..." naming the expected message type.
grpc::Status unmarshalError(const std::string& messageType);
/// Parses a raw request; false when it is not a valid `message`.
bool parseRequest(const grpc::ByteBuffer& in, google::protobuf::Message* message);
/// Serializes a response into a raw reply.
void serializeResponse(const google::protobuf::Message& message, grpc::ByteBuffer* out);

/// Serves one unary RPC registered raw (so that a request that does not parse gets etcd's clear
/// error rather than the callback API's empty UNIMPLEMENTED): parses `in` as Request (else
/// finishes with unmarshalError), then posts `run(request, done)` into the node's loop;
/// `done(status, response)` (on the loop, once) serializes an ok response into `out` and
/// finishes the call.
template <typename Request, typename Response, typename Run>
grpc::ServerUnaryReactor* rawCall(grpc::CallbackServerContext* ctx, boost::asio::io_context& io,
                                  const grpc::ByteBuffer* in, grpc::ByteBuffer* out, Run run) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto req = std::make_shared<Request>();
  if (!parseRequest(*in, req.get())) {
    reactor->Finish(unmarshalError(Request::descriptor()->full_name()));
    return reactor;
  }
  boost::asio::post(io, [reactor, out, req, run = std::move(run)]() mutable {
    run(*req, [reactor, out](const mvcc::Status& st, const Response& resp) {
      if (st.ok()) serializeResponse(resp, out);
      reactor->Finish(toGrpc(st));
    });
  });
  return reactor;
}

/// A bidirectional stream whose state lives on the node's loop. Reactions (gRPC threads) only
/// post; onOpen / onRequest / onClose and send / finish run on the loop. Responses are written
/// one at a time in the order sent. The stream is registered raw: a message that is not a valid
/// Request ends it with unmarshalError (a client closing its side ends it with OK, as etcd).
/// The reactor deletes itself (on the loop) once gRPC is done with it; callbacks that may
/// outlive it hold `alive()` and check it first.
template <typename Request, typename Response>
class LoopBidiStream : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit LoopBidiStream(boost::asio::io_context& io) : io_(io) {}

  /// Call once from the method handler, after construction.
  void start() {
    post([this] { onOpen(); });
    this->StartRead(&in_);
  }

 protected:
  virtual void onOpen() {}
  virtual void onRequest(const Request& req) = 0;
  virtual void onClose() {}

  /// On the loop: queues one response (dropped once the stream is finishing).
  void send(const Response& resp) {
    if (finishing_) return;
    out_.emplace_back();
    serializeResponse(resp, &out_.back());
    if (!writing_) {
      writing_ = true;
      this->StartWrite(&out_.front());
    }
  }
  /// On the loop: ends the stream with `st` once the queued responses are written. Idempotent.
  void finish(grpc::Status st) {
    if (finishing_) return;
    finishing_ = std::move(st);
    if (!writing_) this->Finish(*finishing_);
  }
  /// Expires when the stream is deleted.
  std::weak_ptr<void> alive() const { return alive_; }

 private:
  template <typename F>
  void post(F f) {
    boost::asio::post(io_, std::move(f));
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side (etcd returns nil then) or the call is cancelled
      post([this] { finish(grpc::Status::OK); });
      return;
    }
    auto req = std::make_shared<Request>();
    if (!parseRequest(in_, req.get())) {
      post([this] { finish(unmarshalError(Request::descriptor()->full_name())); });
      return;
    }
    post([this, req] { onRequest(*req); });
    this->StartRead(&in_);
  }
  void OnWriteDone(bool ok) override {
    post([this, ok] {
      out_.pop_front();
      if (!ok) {
        out_.clear();
        writing_ = false;
        if (!finishing_) {
          finishing_ = grpc::Status::CANCELLED;
        }
        this->Finish(*finishing_);
        return;
      }
      if (!out_.empty()) return this->StartWrite(&out_.front());
      writing_ = false;
      if (finishing_) this->Finish(*finishing_);
    });
  }
  void OnCancel() override {
    post([this] { finish(grpc::Status::CANCELLED); });
  }
  void OnDone() override {
    post([this] {
      onClose();
      delete this;
    });
  }

  boost::asio::io_context& io_;
  grpc::ByteBuffer in_;
  std::deque<grpc::ByteBuffer> out_;  // out_.front() is being written while writing_
  bool writing_ = false;
  std::optional<grpc::Status> finishing_;
  std::shared_ptr<void> alive_ = std::make_shared<char>();
};

}  // namespace detcd::server::api

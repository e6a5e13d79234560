// Watch: one node watch stream per gRPC stream; the node answers creates, cancels and progress
// requests and delivers events, in order, through the stream's sink (on the loop).
#include "server/api/Services.h"

namespace detcd::server::api {

namespace {
class WatchStream final : public LoopBidiStream<pb::WatchRequest, pb::WatchResponse> {
 public:
  explicit WatchStream(Backend b) : LoopBidiStream(b.io), b_(b) {}

 private:
  void onOpen() override {
    stream_ = b_.node.openWatchStream([this](const pb::WatchResponse& r) { send(r); });
  }
  void onRequest(const pb::WatchRequest& req) override { b_.node.watch(stream_, req); }
  void onClose() override { b_.node.closeWatchStream(stream_); }

  Backend b_;
  std::int64_t stream_ = 0;
};
}  // namespace

grpc::ServerBidiReactor<Raw, Raw>* WatchService::Watch(CallbackServerContext*) {
  auto* s = new WatchStream(b_);  // deletes itself when gRPC is done with it
  s->start();
  return s;
}

}  // namespace detcd::server::api

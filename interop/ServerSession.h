#pragma once
// One server under differential test: executes Ops over etcd's v3 gRPC API and returns
// Results (docs/interop.md).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "interop/difftest.pb.h"
#include "proto/rpc.pb.h"

namespace grpc {
class Channel;
class ClientContext;
template <class W, class R>
class ClientReaderWriter;
}  // namespace grpc

namespace detcd::interop {

/// A client of one etcd-compatible server at `endpoint` ("host:port", plaintext). Unary ops are
/// plain RPCs with a 10 s deadline. All watchers share one Watch stream, read by a background
/// thread into an inbox; the calling thread files the responses by watcher ordinal. Not
/// thread-safe: one caller.
class ServerSession {
 public:
  /// How long a watch sync or cancel waits for the awaited event or cancellation.
  static constexpr std::chrono::seconds kWatchWait{5};

  explicit ServerSession(const std::string& endpoint);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  /// Retries a serializable Range until it succeeds, up to `timeout`; false if it never did.
  bool waitReady(std::chrono::milliseconds timeout);

  /// Sends `op` and returns the server's answer, with watch IDs replaced by ordinals. A watch
  /// sync waits (up to kWatchWait) until the watcher delivered an event at this session's
  /// latest revision (the revision of the last write answered) or was canceled.
  Result execute(const Op& op);

 private:
  struct WatchState {
    int64_t id = -1;  // the server's watch ID
    bool created = false;
    etcdserverpb::WatchResponse createdResponse;
    WatchOutcome pending;  // delivered since the last sync
    bool canceled = false;
  };

  Result watchCreate(const WatchCreateOp& op);
  Result watchSync(const WatchSyncOp& op);
  Result watchProgress();
  Result keepAliveOnce(const LeaseKeepAliveOnceOp& op);
  void startWatchStream();
  void readLoop();
  // Files inbox_ into watchers_ and created_; call with mu_ held.
  void fileInbox();
  // Waits on cv_ (mu_ held via `lock`) until `done` or the deadline; false on timeout.
  template <class Done>
  bool waitFor(std::unique_lock<std::mutex>& lock, Done done);

  std::string endpoint_;
  std::shared_ptr<grpc::Channel> channel_;
  int64_t latestRevision_ = 0;

  std::unique_ptr<grpc::ClientContext> watchContext_;
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest,
                                           etcdserverpb::WatchResponse>> watchStream_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<etcdserverpb::WatchResponse> inbox_;  // guarded by mu_
  bool streamEnded_ = false;                       // guarded by mu_
  std::deque<int64_t> awaitingCreate_;  // ordinals whose create request has no answer yet
  std::deque<etcdserverpb::WatchResponse> progress_;  // responses of no watcher (watch_id -1)
  std::map<int64_t, WatchState> watchers_;         // by ordinal
  std::map<int64_t, int64_t> ordinalOfId_;         // live server watch IDs
};

}  // namespace detcd::interop

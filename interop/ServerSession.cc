#include "interop/ServerSession.h"

#include <algorithm>

#include <grpcpp/grpcpp.h>

#include "interop/ResultComparator.h"
#include "proto/rpc.grpc.pb.h"

namespace detcd::interop {
namespace {

using etcdserverpb::WatchRequest;
using etcdserverpb::WatchResponse;

constexpr std::chrono::seconds kRpcDeadline{10};

Result fromStatus(const grpc::Status& status) {
  Result result;
  result.set_code(status.error_code());
  result.set_message(status.error_message());
  return result;
}

// One unary RPC: `method` of `stub` with a deadline; the response goes to `slot` of the result.
template <class Stub, class Req, class Resp>
Result unary(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
             const Req& request, Resp* (Result::*slot)()) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
  Resp response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  Result result = fromStatus(status);
  if (status.ok()) (result.*slot)()->Swap(&response);
  return result;
}

Result synthetic(grpc::StatusCode code, const std::string& message) {
  Result result;
  result.set_code(code);
  result.set_message(message);
  return result;
}

}  // namespace

ServerSession::ServerSession(const std::string& endpoint)
    : endpoint_(endpoint),
      channel_(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials())) {}

ServerSession::~ServerSession() {
  if (!watchStream_) return;
  watchContext_->TryCancel();
  reader_.join();
  watchStream_->Finish();
}

bool ServerSession::waitReady(std::chrono::milliseconds timeout) {
  etcdserverpb::KV::Stub kv(channel_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  etcdserverpb::RangeRequest probe;
  probe.set_key("difftest-ready");
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    etcdserverpb::RangeResponse response;
    if (kv.Range(&context, probe, &response).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

Result ServerSession::execute(const Op& op) {
  using etcdserverpb::KV;
  using etcdserverpb::Lease;
  KV::Stub kv(channel_);
  Lease::Stub lease(channel_);
  Result result;
  switch (op.op_case()) {
    case Op::kRange:
      result = unary(kv, &KV::Stub::Range, op.range(), &Result::mutable_range);
      break;
    case Op::kPut: result = unary(kv, &KV::Stub::Put, op.put(), &Result::mutable_put); break;
    case Op::kDeleteRange:
      result = unary(kv, &KV::Stub::DeleteRange, op.delete_range(), &Result::mutable_delete_range);
      break;
    case Op::kTxn: result = unary(kv, &KV::Stub::Txn, op.txn(), &Result::mutable_txn); break;
    case Op::kCompact:
      result = unary(kv, &KV::Stub::Compact, op.compact(), &Result::mutable_compact);
      break;
    case Op::kLeaseGrant:
      result = unary(lease, &Lease::Stub::LeaseGrant, op.lease_grant(),
                     &Result::mutable_lease_grant);
      break;
    case Op::kLeaseRevoke:
      result = unary(lease, &Lease::Stub::LeaseRevoke, op.lease_revoke(),
                     &Result::mutable_lease_revoke);
      break;
    case Op::kLeaseTimeToLive:
      result = unary(lease, &Lease::Stub::LeaseTimeToLive, op.lease_time_to_live(),
                     &Result::mutable_lease_time_to_live);
      break;
    case Op::kLeaseLeases:
      result = unary(lease, &Lease::Stub::LeaseLeases, op.lease_leases(),
                     &Result::mutable_lease_leases);
      break;
    case Op::kLeaseKeepAlive: result = keepAliveOnce(op.lease_keep_alive()); break;
    case Op::kWatchCreate: result = watchCreate(op.watch_create()); break;
    case Op::kWatchSync: result = watchSync(op.watch_sync()); break;
    case Op::kWatchProgress: result = watchProgress(); break;
    default: return synthetic(grpc::StatusCode::INVALID_ARGUMENT, "difftest: empty op");
  }
  latestRevision_ = std::max(latestRevision_, revisionOf(result));
  return result;
}

Result ServerSession::keepAliveOnce(const LeaseKeepAliveOnceOp& op) {
  etcdserverpb::Lease::Stub lease(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
  auto stream = lease.LeaseKeepAlive(&context);
  etcdserverpb::LeaseKeepAliveResponse response;
  bool answered = stream->Write(op.request()) && stream->Read(&response);
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  if (!answered) {
    return status.ok() ? synthetic(grpc::StatusCode::UNKNOWN, "keep-alive stream closed")
                       : fromStatus(status);
  }
  Result result;
  result.mutable_lease_keep_alive()->Swap(&response);
  return result;
}

void ServerSession::startWatchStream() {
  etcdserverpb::Watch::Stub watch(channel_);
  watchContext_ = std::make_unique<grpc::ClientContext>();
  watchStream_ = watch.Watch(watchContext_.get());
  reader_ = std::thread([this] { readLoop(); });
}

void ServerSession::readLoop() {
  WatchResponse response;
  while (watchStream_->Read(&response)) {
    std::lock_guard lock(mu_);
    inbox_.push_back(std::move(response));
    response.Clear();
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  streamEnded_ = true;
  cv_.notify_all();
}

void ServerSession::fileInbox() {
  while (!inbox_.empty()) {
    WatchResponse response = std::move(inbox_.front());
    inbox_.pop_front();
    if (response.created()) {
      // Creates are answered in request order on one stream (etcd's ctrlStream).
      if (awaitingCreate_.empty()) continue;
      int64_t ordinal = awaitingCreate_.front();
      awaitingCreate_.pop_front();
      WatchState& state = watchers_[ordinal];
      state.id = response.watch_id();
      state.created = true;
      state.canceled = response.canceled();
      if (!response.canceled()) ordinalOfId_[response.watch_id()] = ordinal;
      response.set_watch_id(ordinal);
      state.createdResponse = std::move(response);
      continue;
    }
    if (response.watch_id() == -1 && !response.canceled() && response.events_size() == 0) {
      progress_.push_back(std::move(response));  // a progress response for the whole stream
      continue;
    }
    auto it = ordinalOfId_.find(response.watch_id());
    if (it == ordinalOfId_.end()) continue;  // a stale watcher
    WatchState& state = watchers_[it->second];
    for (auto& event : *response.mutable_events()) *state.pending.add_events() = std::move(event);
    if (response.canceled()) {
      state.canceled = true;
      state.pending.set_canceled(true);
      state.pending.set_compact_revision(response.compact_revision());
      state.pending.set_cancel_reason(response.cancel_reason());
      ordinalOfId_.erase(it);
    }
  }
}

template <class Done>
bool ServerSession::waitFor(std::unique_lock<std::mutex>& lock, Done done) {
  auto deadline = std::chrono::steady_clock::now() + kWatchWait;
  while (true) {
    fileInbox();
    if (done()) return true;
    if (streamEnded_ || cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      fileInbox();
      return done();
    }
  }
}

Result ServerSession::watchCreate(const WatchCreateOp& op) {
  if (!watchStream_) startWatchStream();
  {
    std::lock_guard lock(mu_);
    watchers_[op.watch()] = WatchState{};
    awaitingCreate_.push_back(op.watch());
  }
  WatchRequest request;
  *request.mutable_create_request() = op.request();
  if (!watchStream_->Write(request)) {
    return synthetic(grpc::StatusCode::UNAVAILABLE, "difftest: watch stream closed");
  }
  std::unique_lock lock(mu_);
  WatchState& state = watchers_[op.watch()];
  if (!waitFor(lock, [&] { return state.created; })) {
    return synthetic(grpc::StatusCode::DEADLINE_EXCEEDED, "difftest: no created response");
  }
  Result result;
  *result.mutable_watch_created() = state.createdResponse;
  return result;
}

Result ServerSession::watchSync(const WatchSyncOp& op) {
  std::unique_lock lock(mu_);
  auto it = watchers_.find(op.watch());
  if (it == watchers_.end() || !it->second.created) {
    return synthetic(grpc::StatusCode::NOT_FOUND, "difftest: no such watcher");
  }
  WatchState& state = it->second;
  int64_t awaited = latestRevision_;
  bool synced = waitFor(lock, [&] {
    return state.canceled ||
           (state.pending.events_size() > 0 &&
            state.pending.events().rbegin()->kv().mod_revision() >= awaited);
  });
  if (synced && op.cancel() && !state.canceled) {
    WatchRequest request;
    request.mutable_cancel_request()->set_watch_id(state.id);
    lock.unlock();
    bool written = watchStream_->Write(request);
    lock.lock();
    synced = written && waitFor(lock, [&] { return state.canceled; });
  }
  Result result;
  WatchOutcome* outcome = result.mutable_watch();
  outcome->Swap(&state.pending);
  outcome->set_canceled(state.canceled);
  outcome->set_timed_out(!synced);
  return result;
}

Result ServerSession::watchProgress() {
  if (!watchStream_) startWatchStream();
  WatchRequest request;
  request.mutable_progress_request();
  if (!watchStream_->Write(request)) {
    return synthetic(grpc::StatusCode::UNAVAILABLE, "difftest: watch stream closed");
  }
  std::unique_lock lock(mu_);
  if (!waitFor(lock, [&] { return !progress_.empty(); })) {
    return synthetic(grpc::StatusCode::DEADLINE_EXCEEDED, "difftest: no progress response");
  }
  Result result;
  *result.mutable_watch_progress() = std::move(progress_.front());
  progress_.pop_front();
  return result;
}

}  // namespace detcd::interop

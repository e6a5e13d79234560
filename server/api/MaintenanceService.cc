// Maintenance: status, hashes and the snapshot stream from the node's state on its loop.
#include <algorithm>

#include "mvcc/KvStore.h"
#include "server/Errors.h"
#include "server/api/Services.h"
#include "server/api/SnapshotFile.h"

namespace detcd::server::api {

namespace {
/// Streams one snapshot: built on the loop, then written chunk by chunk (each write's
/// completion posts the next one into the loop).
class SnapshotStream final : public grpc::ServerWriteReactor<pb::SnapshotResponse> {
 public:
  explicit SnapshotStream(Backend b) : b_(b) {
    boost::asio::post(b_.io, [this] {
      data_ = encodeSnapshotFile(b_.node.store().snapshot());
      ownHeader(b_.node, &header_);
      writeNext();
    });
  }

 private:
  void writeNext() {
    if (sent_ == data_.size() && sent_ != 0) return Finish(grpc::Status::OK);
    const std::size_t n = std::min(kSnapshotChunkBytes, data_.size() - sent_);
    chunk_.Clear();
    *chunk_.mutable_header() = header_;
    chunk_.set_blob(data_.substr(sent_, n));
    sent_ += n;
    chunk_.set_remaining_bytes(data_.size() - sent_);
    StartWrite(&chunk_);
  }
  void OnWriteDone(bool ok) override {
    boost::asio::post(b_.io, [this, ok] {
      if (!ok) return Finish(grpc::Status::CANCELLED);
      writeNext();
    });
  }
  void OnDone() override {
    boost::asio::post(b_.io, [this] { delete this; });
  }

  Backend b_;
  std::string data_;
  std::size_t sent_ = 0;
  pb::ResponseHeader header_;
  pb::SnapshotResponse chunk_;
};

/// etcd's estimate of its backend size; detcd's store lives in memory, so this is the size of
/// its snapshot encoding (what a Snapshot stream would send, less padding and digest).
std::int64_t storeBytes(const Node& node) {
  return static_cast<std::int64_t>(node.store().snapshot().ByteSizeLong());
}
}  // namespace

ServerUnaryReactor* MaintenanceService::Alarm(CallbackServerContext* ctx,
                                              const pb::AlarmRequest* req,
                                              pb::AlarmResponse* resp) {
  if (req->action() == pb::AlarmRequest::ACTIVATE) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish({grpc::StatusCode::UNIMPLEMENTED,
                     "detcd: alarms are not supported (no NOSPACE or CORRUPT alarm is raised)"});
    return reactor;
  }
  // GET lists no alarm (none is ever raised); DEACTIVATE of an absent alarm answers an empty
  // list, as etcd does.
  return onLoop(ctx, b_.io, resp, [this](auto done) {
    pb::AlarmResponse out;
    ownHeader(b_.node, out.mutable_header());
    done({}, out);
  });
}

ServerUnaryReactor* MaintenanceService::Status(CallbackServerContext* ctx,
                                               const pb::StatusRequest*,
                                               pb::StatusResponse* resp) {
  return onLoop(ctx, b_.io, resp, [this](auto done) {
    const NodeStatus s = b_.node.status();
    if (s.stopped) return done(server::errors::stopped(), {});
    pb::StatusResponse out;
    ownHeader(b_.node, out.mutable_header());
    out.set_version(b_.options.version);
    out.set_dbsize(storeBytes(b_.node));
    out.set_dbsizeinuse(out.dbsize());
    out.set_leader(s.leader);
    out.set_raftindex(s.commitIndex);
    out.set_raftterm(s.term);
    out.set_raftappliedindex(s.appliedIndex);
    out.set_islearner(std::find(s.learners.begin(), s.learners.end(), s.id) != s.learners.end());
    if (s.leader == 0) out.add_errors("etcdserver: no leader");
    done({}, out);
  });
}

ServerUnaryReactor* MaintenanceService::Defragment(CallbackServerContext* ctx,
                                                   const pb::DefragmentRequest*,
                                                   pb::DefragmentResponse* resp) {
  // The store is in memory: there is no file to defragment, so this only answers.
  return onLoop(ctx, b_.io, resp, [this](auto done) {
    pb::DefragmentResponse out;
    ownHeader(b_.node, out.mutable_header());
    done({}, out);
  });
}

ServerUnaryReactor* MaintenanceService::Hash(CallbackServerContext* ctx, const pb::HashRequest*,
                                             pb::HashResponse* resp) {
  // etcd hashes its whole bolt file; detcd answers the HashKV of every revision it keeps.
  return onLoop(ctx, b_.io, resp, [this](auto done) {
    pb::HashKVResponse kv;
    const mvcc::Status st = b_.node.store().hashKV({}, &kv);
    pb::HashResponse out;
    out.set_hash(kv.hash());
    ownHeader(b_.node, out.mutable_header());
    done(st, out);
  });
}

ServerUnaryReactor* MaintenanceService::HashKV(CallbackServerContext* ctx,
                                               const pb::HashKVRequest* req,
                                               pb::HashKVResponse* resp) {
  return onLoop(ctx, b_.io, resp, [this, req](auto done) {
    pb::HashKVResponse out;
    const mvcc::Status st = b_.node.store().hashKV(*req, &out);
    ownHeader(b_.node, out.mutable_header());
    done(st, out);
  });
}

grpc::ServerWriteReactor<pb::SnapshotResponse>* MaintenanceService::Snapshot(
    CallbackServerContext*, const pb::SnapshotRequest*) {
  return new SnapshotStream(b_);  // deletes itself when gRPC is done with it
}

ServerUnaryReactor* MaintenanceService::MoveLeader(CallbackServerContext* ctx,
                                                   const pb::MoveLeaderRequest* req,
                                                   pb::MoveLeaderResponse* resp) {
  return onLoop(ctx, b_.io, resp, [this, target = req->targetid()](auto done) {
    b_.node.moveLeader(target, [this, done](const mvcc::Status& s,
                                            const pb::MoveLeaderResponse& r) {
      // etcd refuses a transferee that is not a member so.
      if (s == server::errors::memberNotFound()) {
        return done({mvcc::StatusCode::kFailedPrecondition,
                     "etcdserver: bad leader transferee"}, {});
      }
      pb::MoveLeaderResponse out = r;
      if (s.ok()) fillRevision(b_.node, out.mutable_header());
      done(s, out);
    });
  });
}

}  // namespace detcd::server::api

// Maintenance: status, hashes and the snapshot stream from the node's state on its loop.
#include <algorithm>

#include "mvcc/KvStore.h"
#include "server/Alarms.h"
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

}  // namespace

ServerUnaryReactor* MaintenanceService::Alarm(CallbackServerContext* ctx, const Raw* in,
                                              Raw* out) {
  // Every action goes through Raft, as etcd's does (Node::alarm).
  return rawCall<pb::AlarmRequest, pb::AlarmResponse>(
      ctx, b_.io, in, out, [this](const pb::AlarmRequest& req, auto done) {
        b_.node.alarm(req, [this, done](const mvcc::Status& s, const pb::AlarmResponse& r) {
          pb::AlarmResponse resp = r;
          if (s.ok()) fillRevision(b_.node, resp.mutable_header());
          done(s, resp);
        });
      });
}

ServerUnaryReactor* MaintenanceService::Status(CallbackServerContext* ctx, const Raw* in,
                                               Raw* out) {
  return rawCall<pb::StatusRequest, pb::StatusResponse>(
      ctx, b_.io, in, out, [this](const pb::StatusRequest&, auto done) {
        const NodeStatus s = b_.node.status();
        if (s.stopped) return done(server::errors::stopped(), {});
        pb::StatusResponse resp;
        ownHeader(b_.node, resp.mutable_header());
        resp.set_version(b_.options.version);
        resp.set_dbsize(static_cast<std::int64_t>(s.dbSizeBytes));
        resp.set_dbsizeinuse(resp.dbsize());
        resp.set_leader(s.leader);
        resp.set_raftindex(s.commitIndex);
        resp.set_raftterm(s.term);
        resp.set_raftappliedindex(s.appliedIndex);
        resp.set_islearner(std::find(s.learners.begin(), s.learners.end(), s.id) !=
                           s.learners.end());
        if (s.leader == 0) resp.add_errors("etcdserver: no leader");
        // etcd lists the active alarms among the errors ("memberID:... alarm:NOSPACE ").
        for (const auto& a : s.alarms) resp.add_errors(AlarmStore::text(a));
        done({}, resp);
      });
}

ServerUnaryReactor* MaintenanceService::Defragment(CallbackServerContext* ctx, const Raw* in,
                                                   Raw* out) {
  // The store is in memory: there is no file to defragment, so this only answers.
  return rawCall<pb::DefragmentRequest, pb::DefragmentResponse>(
      ctx, b_.io, in, out, [this](const pb::DefragmentRequest&, auto done) {
        pb::DefragmentResponse resp;
        ownHeader(b_.node, resp.mutable_header());
        done({}, resp);
      });
}

ServerUnaryReactor* MaintenanceService::Hash(CallbackServerContext* ctx, const Raw* in,
                                             Raw* out) {
  // etcd hashes its whole bolt file; detcd answers the HashKV of every revision it keeps.
  return rawCall<pb::HashRequest, pb::HashResponse>(
      ctx, b_.io, in, out, [this](const pb::HashRequest&, auto done) {
        pb::HashKVResponse kv;
        const mvcc::Status st = b_.node.store().hashKV({}, &kv);
        pb::HashResponse resp;
        resp.set_hash(kv.hash());
        ownHeader(b_.node, resp.mutable_header());
        done(st, resp);
      });
}

ServerUnaryReactor* MaintenanceService::HashKV(CallbackServerContext* ctx, const Raw* in,
                                               Raw* out) {
  return rawCall<pb::HashKVRequest, pb::HashKVResponse>(
      ctx, b_.io, in, out, [this](const pb::HashKVRequest& req, auto done) {
        pb::HashKVResponse resp;
        const mvcc::Status st = b_.node.store().hashKV(req, &resp);
        ownHeader(b_.node, resp.mutable_header());
        done(st, resp);
      });
}

grpc::ServerWriteReactor<pb::SnapshotResponse>* MaintenanceService::Snapshot(
    CallbackServerContext*, const pb::SnapshotRequest*) {
  return new SnapshotStream(b_);  // deletes itself when gRPC is done with it
}

ServerUnaryReactor* MaintenanceService::MoveLeader(CallbackServerContext* ctx, const Raw* in,
                                                   Raw* out) {
  return rawCall<pb::MoveLeaderRequest, pb::MoveLeaderResponse>(
      ctx, b_.io, in, out, [this](const pb::MoveLeaderRequest& req, auto done) {
        b_.node.moveLeader(req.targetid(), [this, done](const mvcc::Status& s,
                                                        const pb::MoveLeaderResponse& r) {
          // etcd refuses a transferee that is not a member so.
          if (s == server::errors::memberNotFound()) {
            return done({mvcc::StatusCode::kFailedPrecondition,
                         "etcdserver: bad leader transferee"}, {});
          }
          pb::MoveLeaderResponse resp = r;
          if (s.ok()) fillRevision(b_.node, resp.mutable_header());
          done(s, resp);
        });
      });
}

}  // namespace detcd::server::api

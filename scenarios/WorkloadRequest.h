#pragma once
// The requests simulated clients send and how they reach a member: etcd's own protobuf
// messages, and the channel a client talks through. The cluster runner's channel
// (WorkloadNodeChannel.h) calls server::Node through MemberAccess; tests use a channel backed
// by a single mvcc::KvStore, so that clients and the checks are testable without a Node.

#include <cstdint>
#include <functional>
#include <variant>

#include "mvcc/Status.h"
#include "proto/rpc.pb.h"

namespace detcd::scenarios {

/// One client request (etcd's KV and Lease services).
using WorkloadRequest =
    std::variant<etcdserverpb::RangeRequest, etcdserverpb::PutRequest,
                 etcdserverpb::DeleteRangeRequest, etcdserverpb::TxnRequest,
                 etcdserverpb::CompactionRequest, etcdserverpb::LeaseGrantRequest,
                 etcdserverpb::LeaseRevokeRequest, etcdserverpb::LeaseKeepAliveRequest>;

/// The response to a WorkloadRequest: the alternative at the same position.
using WorkloadResponse =
    std::variant<etcdserverpb::RangeResponse, etcdserverpb::PutResponse,
                 etcdserverpb::DeleteRangeResponse, etcdserverpb::TxnResponse,
                 etcdserverpb::CompactionResponse, etcdserverpb::LeaseGrantResponse,
                 etcdserverpb::LeaseRevokeResponse, etcdserverpb::LeaseKeepAliveResponse>;

/// A client's connection to the members: requests and watch streams. Every callback runs on
/// the client's side (outside every member's event loop), at most once.
class WorkloadChannel {
 public:
  /// The answer to a request: ok + the response, or etcd's error (server/Node.h lists them).
  using Answer = std::function<void(const mvcc::Status& status, const WorkloadResponse& response)>;
  using WatchSink = std::function<void(const etcdserverpb::WatchResponse& response)>;
  /// Called once the watch stream exists on the member, with the member's incarnation
  /// (MemberAccess::incarnation) at that moment: the stream dies when that changes.
  using WatchOpened = std::function<void(std::uint64_t incarnation)>;

  virtual ~WorkloadChannel() = default;

  /// Sends `request` to member `member`. Exactly one of `answer` (the member answered) and
  /// `refused` (the member was down: definitely no effect) runs, or neither (the member
  /// crashed holding the request, or the answer is still on its way: the client's own
  /// timeout decides).
  virtual void call(std::uint64_t member, const WorkloadRequest& request, Answer answer,
                    std::function<void()> refused) = 0;

  /// Opens a watch stream on `member` and sends `create` on it. `opened` runs once it is open,
  /// then `sink` receives every response of the stream in order (the created response
  /// included) until the member crashes or stops. `refused` runs instead when the member is
  /// down.
  virtual void watch(std::uint64_t member, const etcdserverpb::WatchCreateRequest& create,
                     WatchOpened opened, WatchSink sink, std::function<void()> refused) = 0;
};

}  // namespace detcd::scenarios

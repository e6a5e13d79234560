#include "scenarios/WorkloadNodeChannel.h"

#include <deque>
#include <memory>
#include <utility>
#include <variant>

#include "server/Node.h"

namespace detcd::scenarios {

namespace {

namespace pb = etcdserverpb;

/// Calls the Node method of a request's kind; the answer goes back through toClient.
struct Dispatch {
  server::Node& node;
  MemberAccess& access;
  WorkloadChannel::Answer answer;

  template <typename Response>
  server::Node::Callback<Response> reply() const {
    return [access = &access, answer = answer](const mvcc::Status& status, const Response& r) {
      access->toClient([answer, status, r] { answer(status, WorkloadResponse(r)); });
    };
  }
  void operator()(const pb::RangeRequest& r) const {
    node.range(r, reply<pb::RangeResponse>());
  }
  void operator()(const pb::PutRequest& r) const { node.put(r, reply<pb::PutResponse>()); }
  void operator()(const pb::DeleteRangeRequest& r) const {
    node.deleteRange(r, reply<pb::DeleteRangeResponse>());
  }
  void operator()(const pb::TxnRequest& r) const { node.txn(r, reply<pb::TxnResponse>()); }
  void operator()(const pb::CompactionRequest& r) const {
    node.compact(r, reply<pb::CompactionResponse>());
  }
  void operator()(const pb::LeaseGrantRequest& r) const {
    node.leaseGrant(r, reply<pb::LeaseGrantResponse>());
  }
  void operator()(const pb::LeaseRevokeRequest& r) const {
    node.leaseRevoke(r, reply<pb::LeaseRevokeResponse>());
  }
  void operator()(const pb::LeaseKeepAliveRequest& r) const {
    node.leaseKeepAlive(r, reply<pb::LeaseKeepAliveResponse>());
  }
};

/// A watch stream's messages on their way to the client, oldest first.
struct StreamQueue {
  WorkloadChannel::WatchOpened opened;
  WorkloadChannel::WatchSink sink;
  std::deque<std::variant<std::uint64_t, pb::WatchResponse>> items;  ///< incarnation | response

  void deliverOldest() {
    auto item = std::move(items.front());
    items.pop_front();
    if (auto* incarnation = std::get_if<std::uint64_t>(&item)) {
      opened(*incarnation);
    } else {
      sink(std::get<pb::WatchResponse>(item));
    }
  }
};

}  // namespace

void NodeChannel::call(std::uint64_t member, const WorkloadRequest& request, Answer answer,
                       std::function<void()> refused) {
  access_.send(
      member,
      [access = &access_, request, answer = std::move(answer)](server::Node& node) {
        std::visit(Dispatch{node, *access, answer}, request);
      },
      std::move(refused));
}

void NodeChannel::watch(std::uint64_t member, const etcdserverpb::WatchCreateRequest& create,
                        WatchOpened opened, WatchSink sink, std::function<void()> refused) {
  auto queue = std::make_shared<StreamQueue>();
  queue->opened = std::move(opened);
  queue->sink = std::move(sink);
  access_.send(
      member,
      [access = &access_, member, create, queue](server::Node& node) {
        auto push = [access, queue](std::variant<std::uint64_t, pb::WatchResponse> item) {
          queue->items.push_back(std::move(item));
          access->toClient([queue] { queue->deliverOldest(); });
        };
        push(access->incarnation(member));
        std::int64_t stream =
            node.openWatchStream([push](const pb::WatchResponse& r) { push(r); });
        pb::WatchRequest req;
        *req.mutable_create_request() = create;
        node.watch(stream, req);
      },
      std::move(refused));
}

}  // namespace detcd::scenarios

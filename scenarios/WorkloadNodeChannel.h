#pragma once
// The channel of simulated clients to real server::Node members, through MemberAccess.

#include "scenarios/MemberAccess.h"
#include "scenarios/WorkloadRequest.h"

namespace detcd::scenarios {

/// Calls server::Node's request API inside the member's event loop (MemberAccess::send) and
/// carries each answer back with MemberAccess::toClient. A watch opens one Node watch stream
/// per call; its responses (and the open acknowledgement) reach the client in the order the
/// member sent them, like a gRPC stream, whatever the client-network delays: each toClient
/// delivery hands over the oldest response not yet delivered. The stream lives until the
/// member crashes (the Node and the stream's sink are destroyed with it).
class NodeChannel final : public WorkloadChannel {
 public:
  explicit NodeChannel(MemberAccess& access) : access_(access) {}

  void call(std::uint64_t member, const WorkloadRequest& request, Answer answer,
            std::function<void()> refused) override;
  void watch(std::uint64_t member, const etcdserverpb::WatchCreateRequest& create,
             WatchOpened opened, WatchSink sink, std::function<void()> refused) override;

 private:
  MemberAccess& access_;
};

}  // namespace detcd::scenarios

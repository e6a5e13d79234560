// Node::Impl's alarms and space quota: Maintenance.Alarm through Raft, the quota check before
// proposing, and the NOSPACE alarm a member raises when a write does not fit (etcd's
// api/v3rpc/quota.go and applyEntryNormal).

#include <string>
#include <utility>

#include "server/Errors.h"
#include "server/NodeImpl.h"

namespace detcd::server {

void Node::Impl::alarm(const etcdserverpb::AlarmRequest& req,
                       Callback<etcdserverpb::AlarmResponse> done) {
  using etcdserverpb::AlarmRequest;
  if (!AlarmRequest::AlarmAction_IsValid(req.action())) {
    return answer(done, mvcc::errors::make(mvcc::StatusCode::kInvalidArgument,
                                           "etcdserver: unknown alarm action " +
                                               std::to_string(req.action())), {});
  }
  if (req.action() == AlarmRequest::ACTIVATE &&
      (req.alarm() == etcdserverpb::NONE || !etcdserverpb::AlarmType_IsValid(req.alarm()))) {
    return answer(done, mvcc::errors::make(mvcc::StatusCode::kInvalidArgument,
                                           "etcdserver: cannot activate alarm type " +
                                               std::to_string(req.alarm()) +
                                               " (NOSPACE = 1 or CORRUPT = 2)"), {});
  }
  serverpb::InternalRaftRequest r;
  *r.mutable_alarm() = req;
  propose(std::move(r), typed(std::move(done)));
}

bool Node::Impl::fitsQuota(std::uint64_t cost) const {
  return quota_.available(backendBytes(store_), cost);
}

void Node::Impl::refuseNoSpace(Waits::Completion done) {
  // Raised already: proposing it again would change nothing (etcd proposes it anyway).
  if (alarms_.active(etcdserverpb::NOSPACE, cfg_.id)) return done(errors::noSpace(), nullptr);
  serverpb::InternalRaftRequest r;
  r.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  r.mutable_alarm()->set_memberid(cfg_.id);
  r.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
  propose(std::move(r), [done = std::move(done)](const mvcc::Status&,
                                                 const google::protobuf::Message*) {
    done(errors::noSpace(), nullptr);
  });
}

bool Node::Impl::raiseAfterApply(const serverpb::InternalRaftRequest& req) {
  if (!waits_.contains(req.id())) return false;
  // Proposed after the Ready being applied (etcd proposes it from a goroutine).
  respond([this, id = req.id()] {
    refuseNoSpace([this, id](const mvcc::Status& st, const google::protobuf::Message*) {
      waits_.trigger(id, st);
    });
  });
  return true;
}

void Node::Impl::traceAlarm(const etcdserverpb::AlarmRequest& req,
                            const etcdserverpb::AlarmResponse& r) {
  if (req.action() == etcdserverpb::AlarmRequest::GET || r.alarms().empty()) return;
  const bool raise = req.action() == etcdserverpb::AlarmRequest::ACTIVATE;
  env_.tracer.event("alarm", {{"action", std::string_view(raise ? "activate" : "deactivate")},
                              {"member", req.memberid()},
                              {"alarm", std::string_view(etcdserverpb::AlarmType_Name(
                                            req.alarm()))}});
}

}  // namespace detcd::server

// Cluster: membership changes go through the node (Raft configuration changes); IDs of added
// members are derived as etcd's MemberAdd derives them (MemberIds.h).
#include <algorithm>
#include <chrono>

#include "server/Errors.h"
#include "server/api/MemberIds.h"
#include "server/api/Services.h"
#include "server/api/Urls.h"

namespace detcd::server::api {

namespace {
mvcc::Status badUrls() {
  return {mvcc::StatusCode::kInvalidArgument, "etcdserver: given member URLs are invalid"};
}
mvcc::Status peerUrlExists() {
  return {mvcc::StatusCode::kFailedPrecondition, "etcdserver: Peer URLs already exists"};
}
}  // namespace

void ClusterService::addClientUrls(google::protobuf::RepeatedPtrField<pb::Member>* members) const {
  const std::uint64_t self = b_.node.status().id;
  for (auto& m : *members) {
    if (m.id() != self || m.clienturls_size() != 0) continue;
    for (const auto& u : b_.options.clientUrls) m.add_clienturls(u);
  }
}

ServerUnaryReactor* ClusterService::MemberAdd(CallbackServerContext* ctx,
                                              const pb::MemberAddRequest* req,
                                              pb::MemberAddResponse* resp) {
  std::vector<std::string> urls;
  for (const auto& text : req->peerurls()) {
    std::string error;
    auto u = parseUrl(text, &error);
    if (!u) break;
    urls.push_back(u->str());
  }
  if (urls.empty() || urls.size() != static_cast<std::size_t>(req->peerurls_size())) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(toGrpc(badUrls()));
    return reactor;
  }
  // etcd: NewMember("", urls, "", &now) — no token, the Unix time in seconds.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::uint64_t id = memberId(urls, "", now);
  return onLoop(ctx, b_.io, resp, [this, urls, id, learner = req->islearner()](auto done) {
    b_.node.memberList([this, urls, id, learner, done](const mvcc::Status& st,
                                                       const pb::MemberListResponse& list) {
      if (!st.ok()) return done(st, {});
      // etcd validates the ID before the peer URLs (ValidateConfigurationChange).
      for (const auto& m : list.members()) {
        if (m.id() == id) return done(server::errors::memberExists(), {});
      }
      for (const auto& m : list.members()) {
        for (const auto& u : m.peerurls()) {
          if (std::find(urls.begin(), urls.end(), u) != urls.end()) {
            return done(peerUrlExists(), {});
          }
        }
      }
      // The node keeps one peer URL per member: the first given.
      b_.node.memberAdd(id, urls.front(), learner,
                        [this, done](const mvcc::Status& s, const pb::MemberAddResponse& r) {
                          pb::MemberAddResponse out = r;
                          addClientUrls(out.mutable_members());
                          done(s, out);
                        });
    });
  });
}

ServerUnaryReactor* ClusterService::MemberRemove(CallbackServerContext* ctx,
                                                 const pb::MemberRemoveRequest* req,
                                                 pb::MemberRemoveResponse* resp) {
  return onLoop(ctx, b_.io, resp, [this, id = req->id()](auto done) {
    b_.node.memberRemove(id, [this, done](const mvcc::Status& s,
                                          const pb::MemberRemoveResponse& r) {
      pb::MemberRemoveResponse out = r;
      addClientUrls(out.mutable_members());
      done(s, out);
    });
  });
}

ServerUnaryReactor* ClusterService::MemberUpdate(CallbackServerContext* ctx,
                                                 const pb::MemberUpdateRequest*,
                                                 pb::MemberUpdateResponse*) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish({grpc::StatusCode::UNIMPLEMENTED,
                   "detcd: member update (changing a member's peer URLs) is not supported"});
  return reactor;
}

ServerUnaryReactor* ClusterService::MemberList(CallbackServerContext* ctx,
                                               const pb::MemberListRequest*,
                                               pb::MemberListResponse* resp) {
  return onLoop(ctx, b_.io, resp, [this](auto done) {
    b_.node.memberList([this, done](const mvcc::Status& s, const pb::MemberListResponse& r) {
      pb::MemberListResponse out = r;
      addClientUrls(out.mutable_members());
      done(s, out);
    });
  });
}

ServerUnaryReactor* ClusterService::MemberPromote(CallbackServerContext* ctx,
                                                  const pb::MemberPromoteRequest* req,
                                                  pb::MemberPromoteResponse* resp) {
  return onLoop(ctx, b_.io, resp, [this, id = req->id()](auto done) {
    b_.node.memberPromote(id, [this, done](const mvcc::Status& s,
                                           const pb::MemberPromoteResponse& r) {
      pb::MemberPromoteResponse out = r;
      addClientUrls(out.mutable_members());
      done(s, out);
    });
  });
}

}  // namespace detcd::server::api

// Cluster: membership changes go through the node (Raft configuration changes); IDs of added
// members are derived as etcd's MemberAdd derives them (MemberIds.h).
#include <algorithm>

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

ServerUnaryReactor* ClusterService::MemberAdd(CallbackServerContext* ctx, const Raw* in,
                                              Raw* out) {
  return rawCall<pb::MemberAddRequest, pb::MemberAddResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberAddRequest& req, auto done) {
        std::vector<std::string> urls;
        for (const auto& text : req.peerurls()) {
          std::string error;
          auto u = parseUrl(text, &error);
          if (!u) return done(badUrls(), {});
          urls.push_back(u->str());
        }
        if (urls.empty()) return done(badUrls(), {});
        // etcd's NewMember("", urls, "", &now): the peer URLs and the time, so that re-adding a
        // removed member's peer URLs gives a new ID (the new member learns it from its peers).
        // The time is the node's clock (nanoseconds) rather than the Unix time in seconds.
        add(memberId(urls, "", b_.node.now().count()), urls, req.islearner(), done);
      });
}

void ClusterService::add(std::uint64_t id, const std::vector<std::string>& urls, bool learner,
                         const Node::Callback<pb::MemberAddResponse>& done) {
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
    b_.node.memberAdd(id, urls.front(), learner, done);
  });
}

ServerUnaryReactor* ClusterService::MemberRemove(CallbackServerContext* ctx, const Raw* in,
                                                 Raw* out) {
  return rawCall<pb::MemberRemoveRequest, pb::MemberRemoveResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberRemoveRequest& req, auto done) {
        b_.node.memberRemove(req.id(), done);
      });
}

ServerUnaryReactor* ClusterService::MemberUpdate(CallbackServerContext* ctx, const Raw* in,
                                                 Raw* out) {
  return rawCall<pb::MemberUpdateRequest, pb::MemberUpdateResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberUpdateRequest& req, auto done) {
        std::vector<std::string> urls;
        for (const auto& text : req.peerurls()) {
          std::string error;
          auto u = parseUrl(text, &error);
          if (!u) return done(badUrls(), {});
          urls.push_back(u->str());
        }
        if (urls.empty()) return done(badUrls(), {});
        const std::uint64_t id = req.id();
        b_.node.memberList([this, urls, id, done](const mvcc::Status& st,
                                                  const pb::MemberListResponse& list) {
          if (!st.ok()) return done(st, {});
          // etcd's ValidateConfigurationChange for an update: the member must exist, and no
          // other member may have one of the URLs.
          const auto& ms = list.members();
          if (std::none_of(ms.begin(), ms.end(), [id](const auto& m) { return m.id() == id; })) {
            return done(server::errors::memberNotFound(), {});
          }
          for (const auto& m : ms) {
            if (m.id() == id) continue;
            for (const auto& u : m.peerurls()) {
              if (std::find(urls.begin(), urls.end(), u) != urls.end()) {
                return done(peerUrlExists(), {});
              }
            }
          }
          // The node keeps one peer URL per member: the first given.
          b_.node.memberUpdate(id, urls.front(), done);
        });
      });
}

ServerUnaryReactor* ClusterService::MemberList(CallbackServerContext* ctx, const Raw* in,
                                               Raw* out) {
  return rawCall<pb::MemberListRequest, pb::MemberListResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberListRequest&, auto done) {
        b_.node.memberList(done);
      });
}

ServerUnaryReactor* ClusterService::MemberPromote(CallbackServerContext* ctx, const Raw* in,
                                                  Raw* out) {
  return rawCall<pb::MemberPromoteRequest, pb::MemberPromoteResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberPromoteRequest& req, auto done) {
        b_.node.memberPromote(req.id(), done);
      });
}

}  // namespace detcd::server::api

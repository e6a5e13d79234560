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
        // The ID the new member derives itself (ApiOptions::clusterToken); etcd's
        // NewMember("", urls, "", &now) hashes the Unix time in seconds instead.
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        const std::string& token = b_.options.clusterToken;
        add(token.empty() ? memberId(urls, "", now) : memberId(urls, token, std::nullopt), urls,
            req.islearner(), done);
      });
}

void ClusterService::add(std::uint64_t id, const std::vector<std::string>& urls, bool learner,
                         const Node::Callback<pb::MemberAddResponse>& done) {
  b_.node.memberList([this, urls, id, learner, done](const mvcc::Status& st,
                                                     const pb::MemberListResponse& list) {
    if (!st.ok()) return done(st, {});
    const auto idTaken = [&] {
      for (const auto& m : list.members()) {
        if (m.id() == id) return true;
      }
      return false;
    };
    // etcd validates the ID before the peer URLs (ValidateConfigurationChange). With IDs derived
    // from the peer URLs and the token (ApiOptions::clusterToken) the same URLs give the same
    // ID, so the URLs are checked first: etcd, whose IDs differ by the time, says "Peer URLs
    // already exists" then.
    const bool urlsFirst = !b_.options.clusterToken.empty();
    if (!urlsFirst && idTaken()) return done(server::errors::memberExists(), {});
    for (const auto& m : list.members()) {
      for (const auto& u : m.peerurls()) {
        if (std::find(urls.begin(), urls.end(), u) != urls.end()) {
          return done(peerUrlExists(), {});
        }
      }
    }
    if (urlsFirst && idTaken()) return done(server::errors::memberExists(), {});
    // The node keeps one peer URL per member: the first given.
    b_.node.memberAdd(id, urls.front(), learner,
                      [this, done](const mvcc::Status& s, const pb::MemberAddResponse& r) {
                        pb::MemberAddResponse resp = r;
                        addClientUrls(resp.mutable_members());
                        done(s, resp);
                      });
  });
}

ServerUnaryReactor* ClusterService::MemberRemove(CallbackServerContext* ctx, const Raw* in,
                                                 Raw* out) {
  return rawCall<pb::MemberRemoveRequest, pb::MemberRemoveResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberRemoveRequest& req, auto done) {
        b_.node.memberRemove(req.id(), [this, done](const mvcc::Status& s,
                                                    const pb::MemberRemoveResponse& r) {
          pb::MemberRemoveResponse resp = r;
          addClientUrls(resp.mutable_members());
          done(s, resp);
        });
      });
}

ServerUnaryReactor* ClusterService::MemberUpdate(CallbackServerContext* ctx, const Raw* in,
                                                 Raw* out) {
  auto* reactor = ctx->DefaultReactor();
  pb::MemberUpdateRequest req;
  reactor->Finish(!parseRequest(*in, &req)
                      ? unmarshalError(pb::MemberUpdateRequest::descriptor()->full_name())
                      : grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                     "detcd: member update (changing a member's peer URLs) "
                                     "is not supported"));
  (void)out;
  return reactor;
}

ServerUnaryReactor* ClusterService::MemberList(CallbackServerContext* ctx, const Raw* in,
                                               Raw* out) {
  return rawCall<pb::MemberListRequest, pb::MemberListResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberListRequest&, auto done) {
        b_.node.memberList([this, done](const mvcc::Status& s, const pb::MemberListResponse& r) {
          pb::MemberListResponse resp = r;
          addClientUrls(resp.mutable_members());
          done(s, resp);
        });
      });
}

ServerUnaryReactor* ClusterService::MemberPromote(CallbackServerContext* ctx, const Raw* in,
                                                  Raw* out) {
  return rawCall<pb::MemberPromoteRequest, pb::MemberPromoteResponse>(
      ctx, b_.io, in, out, [this](const pb::MemberPromoteRequest& req, auto done) {
        b_.node.memberPromote(req.id(), [this, done](const mvcc::Status& s,
                                                     const pb::MemberPromoteResponse& r) {
          pb::MemberPromoteResponse resp = r;
          addClientUrls(resp.mutable_members());
          done(s, resp);
        });
      });
}

}  // namespace detcd::server::api

#pragma once
// Internal to server/api: the six etcd v3 services as gRPC callback services over a Backend.
// Each method posts into the node's loop (Calls.h); semantics and etcd's behaviour they follow
// are in docs/server.md, "The gRPC API".

#include "proto/rpc.grpc.pb.h"
#include "server/api/Calls.h"

namespace detcd::server::api {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;
namespace pb = etcdserverpb;
/// Unary methods are registered raw (gRPC ByteBuffers) and parse their request themselves, so a
/// request that is not valid protobuf gets etcd's clear INTERNAL error (Calls.h, rawCall).
using Raw = grpc::ByteBuffer;

/// etcd's kvServer: Range, Put, DeleteRange, Txn, Compact.
class KvService final
    : public pb::KV::WithRawCallbackMethod_Range<pb::KV::WithRawCallbackMethod_Put<
          pb::KV::WithRawCallbackMethod_DeleteRange<pb::KV::WithRawCallbackMethod_Txn<
              pb::KV::WithRawCallbackMethod_Compact<pb::KV::Service>>>>> {
 public:
  explicit KvService(Backend b) : b_(b) {}
  ServerUnaryReactor* Range(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* Put(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* DeleteRange(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* Txn(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* Compact(CallbackServerContext* ctx, const Raw* in, Raw* out) override;

 private:
  Backend b_;
};

/// etcd's watchServer: one node watch stream per gRPC stream, several watchers on it.
class WatchService final : public pb::Watch::WithRawCallbackMethod_Watch<pb::Watch::Service> {
 public:
  explicit WatchService(Backend b) : b_(b) {}
  grpc::ServerBidiReactor<Raw, Raw>* Watch(CallbackServerContext* ctx) override;

 private:
  Backend b_;
};

/// etcd's LeaseServer: Grant, Revoke, KeepAlive stream, TimeToLive, Leases.
class LeaseService final
    : public pb::Lease::WithRawCallbackMethod_LeaseGrant<
          pb::Lease::WithRawCallbackMethod_LeaseRevoke<
              pb::Lease::WithRawCallbackMethod_LeaseKeepAlive<
                  pb::Lease::WithRawCallbackMethod_LeaseTimeToLive<
                      pb::Lease::WithRawCallbackMethod_LeaseLeases<pb::Lease::Service>>>>> {
 public:
  explicit LeaseService(Backend b) : b_(b) {}
  ServerUnaryReactor* LeaseGrant(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* LeaseRevoke(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  grpc::ServerBidiReactor<Raw, Raw>* LeaseKeepAlive(CallbackServerContext* ctx) override;
  ServerUnaryReactor* LeaseTimeToLive(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* LeaseLeases(CallbackServerContext* ctx, const Raw* in, Raw* out) override;

 private:
  Backend b_;
};

/// etcd's ClusterServer: MemberAdd, MemberRemove, MemberUpdate, MemberList, MemberPromote.
class ClusterService final
    : public pb::Cluster::WithRawCallbackMethod_MemberAdd<
          pb::Cluster::WithRawCallbackMethod_MemberRemove<
              pb::Cluster::WithRawCallbackMethod_MemberUpdate<
                  pb::Cluster::WithRawCallbackMethod_MemberList<
                      pb::Cluster::WithRawCallbackMethod_MemberPromote<pb::Cluster::Service>>>>> {
 public:
  explicit ClusterService(Backend b) : b_(b) {}
  ServerUnaryReactor* MemberAdd(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* MemberRemove(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* MemberUpdate(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* MemberList(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* MemberPromote(CallbackServerContext* ctx, const Raw* in, Raw* out) override;

 private:
  /// Adds member `id` after etcd's checks against the current list (ID, then peer URLs).
  void add(std::uint64_t id, const std::vector<std::string>& urls, bool learner,
           const Node::Callback<pb::MemberAddResponse>& done);
  Backend b_;
};

/// etcd's maintenanceServer: Alarm, Status, Defragment, Hash, HashKV, Snapshot, MoveLeader.
class MaintenanceService final
    : public pb::Maintenance::WithRawCallbackMethod_Alarm<
          pb::Maintenance::WithRawCallbackMethod_Status<
              pb::Maintenance::WithRawCallbackMethod_Defragment<
                  pb::Maintenance::WithRawCallbackMethod_Hash<
                      pb::Maintenance::WithRawCallbackMethod_HashKV<
                          pb::Maintenance::WithCallbackMethod_Snapshot<
                              pb::Maintenance::WithRawCallbackMethod_MoveLeader<
                                  pb::Maintenance::Service>>>>>>> {
 public:
  explicit MaintenanceService(Backend b) : b_(b) {}
  ServerUnaryReactor* Alarm(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* Status(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* Defragment(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* Hash(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  ServerUnaryReactor* HashKV(CallbackServerContext* ctx, const Raw* in, Raw* out) override;
  grpc::ServerWriteReactor<pb::SnapshotResponse>* Snapshot(CallbackServerContext* ctx,
                                                           const pb::SnapshotRequest* req) override;
  ServerUnaryReactor* MoveLeader(CallbackServerContext* ctx, const Raw* in, Raw* out) override;

 private:
  Backend b_;
};

/// etcd's AuthServer with authentication never enabled (detcd has no auth store): answers as
/// etcd does while auth is disabled and no user or role exists.
class AuthService final : public pb::Auth::CallbackService {
 public:
  explicit AuthService(Backend b) : b_(b) {}
  ServerUnaryReactor* AuthEnable(CallbackServerContext* ctx, const pb::AuthEnableRequest* req,
                                 pb::AuthEnableResponse* resp) override;
  ServerUnaryReactor* AuthDisable(CallbackServerContext* ctx, const pb::AuthDisableRequest* req,
                                  pb::AuthDisableResponse* resp) override;
  ServerUnaryReactor* Authenticate(CallbackServerContext* ctx,
                                   const pb::AuthenticateRequest* req,
                                   pb::AuthenticateResponse* resp) override;
  ServerUnaryReactor* UserAdd(CallbackServerContext* ctx, const pb::AuthUserAddRequest* req,
                              pb::AuthUserAddResponse* resp) override;
  ServerUnaryReactor* UserGet(CallbackServerContext* ctx, const pb::AuthUserGetRequest* req,
                              pb::AuthUserGetResponse* resp) override;
  ServerUnaryReactor* UserList(CallbackServerContext* ctx, const pb::AuthUserListRequest* req,
                               pb::AuthUserListResponse* resp) override;
  ServerUnaryReactor* UserDelete(CallbackServerContext* ctx, const pb::AuthUserDeleteRequest* req,
                                 pb::AuthUserDeleteResponse* resp) override;
  ServerUnaryReactor* UserChangePassword(CallbackServerContext* ctx,
                                         const pb::AuthUserChangePasswordRequest* req,
                                         pb::AuthUserChangePasswordResponse* resp) override;
  ServerUnaryReactor* UserGrantRole(CallbackServerContext* ctx,
                                    const pb::AuthUserGrantRoleRequest* req,
                                    pb::AuthUserGrantRoleResponse* resp) override;
  ServerUnaryReactor* UserRevokeRole(CallbackServerContext* ctx,
                                     const pb::AuthUserRevokeRoleRequest* req,
                                     pb::AuthUserRevokeRoleResponse* resp) override;
  ServerUnaryReactor* RoleAdd(CallbackServerContext* ctx, const pb::AuthRoleAddRequest* req,
                              pb::AuthRoleAddResponse* resp) override;
  ServerUnaryReactor* RoleGet(CallbackServerContext* ctx, const pb::AuthRoleGetRequest* req,
                              pb::AuthRoleGetResponse* resp) override;
  ServerUnaryReactor* RoleList(CallbackServerContext* ctx, const pb::AuthRoleListRequest* req,
                               pb::AuthRoleListResponse* resp) override;
  ServerUnaryReactor* RoleDelete(CallbackServerContext* ctx, const pb::AuthRoleDeleteRequest* req,
                                 pb::AuthRoleDeleteResponse* resp) override;
  ServerUnaryReactor* RoleGrantPermission(CallbackServerContext* ctx,
                                          const pb::AuthRoleGrantPermissionRequest* req,
                                          pb::AuthRoleGrantPermissionResponse* resp) override;
  ServerUnaryReactor* RoleRevokePermission(CallbackServerContext* ctx,
                                           const pb::AuthRoleRevokePermissionRequest* req,
                                           pb::AuthRoleRevokePermissionResponse* resp) override;

 private:
  Backend b_;
};

}  // namespace detcd::server::api

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

/// etcd's kvServer: Range, Put, DeleteRange, Txn, Compact.
class KvService final : public pb::KV::CallbackService {
 public:
  explicit KvService(Backend b) : b_(b) {}
  ServerUnaryReactor* Range(CallbackServerContext* ctx, const pb::RangeRequest* req,
                            pb::RangeResponse* resp) override;
  ServerUnaryReactor* Put(CallbackServerContext* ctx, const pb::PutRequest* req,
                          pb::PutResponse* resp) override;
  ServerUnaryReactor* DeleteRange(CallbackServerContext* ctx, const pb::DeleteRangeRequest* req,
                                  pb::DeleteRangeResponse* resp) override;
  ServerUnaryReactor* Txn(CallbackServerContext* ctx, const pb::TxnRequest* req,
                          pb::TxnResponse* resp) override;
  ServerUnaryReactor* Compact(CallbackServerContext* ctx, const pb::CompactionRequest* req,
                              pb::CompactionResponse* resp) override;

 private:
  Backend b_;
};

/// etcd's watchServer: one node watch stream per gRPC stream, several watchers on it.
class WatchService final : public pb::Watch::CallbackService {
 public:
  explicit WatchService(Backend b) : b_(b) {}
  grpc::ServerBidiReactor<pb::WatchRequest, pb::WatchResponse>* Watch(
      CallbackServerContext* ctx) override;

 private:
  Backend b_;
};

/// etcd's LeaseServer: Grant, Revoke, KeepAlive stream, TimeToLive, Leases.
class LeaseService final : public pb::Lease::CallbackService {
 public:
  explicit LeaseService(Backend b) : b_(b) {}
  ServerUnaryReactor* LeaseGrant(CallbackServerContext* ctx, const pb::LeaseGrantRequest* req,
                                 pb::LeaseGrantResponse* resp) override;
  ServerUnaryReactor* LeaseRevoke(CallbackServerContext* ctx, const pb::LeaseRevokeRequest* req,
                                  pb::LeaseRevokeResponse* resp) override;
  grpc::ServerBidiReactor<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>* LeaseKeepAlive(
      CallbackServerContext* ctx) override;
  ServerUnaryReactor* LeaseTimeToLive(CallbackServerContext* ctx,
                                      const pb::LeaseTimeToLiveRequest* req,
                                      pb::LeaseTimeToLiveResponse* resp) override;
  ServerUnaryReactor* LeaseLeases(CallbackServerContext* ctx, const pb::LeaseLeasesRequest* req,
                                  pb::LeaseLeasesResponse* resp) override;

 private:
  Backend b_;
};

/// etcd's ClusterServer: MemberAdd, MemberRemove, MemberUpdate, MemberList, MemberPromote.
class ClusterService final : public pb::Cluster::CallbackService {
 public:
  explicit ClusterService(Backend b) : b_(b) {}
  ServerUnaryReactor* MemberAdd(CallbackServerContext* ctx, const pb::MemberAddRequest* req,
                                pb::MemberAddResponse* resp) override;
  ServerUnaryReactor* MemberRemove(CallbackServerContext* ctx, const pb::MemberRemoveRequest* req,
                                   pb::MemberRemoveResponse* resp) override;
  ServerUnaryReactor* MemberUpdate(CallbackServerContext* ctx, const pb::MemberUpdateRequest* req,
                                   pb::MemberUpdateResponse* resp) override;
  ServerUnaryReactor* MemberList(CallbackServerContext* ctx, const pb::MemberListRequest* req,
                                 pb::MemberListResponse* resp) override;
  ServerUnaryReactor* MemberPromote(CallbackServerContext* ctx,
                                    const pb::MemberPromoteRequest* req,
                                    pb::MemberPromoteResponse* resp) override;

 private:
  /// Adds this member's client URLs (the node keeps peer URLs only) to a member list.
  void addClientUrls(google::protobuf::RepeatedPtrField<pb::Member>* members) const;
  Backend b_;
};

/// etcd's maintenanceServer: Alarm, Status, Defragment, Hash, HashKV, Snapshot, MoveLeader.
class MaintenanceService final : public pb::Maintenance::CallbackService {
 public:
  explicit MaintenanceService(Backend b) : b_(b) {}
  ServerUnaryReactor* Alarm(CallbackServerContext* ctx, const pb::AlarmRequest* req,
                            pb::AlarmResponse* resp) override;
  ServerUnaryReactor* Status(CallbackServerContext* ctx, const pb::StatusRequest* req,
                             pb::StatusResponse* resp) override;
  ServerUnaryReactor* Defragment(CallbackServerContext* ctx, const pb::DefragmentRequest* req,
                                 pb::DefragmentResponse* resp) override;
  ServerUnaryReactor* Hash(CallbackServerContext* ctx, const pb::HashRequest* req,
                           pb::HashResponse* resp) override;
  ServerUnaryReactor* HashKV(CallbackServerContext* ctx, const pb::HashKVRequest* req,
                             pb::HashKVResponse* resp) override;
  grpc::ServerWriteReactor<pb::SnapshotResponse>* Snapshot(CallbackServerContext* ctx,
                                                           const pb::SnapshotRequest* req) override;
  ServerUnaryReactor* MoveLeader(CallbackServerContext* ctx, const pb::MoveLeaderRequest* req,
                                 pb::MoveLeaderResponse* resp) override;

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

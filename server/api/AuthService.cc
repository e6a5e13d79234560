// Auth: detcd has no user/role store, so authentication is never enabled. Each method answers
// what etcd 3.4 answers while auth is disabled and no user or role exists; the methods that
// would create users, roles or grants answer UNIMPLEMENTED, saying so.
#include "server/api/Services.h"

namespace detcd::server::api {

namespace {
grpc::Status authNotEnabled() {
  return {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: authentication is not enabled"};
}
grpc::Status noAuthStore() {
  return {grpc::StatusCode::UNIMPLEMENTED,
          "detcd: users and roles are not supported (no auth store); authentication stays off"};
}

/// Finishes at once with `st` (no node state needed).
ServerUnaryReactor* fail(CallbackServerContext* ctx, const grpc::Status& st) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(st);
  return reactor;
}

/// Answers an empty success with a filled header.
template <typename Response>
ServerUnaryReactor* emptyAnswer(CallbackServerContext* ctx, Backend b, Response* resp) {
  return onLoop(ctx, b.io, resp, [b](auto done) {
    Response out;
    ownHeader(b.node, out.mutable_header());
    done({}, out);
  });
}
}  // namespace

// etcd: enabling needs a root user, which cannot exist here.
ServerUnaryReactor* AuthService::AuthEnable(CallbackServerContext* ctx,
                                            const pb::AuthEnableRequest*,
                                            pb::AuthEnableResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION,
                    "etcdserver: root user does not exist"});
}

// etcd: disabling disabled auth is a no-op success.
ServerUnaryReactor* AuthService::AuthDisable(CallbackServerContext* ctx,
                                             const pb::AuthDisableRequest*,
                                             pb::AuthDisableResponse* resp) {
  return emptyAnswer(ctx, b_, resp);
}

ServerUnaryReactor* AuthService::Authenticate(CallbackServerContext* ctx,
                                              const pb::AuthenticateRequest*,
                                              pb::AuthenticateResponse*) {
  return fail(ctx, authNotEnabled());
}

ServerUnaryReactor* AuthService::UserAdd(CallbackServerContext* ctx,
                                         const pb::AuthUserAddRequest*,
                                         pb::AuthUserAddResponse*) {
  return fail(ctx, noAuthStore());
}

ServerUnaryReactor* AuthService::UserGet(CallbackServerContext* ctx,
                                         const pb::AuthUserGetRequest*,
                                         pb::AuthUserGetResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: user name not found"});
}

ServerUnaryReactor* AuthService::UserList(CallbackServerContext* ctx,
                                          const pb::AuthUserListRequest*,
                                          pb::AuthUserListResponse* resp) {
  return emptyAnswer(ctx, b_, resp);
}

ServerUnaryReactor* AuthService::UserDelete(CallbackServerContext* ctx,
                                            const pb::AuthUserDeleteRequest*,
                                            pb::AuthUserDeleteResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: user name not found"});
}

ServerUnaryReactor* AuthService::UserChangePassword(CallbackServerContext* ctx,
                                                    const pb::AuthUserChangePasswordRequest*,
                                                    pb::AuthUserChangePasswordResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: user name not found"});
}

ServerUnaryReactor* AuthService::UserGrantRole(CallbackServerContext* ctx,
                                               const pb::AuthUserGrantRoleRequest*,
                                               pb::AuthUserGrantRoleResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: user name not found"});
}

ServerUnaryReactor* AuthService::UserRevokeRole(CallbackServerContext* ctx,
                                                const pb::AuthUserRevokeRoleRequest*,
                                                pb::AuthUserRevokeRoleResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: user name not found"});
}

ServerUnaryReactor* AuthService::RoleAdd(CallbackServerContext* ctx,
                                         const pb::AuthRoleAddRequest*,
                                         pb::AuthRoleAddResponse*) {
  return fail(ctx, noAuthStore());
}

ServerUnaryReactor* AuthService::RoleGet(CallbackServerContext* ctx,
                                         const pb::AuthRoleGetRequest*,
                                         pb::AuthRoleGetResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: role name not found"});
}

ServerUnaryReactor* AuthService::RoleList(CallbackServerContext* ctx,
                                          const pb::AuthRoleListRequest*,
                                          pb::AuthRoleListResponse* resp) {
  return emptyAnswer(ctx, b_, resp);
}

ServerUnaryReactor* AuthService::RoleDelete(CallbackServerContext* ctx,
                                            const pb::AuthRoleDeleteRequest*,
                                            pb::AuthRoleDeleteResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: role name not found"});
}

ServerUnaryReactor* AuthService::RoleGrantPermission(CallbackServerContext* ctx,
                                                     const pb::AuthRoleGrantPermissionRequest*,
                                                     pb::AuthRoleGrantPermissionResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: role name not found"});
}

ServerUnaryReactor* AuthService::RoleRevokePermission(
    CallbackServerContext* ctx, const pb::AuthRoleRevokePermissionRequest*,
    pb::AuthRoleRevokePermissionResponse*) {
  return fail(ctx, {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: role name not found"});
}

}  // namespace detcd::server::api

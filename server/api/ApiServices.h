#pragma once
// etcd 3.4's v3 gRPC services (KV, Watch, Lease, Cluster, Maintenance, Auth) over one
// server::Node. docs/server.md, "The gRPC API", lists what each method does and where detcd
// differs from etcd.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}
namespace grpc {
class ServerBuilder;
}

namespace detcd::server {
class Node;
}

namespace detcd::server::api {

/// What the services show clients about this member beyond what the node knows.
struct ApiOptions {
  /// StatusResponse.version: the etcd release whose API detcd speaks.
  std::string version = "3.4.23";
};

/// etcd's gRPC overhead allowance: the server accepts messages of --max-request-bytes plus this
/// (etcd's v3rpc grpcOverheadBytes, 512 KiB); larger ones gRPC itself rejects.
inline constexpr std::uint64_t kGrpcOverheadBytes = 512 * 1024;

/// The v3 services of one member. Threading (DESIGN.md): the node runs on `io`'s single thread;
/// the services' handlers, on gRPC's threads, only post into `io`, and the node's callbacks
/// finish the calls. The node and `io` must outlive every call, i.e. the grpc::Server built
/// with registerWith() must be shut down (while `io` still runs) before either is destroyed.
class ApiServices {
 public:
  ApiServices(boost::asio::io_context& io, Node& node, ApiOptions options);
  ~ApiServices();
  ApiServices(const ApiServices&) = delete;
  ApiServices& operator=(const ApiServices&) = delete;

  /// Registers the six services with `builder`; they must outlive the server it builds.
  void registerWith(grpc::ServerBuilder& builder);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace detcd::server::api

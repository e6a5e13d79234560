#include "server/api/ApiServices.h"

#include "server/api/Services.h"

namespace detcd::server::api {

struct ApiServices::Impl {
  Impl(boost::asio::io_context& io, Node& node, ApiOptions opts)
      : options(std::move(opts)),
        backend{io, node, options},
        kv(backend),
        watch(backend),
        lease(backend),
        cluster(backend),
        maintenance(backend),
        auth(backend) {}

  ApiOptions options;
  Backend backend;
  KvService kv;
  WatchService watch;
  LeaseService lease;
  ClusterService cluster;
  MaintenanceService maintenance;
  AuthService auth;
};

ApiServices::ApiServices(boost::asio::io_context& io, Node& node, ApiOptions options)
    : impl_(std::make_unique<Impl>(io, node, std::move(options))) {}

ApiServices::~ApiServices() = default;

void ApiServices::registerWith(grpc::ServerBuilder& builder) {
  builder.RegisterService(&impl_->kv);
  builder.RegisterService(&impl_->watch);
  builder.RegisterService(&impl_->lease);
  builder.RegisterService(&impl_->cluster);
  builder.RegisterService(&impl_->maintenance);
  builder.RegisterService(&impl_->auth);
}

}  // namespace detcd::server::api

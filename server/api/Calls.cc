#include "server/api/Calls.h"

#include "mvcc/KvStore.h"

namespace detcd::server::api {

grpc::Status toGrpc(const mvcc::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return {static_cast<grpc::StatusCode>(st.code), st.message};
}

void fillRevision(const Node& node, etcdserverpb::ResponseHeader* header) {
  if (header->revision() == 0) header->set_revision(node.store().currentRevision());
}

void ownHeader(const Node& node, etcdserverpb::ResponseHeader* header) {
  const NodeStatus s = node.status();
  header->set_cluster_id(s.clusterId);
  header->set_member_id(s.id);
  header->set_raft_term(s.term);
  fillRevision(node, header);
}

}  // namespace detcd::server::api

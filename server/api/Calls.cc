#include "server/api/Calls.h"

#include "mvcc/KvStore.h"

namespace detcd::server::api {

grpc::Status toGrpc(const mvcc::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return {static_cast<grpc::StatusCode>(st.code), st.message};
}

grpc::Status unmarshalError(const std::string& messageType) {
  return {grpc::StatusCode::INTERNAL,
          "grpc: error unmarshalling request: not a valid " + messageType + " message"};
}

bool parseRequest(const grpc::ByteBuffer& in, google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!in.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return message->ParseFromString(bytes);
}

void serializeResponse(const google::protobuf::Message& message, grpc::ByteBuffer* out) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  *out = grpc::ByteBuffer(&slice, 1);
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

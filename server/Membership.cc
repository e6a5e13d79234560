#include "server/Membership.h"

#include "server/Errors.h"

namespace detcd::server {

bool Membership::isLearner(std::uint64_t id) const {
  const auto* m = find(id);
  return m != nullptr && m->learner();
}

const serverpb::Member* Membership::find(std::uint64_t id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

mvcc::Status Membership::validate(const raftpb::ConfChangeV2& cc) const {
  for (const auto& c : cc.changes()) {
    const std::uint64_t id = c.node_id();
    switch (c.type()) {
      case raftpb::ConfChangeAddNode:
        if (isRemoved(id)) return errors::memberNotFound();
        // Adding an existing learner as a voter is a promotion.
        if (contains(id) && !isLearner(id)) return errors::memberExists();
        break;
      case raftpb::ConfChangeAddLearnerNode:
        if (isRemoved(id)) return errors::memberNotFound();
        if (contains(id)) return errors::memberExists();
        break;
      case raftpb::ConfChangeRemoveNode:
      case raftpb::ConfChangeUpdateNode:
        if (!contains(id)) return errors::memberNotFound();
        break;
      default:
        break;
    }
  }
  return {};
}

void Membership::apply(const raftpb::ConfChangeV2& cc, const serverpb::Member& member) {
  for (const auto& c : cc.changes()) {
    const std::uint64_t id = c.node_id();
    switch (c.type()) {
      case raftpb::ConfChangeAddNode:
      case raftpb::ConfChangeAddLearnerNode: {
        auto it = members_.find(id);
        if (it != members_.end()) {
          it->second.set_learner(c.type() == raftpb::ConfChangeAddLearnerNode);
          break;
        }
        serverpb::Member m = member;
        m.set_id(id);
        m.set_learner(c.type() == raftpb::ConfChangeAddLearnerNode);
        members_[id] = m;
        break;
      }
      case raftpb::ConfChangeRemoveNode:
        members_.erase(id);
        removed_.insert(id);
        break;
      case raftpb::ConfChangeUpdateNode:
        if (auto it = members_.find(id); it != members_.end()) {
          it->second.set_peer_url(member.peer_url());
        }
        break;
      default:
        break;
    }
  }
}

bool Membership::setAttributes(std::uint64_t id, const std::string& name,
                               const google::protobuf::RepeatedPtrField<std::string>& clientUrls) {
  auto it = members_.find(id);
  if (it == members_.end()) return false;
  it->second.set_name(name);
  *it->second.mutable_client_urls() = clientUrls;
  return true;
}

void Membership::assign(const serverpb::SnapshotData& data) {
  members_.clear();
  for (const auto& m : data.members()) members_[m.id()] = m;
  removed_ = {data.removed().begin(), data.removed().end()};
}

void Membership::save(serverpb::SnapshotData* out) const {
  out->clear_members();
  for (const auto& [id, m] : members_) *out->add_members() = m;
  out->clear_removed();
  for (std::uint64_t id : removed_) out->add_removed(id);
}

void Membership::toApi(const serverpb::Member& m, etcdserverpb::Member* out) {
  out->set_id(m.id());
  out->set_name(m.name());
  out->clear_peerurls();
  if (!m.peer_url().empty()) out->add_peerurls(m.peer_url());
  *out->mutable_clienturls() = m.client_urls();
  out->set_islearner(m.learner());
}

void Membership::list(google::protobuf::RepeatedPtrField<etcdserverpb::Member>* out) const {
  out->Clear();
  for (const auto& [id, m] : members_) toApi(m, out->Add());
}

}  // namespace detcd::server

#include "server/Alarms.h"

namespace detcd::server {

namespace {

etcdserverpb::AlarmMember member(int type, std::uint64_t id) {
  etcdserverpb::AlarmMember m;
  m.set_memberid(id);
  m.set_alarm(static_cast<etcdserverpb::AlarmType>(type));
  return m;
}

}  // namespace

etcdserverpb::AlarmResponse AlarmStore::apply(const etcdserverpb::AlarmRequest& req) {
  etcdserverpb::AlarmResponse resp;
  const std::pair<int, std::uint64_t> key{req.alarm(), req.memberid()};
  switch (req.action()) {
    case etcdserverpb::AlarmRequest::GET:
      for (const auto& [type, id] : alarms_) {
        if (req.alarm() == etcdserverpb::NONE || type == req.alarm()) {
          *resp.add_alarms() = member(type, id);
        }
      }
      break;
    case etcdserverpb::AlarmRequest::ACTIVATE:
      alarms_.insert(key);
      *resp.add_alarms() = member(key.first, key.second);
      break;
    case etcdserverpb::AlarmRequest::DEACTIVATE:
      if (alarms_.erase(key) != 0) *resp.add_alarms() = member(key.first, key.second);
      break;
    default:
      break;
  }
  return resp;
}

bool AlarmStore::active(etcdserverpb::AlarmType type) const {
  const auto it = alarms_.lower_bound({type, 0});
  return it != alarms_.end() && it->first == type;
}

void AlarmStore::list(google::protobuf::RepeatedPtrField<etcdserverpb::AlarmMember>* out) const {
  for (const auto& [type, id] : alarms_) *out->Add() = member(type, id);
}

void AlarmStore::assign(const serverpb::SnapshotData& data) {
  alarms_.clear();
  for (const auto& m : data.alarms()) alarms_.insert({m.alarm(), m.memberid()});
}

void AlarmStore::save(serverpb::SnapshotData* out) const { list(out->mutable_alarms()); }

std::string AlarmStore::text(const etcdserverpb::AlarmMember& m) {
  std::string out;
  if (m.memberid() != 0) out += "memberID:" + std::to_string(m.memberid()) + " ";
  if (m.alarm() != etcdserverpb::NONE) {
    const std::string& name = etcdserverpb::AlarmType_Name(m.alarm());
    out += "alarm:" + (name.empty() ? std::to_string(m.alarm()) : name) + " ";
  }
  return out;
}

}  // namespace detcd::server

#pragma once
// The cluster's alarms (etcd's v3alarm.AlarmStore): which member raised which alarm. Part of the
// replicated state: changed only by applying AlarmRequest entries or a snapshot, so every member
// holds the same alarms at the same applied index, and they survive restarts through the WAL and
// snapshots as etcd's survive in its bolt file.

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "proto/rpc.pb.h"
#include "proto/serverpb.pb.h"

namespace detcd::server {

class AlarmStore {
 public:
  /// Applies one AlarmRequest entry, answering what etcd's applier answers:
  ///  - GET: every alarm of `req.alarm()` (every alarm for NONE);
  ///  - ACTIVATE: records (member, alarm) and lists it (also when it was already active);
  ///  - DEACTIVATE: forgets it and lists it; an empty list when it was not active.
  /// An unknown action changes nothing and answers an empty list. Never fails.
  etcdserverpb::AlarmResponse apply(const etcdserverpb::AlarmRequest& req);
  /// Whether some member has raised `type`.
  bool active(etcdserverpb::AlarmType type) const;
  /// Whether `member` has raised `type`.
  bool active(etcdserverpb::AlarmType type, std::uint64_t member) const {
    return alarms_.count({type, member}) != 0;
  }
  /// Every alarm, ordered by (type, member ID) (etcd lists them in map order; detcd's order is
  /// fixed so that every member answers alike).
  void list(google::protobuf::RepeatedPtrField<etcdserverpb::AlarmMember>* out) const;

  /// Replaces the alarms with a snapshot's (restart, snapshot from the leader).
  void assign(const serverpb::SnapshotData& data);
  /// Writes the alarms into a snapshot's data.
  void save(serverpb::SnapshotData* out) const;

  /// An alarm as etcd's Status RPC and etcdctl print it: gogoproto's compact text, each field
  /// that is not zero as `name:value ` ("memberID:10276657743932975437 alarm:NOSPACE ").
  static std::string text(const etcdserverpb::AlarmMember& m);

 private:
  /// (alarm type, member ID).
  std::set<std::pair<int, std::uint64_t>> alarms_;
};

}  // namespace detcd::server

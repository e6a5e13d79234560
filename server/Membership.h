#pragma once
// The member list the node keeps beside Raft's ConfState (etcd's membership.RaftCluster):
// ID, name, peer URL, client URLs, learner flag. Changed only by applying conf-change entries,
// published attributes (MemberAttrSetRequest) or snapshots, so every member holds the same list
// at the same applied index.

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "google/protobuf/repeated_ptr_field.h"
#include "mvcc/Status.h"
#include "proto/raftpb.pb.h"
#include "proto/rpc.pb.h"
#include "proto/serverpb.pb.h"

namespace detcd::server {

class Membership {
 public:
  bool contains(std::uint64_t id) const { return members_.count(id) != 0; }
  /// Whether `id` was removed: it may never come back (etcd's IsIDRemoved).
  bool isRemoved(std::uint64_t id) const { return removed_.count(id) != 0; }
  bool isLearner(std::uint64_t id) const;
  /// Every removed ID, ascending.
  const std::set<std::uint64_t>& removedIds() const { return removed_; }
  /// Every listed member by ID.
  const std::map<std::uint64_t, serverpb::Member>& members() const { return members_; }
  const serverpb::Member* find(std::uint64_t id) const;

  /// Whether `cc` is valid against the current list (etcd's ValidateConfigurationChange): add of
  /// an existing ID, remove, promote or update of a missing one, promote of a voter are rejected
  /// with etcd's errors; add of a removed ID gets "member not found" (etcd maps ErrIDRemoved
  /// so). A change without entries (leaving a joint configuration) is always valid.
  mvcc::Status validate(const raftpb::ConfChangeV2& cc) const;
  /// Applies a validated change. `member` describes the member an add introduces (its ID is the
  /// change's), or, for ConfChangeUpdateNode, the member's new peer URL (etcd's
  /// UpdateRaftAttributes: name, client URLs and learner flag are kept).
  void apply(const raftpb::ConfChangeV2& cc, const serverpb::Member& member);
  /// Sets the published attributes of member `id` (etcd's UpdateAttributes, applied from
  /// MemberAttrSetRequest). False, and nothing changes, when `id` is not listed: removed since it
  /// published (etcd skips those too) or never a member.
  bool setAttributes(std::uint64_t id, const std::string& name,
                     const google::protobuf::RepeatedPtrField<std::string>& clientUrls);

  /// Replaces the list and the removed IDs (bootstrap, snapshot restore).
  void assign(const serverpb::SnapshotData& data);
  /// The list ordered by ID and the removed IDs, into a snapshot's data.
  void save(serverpb::SnapshotData* out) const;
  /// The list as etcd's API shows it, ordered by ID.
  void list(google::protobuf::RepeatedPtrField<etcdserverpb::Member>* out) const;
  static void toApi(const serverpb::Member& m, etcdserverpb::Member* out);

 private:
  std::map<std::uint64_t, serverpb::Member> members_;
  std::set<std::uint64_t> removed_;
};

}  // namespace detcd::server

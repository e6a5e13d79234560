// Membership: etcd's validation of configuration changes and the member list they produce.

#include "server/Membership.h"

#include <gtest/gtest.h>

namespace detcd::server {
namespace {

raftpb::ConfChangeV2 change(raftpb::ConfChangeType type, std::uint64_t id) {
  raftpb::ConfChangeV2 cc;
  auto* c = cc.add_changes();
  c->set_type(type);
  c->set_node_id(id);
  return cc;
}

Membership threeMembers() {
  serverpb::SnapshotData d;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    auto* m = d.add_members();
    m->set_id(id);
    m->set_name("n" + std::to_string(id));
  }
  Membership ms;
  ms.assign(d);
  return ms;
}

TEST(MembershipTest, ValidatesAsEtcdDoes) {
  Membership ms = threeMembers();
  EXPECT_EQ(ms.validate(change(raftpb::ConfChangeAddNode, 2)).message,
            "etcdserver: member ID already exist");
  EXPECT_EQ(ms.validate(change(raftpb::ConfChangeAddLearnerNode, 2)).message,
            "etcdserver: member ID already exist");
  EXPECT_EQ(ms.validate(change(raftpb::ConfChangeRemoveNode, 9)).message,
            "etcdserver: member not found");
  EXPECT_TRUE(ms.validate(change(raftpb::ConfChangeAddNode, 4)).ok());
  EXPECT_TRUE(ms.validate(change(raftpb::ConfChangeRemoveNode, 3)).ok());
  EXPECT_TRUE(ms.validate(raftpb::ConfChangeV2()).ok());  // leaving a joint configuration
}

TEST(MembershipTest, AddPromoteRemoveAndRemovedIdsStayRemoved) {
  Membership ms = threeMembers();
  serverpb::Member added;
  added.set_peer_url("http://n4:2380");
  ms.apply(change(raftpb::ConfChangeAddLearnerNode, 4), added);
  ASSERT_TRUE(ms.contains(4));
  EXPECT_TRUE(ms.isLearner(4));
  EXPECT_EQ(ms.find(4)->peer_url(), "http://n4:2380");
  // Adding a learner as a voter is its promotion.
  EXPECT_TRUE(ms.validate(change(raftpb::ConfChangeAddNode, 4)).ok());
  ms.apply(change(raftpb::ConfChangeAddNode, 4), {});
  EXPECT_FALSE(ms.isLearner(4));
  EXPECT_EQ(ms.find(4)->peer_url(), "http://n4:2380");
  ms.apply(change(raftpb::ConfChangeRemoveNode, 4), {});
  EXPECT_FALSE(ms.contains(4));
  EXPECT_TRUE(ms.isRemoved(4));
  EXPECT_EQ(ms.validate(change(raftpb::ConfChangeAddNode, 4)).message,
            "etcdserver: member not found");

  // Snapshots carry members and removed IDs.
  serverpb::SnapshotData d;
  ms.save(&d);
  Membership restored;
  restored.assign(d);
  EXPECT_TRUE(restored.isRemoved(4));
  google::protobuf::RepeatedPtrField<etcdserverpb::Member> list;
  restored.list(&list);
  ASSERT_EQ(list.size(), 3);
  EXPECT_EQ(list[0].id(), 1u);
  EXPECT_EQ(list[2].name(), "n3");
}

TEST(MembershipTest, PublishedAttributesAreListedAndKeptBySnapshots) {
  Membership ms = threeMembers();
  google::protobuf::RepeatedPtrField<std::string> urls;
  urls.Add("http://127.0.0.1:2379");
  urls.Add("http://10.0.0.2:2379");
  EXPECT_TRUE(ms.setAttributes(2, "etcd2", urls));
  // An unknown or removed member's attributes are ignored (etcd skips a removed member's).
  EXPECT_FALSE(ms.setAttributes(9, "ghost", urls));
  ms.apply(change(raftpb::ConfChangeRemoveNode, 3), {});
  EXPECT_FALSE(ms.setAttributes(3, "gone", urls));
  EXPECT_FALSE(ms.contains(9));

  serverpb::SnapshotData d;
  ms.save(&d);
  Membership restored;
  restored.assign(d);
  google::protobuf::RepeatedPtrField<etcdserverpb::Member> list;
  restored.list(&list);
  ASSERT_EQ(list.size(), 2);
  EXPECT_EQ(list[1].id(), 2u);
  EXPECT_EQ(list[1].name(), "etcd2");
  ASSERT_EQ(list[1].clienturls_size(), 2);
  EXPECT_EQ(list[1].clienturls(0), "http://127.0.0.1:2379");
  EXPECT_EQ(list[1].clienturls(1), "http://10.0.0.2:2379");
  EXPECT_EQ(list[0].clienturls_size(), 0);  // never published
}

TEST(MembershipTest, UpdateMovesThePeerUrlAndKeepsTheRest) {
  Membership ms = threeMembers();
  google::protobuf::RepeatedPtrField<std::string> urls;
  urls.Add("http://127.0.0.1:2379");
  ASSERT_TRUE(ms.setAttributes(2, "etcd2", urls));
  EXPECT_EQ(ms.validate(change(raftpb::ConfChangeUpdateNode, 9)).message,
            "etcdserver: member not found");
  const auto update = change(raftpb::ConfChangeUpdateNode, 2);
  ASSERT_TRUE(ms.validate(update).ok());
  serverpb::Member moved;
  moved.set_peer_url("http://10.0.0.9:2380");
  ms.apply(update, moved);
  const serverpb::Member* m = ms.find(2);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->peer_url(), "http://10.0.0.9:2380");
  EXPECT_EQ(m->name(), "etcd2");
  ASSERT_EQ(m->client_urls_size(), 1);
  EXPECT_FALSE(m->learner());
  EXPECT_EQ(ms.members().size(), 3u);
  // A removed member cannot be updated.
  ms.apply(change(raftpb::ConfChangeRemoveNode, 2), {});
  EXPECT_EQ(ms.validate(update).message, "etcdserver: member not found");
}

}  // namespace
}  // namespace detcd::server

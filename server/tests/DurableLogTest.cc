// DurableLog: what a restart reads back after Readies were persisted, on the simulated disk.

#include "server/DurableLog.h"

#include <gtest/gtest.h>

#include "sim/SimClock.h"
#include "sim/StandaloneDisk.h"

namespace detcd::server {
namespace {

class NoPeers final : public env::Transport {
 public:
  env::NodeId self() const override { return 1; }
  void send(env::NodeId, std::string) override {}
  void setReceiver(Receiver) override {}
};

struct Fixture {
  sim::StandaloneDisk sd{1, sim::CrashMode::kLost};
  sim::SimClock clock{sd.scheduler, sd.loop};
  NoPeers transport;
  env::NullTracer tracer;
  env::NoBuggify buggify;
  env::Env env{clock, transport, sd.disk, tracer, buggify, 1};
};

raftpb::Entry entry(std::uint64_t index, std::uint64_t term) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data("e" + std::to_string(index));
  return e;
}

raftpb::Snapshot snapshot(std::uint64_t index, std::uint64_t term) {
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->set_term(term);
  s.mutable_metadata()->mutable_conf_state()->add_voters(1);
  s.set_data("state at " + std::to_string(index));
  return s;
}

raftpb::HardState hardState(std::uint64_t term, std::uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_commit(commit);
  return hs;
}

TEST(DurableLogTest, ASnapshotFromTheLeaderHidesTheStaleSuffixItReplaced) {
  Fixture f;
  {
    DurableLog log(f.env, "member", 64 << 10);
    ASSERT_FALSE(log.create("meta", snapshot(1, 1)));
    raft::Ready rd;
    for (std::uint64_t i = 2; i <= 10; ++i) rd.entries.push_back(entry(i, 1));
    rd.hardState = hardState(1, 3);
    ASSERT_FALSE(log.persist(rd, true));
    // A term-2 leader sends a snapshot at 8: entries 9 and 10 of term 1 were never committed
    // and are not part of the leader's log.
    raft::Ready snap;
    snap.snapshot = snapshot(8, 2);
    snap.hardState = hardState(2, 8);
    ASSERT_FALSE(log.persist(snap, true));
  }
  f.sd.crash();
  DurableLog log(f.env, "member", 64 << 10);
  auto rec = log.open(0);
  ASSERT_TRUE(rec.ok()) << rec.error().message();
  EXPECT_EQ(rec->snapshot.metadata().index(), 8u);
  EXPECT_EQ(log.storage().lastIndex(), 8u);
  EXPECT_EQ(rec->hardState.commit(), 8u);
}

TEST(DurableLogTest, EntriesAfterAnOwnSnapshotComeBack) {
  Fixture f;
  {
    DurableLog log(f.env, "member", 4096);
    ASSERT_FALSE(log.create("meta", snapshot(1, 1)));
    raft::Ready rd;
    for (std::uint64_t i = 2; i <= 20; ++i) rd.entries.push_back(entry(i, i < 10 ? 1 : 2));
    rd.hardState = hardState(2, 20);
    ASSERT_FALSE(log.persist(rd, true));
    ASSERT_FALSE(log.saveOwnSnapshot(snapshot(12, 2), 8, 12));
  }
  f.sd.crash();
  DurableLog log(f.env, "member", 4096);
  auto rec = log.open(0);
  ASSERT_TRUE(rec.ok()) << rec.error().message();
  EXPECT_EQ(rec->snapshot.metadata().index(), 12u);
  EXPECT_EQ(log.storage().firstIndex(), 13u);
  EXPECT_EQ(log.storage().lastIndex(), 20u);
  EXPECT_TRUE(rec->alreadyApplied.empty());
  // With a replay window (the apply-twice defect) the entries before the snapshot come back.
  f.sd.crash();
  DurableLog again(f.env, "member", 4096);
  auto replay = again.open(5);
  ASSERT_TRUE(replay.ok()) << replay.error().message();
  ASSERT_FALSE(replay->alreadyApplied.empty());
  EXPECT_LE(replay->alreadyApplied.back().index(), 12u);
  EXPECT_GT(replay->alreadyApplied.front().index(), 7u);
}

}  // namespace
}  // namespace detcd::server

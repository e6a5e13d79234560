#pragma once
// Membership configuration and per-peer progress of a Raft group (etcd's tracker package).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/Progress.h"
#include "raft/Quorum.h"

namespace detcd::raft {

// The active membership. Invariants (checked by ConfChanger): learners and voters are
// disjoint; learnersNext holds voters of the outgoing config that become learners when
// the joint config is left; autoLeave only while joint.
struct TrackerConfig {
  JointConfig voters;
  bool autoLeave = false;
  std::set<std::uint64_t> learners;
  std::set<std::uint64_t> learnersNext;

  bool joint() const { return !voters.outgoing.empty(); }
  // "voters=(1 2 3)&&(1 2) learners=(4) learners_next=(3) autoleave"
  std::string describe() const;
};

using ProgressMap = std::map<std::uint64_t, Progress>;

// Tracks the configuration, every peer's Progress, and the votes of the current election.
// std::map keeps iteration in id order, so everything it drives is deterministic.
class ProgressTracker {
 public:
  explicit ProgressTracker(std::size_t maxInflight) : maxInflight_(maxInflight) {}

  TrackerConfig config;
  ProgressMap progress;

  raftpb::ConfState confState() const;
  bool isSingleton() const {
    return config.voters.incoming.size() == 1 && config.voters.outgoing.empty();
  }
  // Largest index replicated on a quorum of the (joint) voters (by Progress::match).
  std::uint64_t committed() const;
  // Whether a quorum of voters was recentActive (CheckQuorum).
  bool quorumActive() const;
  std::vector<std::uint64_t> voterNodes() const;  // sorted, both halves of a joint config

  void resetVotes() { votes_.clear(); }
  // Records id's vote unless it already voted in this election.
  void recordVote(std::uint64_t id, bool granted) { votes_.emplace(id, granted); }
  struct Tally {
    std::size_t granted = 0;
    std::size_t rejected = 0;
    VoteResult result = VoteResult::Pending;
  };
  Tally tallyVotes() const;
  std::size_t maxInflight() const { return maxInflight_; }

 private:
  std::size_t maxInflight_;
  std::map<std::uint64_t, bool> votes_;
};

}  // namespace detcd::raft

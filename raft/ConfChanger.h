#pragma once
// Membership changes: simple one-voter changes and joint consensus (etcd's confchange).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/ProgressTracker.h"

namespace detcd::raft {

// A configuration change that would break an invariant (e.g. "removed all voters").
class ConfChangeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Computes the configuration and progress map that result from a change, without modifying
// the tracker (the caller installs the result). Rules (thesis §4.3, etcd):
// - simple(): outside a joint config, at most one voter may be added or removed at once.
// - enterJoint(): the current voters become the outgoing half; the changes apply to the
//   incoming half. A voter demoted to learner stays a voter of the outgoing half and is
//   recorded in learnersNext until the joint config is left.
// - leaveJoint(): drops the outgoing half; learnersNext become learners; nodes in neither
//   half lose their Progress.
// New peers start with match=0, next=lastIndex (one behind, so the first MsgApp probes)
// and recentActive=true (so CheckQuorum does not count them as dead right away).
// Every function throws ConfChangeError naming the violated rule.
class ConfChanger {
 public:
  struct Outcome {
    TrackerConfig config;
    ProgressMap progress;
  };

  ConfChanger(const ProgressTracker& tracker, std::uint64_t lastIndex)
      : tracker_(tracker), lastIndex_(lastIndex) {}

  Outcome enterJoint(bool autoLeave, const std::vector<raftpb::ConfChangeSingle>& ccs) const;
  Outcome leaveJoint() const;
  Outcome simple(const std::vector<raftpb::ConfChangeSingle>& ccs) const;

  // Rebuilds the tracker state described by a ConfState (on start and on snapshot restore).
  static Outcome restore(const raftpb::ConfState& cs, std::size_t maxInflight,
                         std::uint64_t lastIndex);

 private:
  void apply(Outcome& o, const std::vector<raftpb::ConfChangeSingle>& ccs) const;
  void makeVoter(Outcome& o, std::uint64_t id) const;
  void makeLearner(Outcome& o, std::uint64_t id) const;
  void remove(Outcome& o, std::uint64_t id) const;
  void initProgress(Outcome& o, std::uint64_t id, bool isLearner) const;
  static void checkInvariants(const Outcome& o);

  const ProgressTracker& tracker_;
  std::uint64_t lastIndex_;
};

// ConfChange (v1) as the equivalent single-change ConfChangeV2.
raftpb::ConfChangeV2 toV2(const raftpb::ConfChange& cc);
// ConfChangeV2 semantics (etcd): enterJoint() is true when the change must go through a
// joint config (explicit transition or more than one change) and sets autoLeave;
// leaveJoint() is true for the empty change that leaves a joint config.
bool enterJoint(const raftpb::ConfChangeV2& cc, bool* autoLeave);
bool leaveJoint(const raftpb::ConfChangeV2& cc);

}  // namespace detcd::raft

#pragma once
// The leader's view of one follower's log (etcd raft's tracker.Progress + Inflights).

#include <cstdint>
#include <deque>
#include <string>

namespace detcd::raft {

// Flow control for replicate state: the last indexes of MsgApps sent but not yet
// acknowledged, oldest first, at most `capacity` of them (Config::maxInflightMsgs).
class Inflights {
 public:
  explicit Inflights(std::size_t capacity) : capacity_(capacity) {}

  // Records a MsgApp whose last entry is `index`; indexes must be increasing; not when full.
  void add(std::uint64_t index);
  // Frees every in-flight message whose last index is <= to (they were acknowledged).
  void freeLE(std::uint64_t to);
  void freeFirstOne();
  bool full() const { return inflight_.size() >= capacity_; }
  std::size_t count() const { return inflight_.size(); }
  void reset() { inflight_.clear(); }

 private:
  std::size_t capacity_;
  std::deque<std::uint64_t> inflight_;
};

// Probe: send one MsgApp per heartbeat interval until the match point is found.
// Replicate: stream MsgApps optimistically, bounded by Inflights.
// Snapshot: a snapshot is in flight; send nothing until it is reported.
enum class ProgressState : std::uint8_t { Probe, Replicate, Snapshot };

std::string_view progressStateName(ProgressState s);

// Invariant: match < next. For the leader itself match == lastIndex.
struct Progress {
  std::uint64_t match = 0;  // highest index known to be replicated on the follower
  std::uint64_t next = 1;   // index of the next entry to send
  ProgressState state = ProgressState::Probe;
  std::uint64_t pendingSnapshot = 0;  // index of the snapshot in flight (Snapshot state)
  // Heard from since the last CheckQuorum round (also: snapshot sending is allowed).
  bool recentActive = false;
  bool probeSent = false;  // Probe state: a MsgApp is outstanding, pause until answered
  Inflights inflights;
  bool isLearner = false;

  explicit Progress(std::size_t maxInflight) : inflights(maxInflight) {}

  void becomeProbe();
  void becomeReplicate();
  void becomeSnapshot(std::uint64_t snapshotIndex);
  // An ack for index n arrived: raise match (returns whether it rose) and next.
  bool maybeUpdate(std::uint64_t n);
  // Replicate state: we just sent up to n, assume it will arrive.
  void optimisticUpdate(std::uint64_t n) { next = n + 1; }
  // A MsgApp at index `rejected` was refused; matchHint is the follower's suggestion of
  // the last index that may match. Returns false for stale rejections.
  bool maybeDecrTo(std::uint64_t rejected, std::uint64_t matchHint);
  // Whether sending must wait (probe outstanding, inflights full, snapshot in flight).
  bool isPaused() const;
  std::string describe() const;  // "StateReplicate match=5 next=6 ..."

 private:
  void resetState(ProgressState s);
};

}  // namespace detcd::raft

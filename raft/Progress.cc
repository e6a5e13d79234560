#include "raft/Progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace detcd::raft {

void Inflights::add(std::uint64_t index) {
  assert(!full() && "cannot add into a full inflights");
  assert((inflight_.empty() || inflight_.back() < index) && "inflight indexes must increase");
  inflight_.push_back(index);
}

void Inflights::freeLE(std::uint64_t to) {
  while (!inflight_.empty() && inflight_.front() <= to) inflight_.pop_front();
}

void Inflights::freeFirstOne() {
  if (!inflight_.empty()) inflight_.pop_front();
}

std::string_view progressStateName(ProgressState s) {
  switch (s) {
    case ProgressState::Probe:
      return "StateProbe";
    case ProgressState::Replicate:
      return "StateReplicate";
    case ProgressState::Snapshot:
      return "StateSnapshot";
  }
  return "?";
}

void Progress::resetState(ProgressState s) {
  probeSent = false;
  pendingSnapshot = 0;
  state = s;
  inflights.reset();
}

void Progress::becomeProbe() {
  if (state == ProgressState::Snapshot) {
    // The snapshot (if it arrived) covers pendingSnapshot: probe right after it.
    std::uint64_t pending = pendingSnapshot;
    resetState(ProgressState::Probe);
    next = std::max(match + 1, pending + 1);
  } else {
    resetState(ProgressState::Probe);
    next = match + 1;
  }
}

void Progress::becomeReplicate() {
  resetState(ProgressState::Replicate);
  next = match + 1;
}

void Progress::becomeSnapshot(std::uint64_t snapshotIndex) {
  resetState(ProgressState::Snapshot);
  pendingSnapshot = snapshotIndex;
}

bool Progress::maybeUpdate(std::uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probeSent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::maybeDecrTo(std::uint64_t rejected, std::uint64_t matchHint) {
  if (state == ProgressState::Replicate) {
    // A rejection of something we already know matched is stale.
    if (rejected <= match) return false;
    next = match + 1;  // back to the known match point; probing resumes from there
    return true;
  }
  // Probe: only the rejection of the MsgApp we sent last (index next-1) counts.
  if (next - 1 != rejected) return false;
  next = std::max<std::uint64_t>(std::min(rejected, matchHint + 1), 1);
  probeSent = false;
  return true;
}

bool Progress::isPaused() const {
  switch (state) {
    case ProgressState::Probe:
      return probeSent;
    case ProgressState::Replicate:
      return inflights.full();
    case ProgressState::Snapshot:
      return true;
  }
  return true;
}

std::string Progress::describe() const {
  std::string s = fmt::format("{} match={} next={}", progressStateName(state), match, next);
  if (isLearner) s += " learner";
  if (isPaused()) s += " paused";
  if (pendingSnapshot > 0) s += fmt::format(" pendingSnap={}", pendingSnapshot);
  if (!recentActive) s += " inactive";
  if (inflights.count() > 0) s += fmt::format(" inflight={}", inflights.count());
  return s;
}

}  // namespace detcd::raft

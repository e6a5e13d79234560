#include "sim/NodeLoop.h"

#include <algorithm>
#include <cassert>

namespace detcd::sim {

NodeLoop::Admission NodeLoop::admit(std::uint64_t incarnation) const {
  if (incarnation != incarnation_ || state_ == NodeState::kDown) return Admission::kDrop;
  if (state_ == NodeState::kPaused || scheduler_.now() < busyUntil_) return Admission::kWait;
  return Admission::kRun;
}

void NodeLoop::defer(std::function<void()> retry) {
  if (state_ == NodeState::kPaused) {
    held_.push_back(std::move(retry));
  } else {
    scheduler_.at(busyUntil_, std::move(retry));
  }
}

void NodeLoop::runHandler(const std::function<void()>& body) {
  assert(state_ == NodeState::kRunning);
  assert(!inHandler_ && "handlers of one node never nest");
  inHandler_ = true;
  cursor_ = std::max(scheduler_.now(), busyUntil_);
  // Leave the handler even when `body` throws (a test harness's invariant violation unwinds
  // through here), so that the node can still be crashed and torn down afterwards.
  struct Leave {
    NodeLoop& loop;
    ~Leave() {
      loop.busyUntil_ = loop.cursor_;
      loop.inHandler_ = false;
    }
  } leave{*this};
  body();
}

void NodeLoop::start() {
  assert(state_ == NodeState::kDown);
  state_ = NodeState::kRunning;
}

void NodeLoop::crash() {
  assert(!inHandler_ && "a node crashes between events, never inside its own handler");
  state_ = NodeState::kDown;
  ++incarnation_;
  busyUntil_ = env::Nanos{0};
  held_.clear();
}

void NodeLoop::pause() {
  assert(state_ == NodeState::kRunning);
  state_ = NodeState::kPaused;
}

void NodeLoop::resume() {
  assert(state_ == NodeState::kPaused);
  state_ = NodeState::kRunning;
  std::deque<std::function<void()>> held;
  held.swap(held_);
  for (auto& retry : held) scheduler_.at(scheduler_.now(), std::move(retry));
}

}  // namespace detcd::sim

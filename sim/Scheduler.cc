#include "sim/Scheduler.h"

#include <algorithm>
#include <cassert>

namespace detcd::sim {
namespace {

// An EventId packs the slot (low 32 bits) with the slot's generation (high 32 bits) so that a
// stale id never cancels a later event that reused the slot. Generation 0 is skipped, so no id
// is 0.
EventId makeId(std::uint32_t slot, std::uint32_t generation) {
  return (static_cast<EventId>(generation) << 32) | slot;
}

}  // namespace

EventId Scheduler::at(env::Nanos when, Callback callback) {
  assert(when >= now_ && "an event cannot be scheduled in the past");
  assert(callback);
  std::uint32_t slot;
  if (freeSlots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  }
  Slot& s = slots_[slot];
  if (++s.generation == 0) s.generation = 1;
  s.callback = std::move(callback);
  s.live = true;
  heap_.push_back(Entry{when, nextOrder_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), later);
  ++pending_;
  return makeId(slot, s.generation);
}

bool Scheduler::cancel(EventId id) {
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  if (!s.live || s.generation != generation) return false;
  s.live = false;
  s.callback = nullptr;
  --pending_;
  // The slot is freed when its heap entry is popped, so the entry can still be recognised.
  return true;
}

void Scheduler::skipCancelled() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    const Slot& s = slots_[top.slot];
    if (s.live && s.generation == top.generation) return;
    const std::uint32_t slot = top.slot;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    freeSlots_.push_back(slot);
  }
}

env::Nanos Scheduler::nextEventTime() {
  skipCancelled();
  return heap_.empty() ? env::Nanos::max() : heap_.front().time;
}

bool Scheduler::step() {
  skipCancelled();
  if (heap_.empty()) return false;
  const Entry top = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), later);
  heap_.pop_back();
  Slot& s = slots_[top.slot];
  Callback callback = std::move(s.callback);
  s.callback = nullptr;
  s.live = false;
  freeSlots_.push_back(top.slot);
  --pending_;
  assert(top.time >= now_);
  now_ = top.time;
  ++fired_;
  callback();
  return true;
}

void Scheduler::runUntil(env::Nanos deadline) {
  while (nextEventTime() <= deadline) step();
  if (deadline > now_) now_ = deadline;
}

bool Scheduler::runUntil(const std::function<bool()>& done, env::Nanos deadline) {
  while (!done()) {
    if (nextEventTime() > deadline) return false;
    step();
  }
  return true;
}

}  // namespace detcd::sim

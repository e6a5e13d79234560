#include "scenarios/WorkloadWatcher.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace detcd::scenarios {

WorkloadWatcher::WorkloadWatcher(std::int64_t id, MemberAccess& access, WorkloadChannel& channel,
                                 HistoryRecorder& recorder, env::Nanos openTimeout,
                                 env::Nanos pollInterval)
    : id_(id),
      access_(access),
      channel_(channel),
      recorder_(recorder),
      openTimeout_(openTimeout),
      pollInterval_(pollInterval) {
  std::vector<std::uint64_t> members = access_.members();
  if (!members.empty()) member_ = members[static_cast<std::size_t>(id_) % members.size()];
}

void WorkloadWatcher::start() {
  if (stopped_ || opens_ > 0) return;
  open();
  std::weak_ptr<bool> alive = alive_;
  access_.after(pollInterval_, [this, alive] {
    if (!alive.expired()) poll();
  });
}

void WorkloadWatcher::stop() { stopped_ = true; }

void WorkloadWatcher::open() {
  if (member_ == 0) nextMember();  // the cluster had no member when the watcher was made
  if (member_ == 0) return;        // still none: the next poll tries again
  etcdserverpb::WatchCreateRequest create;
  create.set_key("k");
  create.set_range_end("l");
  create.set_start_revision(nextRevision_);
  create.set_prev_kv(true);
  std::int64_t watchId = recorder_.watch(id_, access_.now(), create);
  ++opens_;
  std::uint64_t generation = ++generation_;
  state_ = State::kOpening;
  openedAt_ = access_.now();
  std::weak_ptr<bool> alive = alive_;
  auto current = [this, alive, generation] {
    return !alive.expired() && generation == generation_;
  };
  channel_.watch(
      member_, create,
      [this, current](std::uint64_t incarnation) {
        if (!current() || state_ != State::kOpening) return;
        state_ = State::kOpen;
        incarnation_ = incarnation;
      },
      [this, current, generation, watchId](const etcdserverpb::WatchResponse& response) {
        if (current()) onResponse(generation, watchId, response);
      },
      [this, current] {
        if (!current()) return;
        state_ = State::kClosed;
        nextMember();
      });
}

void WorkloadWatcher::onResponse(std::uint64_t generation, std::int64_t watchId,
                                 const etcdserverpb::WatchResponse& response) {
  if (generation != generation_) return;
  if (response.created() && !response.canceled() && response.events_size() == 0) return;
  recorder_.watchResponse(id_, access_.now(), watchId, response);
  for (const mvccpb::Event& e : response.events()) {
    nextRevision_ = std::max(nextRevision_, e.kv().mod_revision() + 1);
  }
  if (response.canceled()) {
    if (response.compact_revision() > 0) {
      nextRevision_ = std::max(nextRevision_, response.compact_revision() + 1);
    }
    state_ = State::kClosed;  // the next poll reopens
  }
}

void WorkloadWatcher::poll() {
  if (stopped_) return;
  bool dead = false;
  switch (state_) {
    case State::kClosed:
      dead = true;
      break;
    case State::kOpening:
      dead = access_.now() - openedAt_ >= openTimeout_;
      break;
    case State::kOpen:
      dead = access_.incarnation(member_) != incarnation_;
      break;
  }
  if (dead) {
    if (state_ != State::kClosed) nextMember();
    open();
  }
  std::weak_ptr<bool> alive = alive_;
  access_.after(pollInterval_, [this, alive] {
    if (!alive.expired()) poll();
  });
}

void WorkloadWatcher::nextMember() {
  std::vector<std::uint64_t> members = access_.members();
  if (members.empty()) return;
  auto it = std::upper_bound(members.begin(), members.end(), member_);
  member_ = it == members.end() ? members.front() : *it;
}

}  // namespace detcd::scenarios

#include "server/Waits.h"

#include <utility>

namespace detcd::server {

Waits::~Waits() {
  if (timer_ != 0) clock_.cancel(timer_);
}

void Waits::add(std::uint64_t id, env::Nanos timeout, const mvcc::Status& onTimeout,
                Completion done) {
  const env::Nanos deadline = clock_.now() + timeout;
  auto [it, added] = pending_.try_emplace(id);
  if (!added) deadlines_.erase({it->second.deadline, id});  // registered again: the new one wins
  it->second = Pending{std::move(done), deadline, onTimeout};
  deadlines_.emplace(deadline, id);
  arm();
}

bool Waits::trigger(std::uint64_t id, const mvcc::Status& status,
                    const google::protobuf::Message* response) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  // The timer stays set: when it fires early for nothing it is set again for the next deadline.
  deadlines_.erase({it->second.deadline, id});
  Completion c = std::move(it->second.done);
  pending_.erase(it);
  c(status, response);
  return true;
}

void Waits::triggerAll(const mvcc::Status& status) {
  if (timer_ != 0) clock_.cancel(timer_);
  timer_ = 0;
  deadlines_.clear();
  auto all = std::exchange(pending_, {});
  for (auto& [id, p] : all) p.done(status, nullptr);
}

void Waits::arm() {
  if (deadlines_.empty()) return;
  const env::Nanos first = deadlines_.begin()->first;
  if (timer_ != 0) {
    if (timerAt_ <= first) return;
    clock_.cancel(timer_);
  }
  timerAt_ = first;
  timer_ = clock_.after(first - clock_.now(), [this] {
    timer_ = 0;
    expire();
  });
}

void Waits::expire() {
  const env::Nanos now = clock_.now();
  // A completion may add or trigger requests: look the earliest up again each time.
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::uint64_t id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = pending_.find(id);
    Completion c = std::move(it->second.done);
    const mvcc::Status st = std::move(it->second.onTimeout);
    pending_.erase(it);
    c(st, nullptr);
  }
  arm();
}

}  // namespace detcd::server

#include "server/Waits.h"

#include <utility>

namespace detcd::server {

Waits::~Waits() {
  for (auto& [id, p] : pending_) clock_.cancel(p.timer);
}

void Waits::add(std::uint64_t id, env::Nanos timeout, const mvcc::Status& onTimeout,
                Completion done) {
  Pending& p = pending_[id];
  p.done = std::move(done);
  p.timer = clock_.after(timeout, [this, id, onTimeout] {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Completion c = std::move(it->second.done);
    pending_.erase(it);
    c(onTimeout, nullptr);
  });
}

bool Waits::trigger(std::uint64_t id, const mvcc::Status& status,
                    const google::protobuf::Message* response) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  clock_.cancel(it->second.timer);
  Completion c = std::move(it->second.done);
  pending_.erase(it);
  c(status, response);
  return true;
}

void Waits::triggerAll(const mvcc::Status& status) {
  auto all = std::exchange(pending_, {});
  for (auto& [id, p] : all) {
    clock_.cancel(p.timer);
    p.done(status, nullptr);
  }
}

}  // namespace detcd::server

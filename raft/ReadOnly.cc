#include "raft/ReadOnly.h"

namespace detcd::raft {

void ReadOnly::addRequest(std::uint64_t index, const raftpb::Message& req) {
  const std::string& ctx = req.entries(0).data();
  if (pending_.count(ctx) != 0) return;
  pending_.emplace(ctx, Status{req, index, {}});
  queue_.push_back(ctx);
}

std::map<std::uint64_t, bool> ReadOnly::recvAck(std::uint64_t id, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return {};
  it->second.acks.insert(id);
  std::map<std::uint64_t, bool> votes;
  for (auto a : it->second.acks) votes[a] = true;
  return votes;
}

std::vector<ReadOnly::Status> ReadOnly::advance(const std::string& ctx) {
  std::size_t n = 0;
  bool found = false;
  for (const auto& c : queue_) {
    ++n;
    if (c == ctx) {
      found = true;
      break;
    }
  }
  std::vector<Status> out;
  if (!found) return out;
  for (std::size_t i = 0; i < n; ++i) {
    auto it = pending_.find(queue_.front());
    out.push_back(std::move(it->second));
    pending_.erase(it);
    queue_.pop_front();
  }
  return out;
}

std::optional<std::string> ReadOnly::lastPendingRequestCtx() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.back();
}

}  // namespace detcd::raft

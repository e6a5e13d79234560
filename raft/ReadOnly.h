#pragma once
// Pending ReadIndex requests of a leader (thesis §6.4, etcd's readOnly).

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/Config.h"

namespace detcd::raft {

// A ReadIndex answer: reads that started at requestCtx may be served once applied >= index.
struct ReadState {
  std::uint64_t index = 0;
  std::string requestCtx;
  bool operator==(const ReadState&) const = default;
};

// Tracks requests in safe mode: each waits for a quorum of heartbeat acks carrying its
// context. Requests are answered in arrival order; an ack for a later request confirms all
// earlier ones too (leadership was confirmed after they arrived).
class ReadOnly {
 public:
  explicit ReadOnly(ReadOnlyOption option) : option_(option) {}

  struct Status {
    raftpb::Message req;
    std::uint64_t index = 0;
    std::set<std::uint64_t> acks;
  };

  // Registers a request (its context is req.entries(0).data()) at commit index `index`.
  void addRequest(std::uint64_t index, const raftpb::Message& req);
  // Records a heartbeat ack from id for ctx; returns the acks so far (empty if unknown ctx).
  std::map<std::uint64_t, bool> recvAck(std::uint64_t id, const std::string& ctx);
  // Removes and returns every request up to and including the one with context ctx.
  std::vector<Status> advance(const std::string& ctx);
  // Context of the newest pending request, to piggyback on heartbeats.
  std::optional<std::string> lastPendingRequestCtx() const;
  ReadOnlyOption option() const { return option_; }

 private:
  ReadOnlyOption option_;
  std::map<std::string, Status> pending_;
  std::deque<std::string> queue_;
};

}  // namespace detcd::raft

#pragma once
// A simulated watcher client: keeps one watch over every key of the workload open, resumes it
// on another member when its member crashes or refuses, and records what it receives.

#include <cstdint>
#include <memory>

#include "scenarios/HistoryRecorder.h"
#include "scenarios/MemberAccess.h"
#include "scenarios/WorkloadRequest.h"

namespace detcd::scenarios {

/// A dedicated watcher client (the workload's `watchers`; its ids follow the op clients'). It
/// watches ["k", "l") — every workload key — with prev_kv, from revision 1 at first, and
/// records each open as a `watch` line (a new history watch_id per open) and every response it
/// receives as a `watch_response`, except the bare "created" acknowledgement (etcd's client
/// does not surface it either; its header revision is not a progress notification, since a
/// watch from the past has not caught up yet).
///
/// Resuming (etcd's client reconnects the same way): every `pollInterval` it checks its
/// stream — the member's incarnation changed since the stream opened (crash, restart, stop),
/// or the open was refused, or it was not acknowledged within `openTimeout` — and then opens a
/// new watch on the next member (ascending IDs, wrapping) from the revision after the last
/// event it received. A watch canceled by compaction restarts after the compact revision
/// (events of the compacted revisions are lost, as etcd's watchers lose them). Responses of a
/// stream it left are ignored.
class WorkloadWatcher {
 public:
  WorkloadWatcher(std::int64_t id, MemberAccess& access, WorkloadChannel& channel,
                  HistoryRecorder& recorder, env::Nanos openTimeout,
                  env::Nanos pollInterval = env::Nanos(500'000'000));
  WorkloadWatcher(const WorkloadWatcher&) = delete;
  WorkloadWatcher& operator=(const WorkloadWatcher&) = delete;

  /// Opens the first watch and starts polling.
  void start();
  /// Stops polling and reopening; the open stream keeps being recorded.
  void stop();

  std::int64_t id() const { return id_; }
  /// Watches opened so far (1 + resumptions).
  std::uint64_t opens() const { return opens_; }
  /// The revision the next resumption starts from.
  std::int64_t nextRevision() const { return nextRevision_; }
  std::uint64_t member() const { return member_; }

 private:
  enum class State { kClosed, kOpening, kOpen };

  void open();
  void poll();
  void onResponse(std::uint64_t generation, std::int64_t watchId,
                  const etcdserverpb::WatchResponse& response);
  void nextMember();

  std::int64_t id_;
  MemberAccess& access_;
  WorkloadChannel& channel_;
  HistoryRecorder& recorder_;
  env::Nanos openTimeout_;
  env::Nanos pollInterval_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< see Client

  std::uint64_t member_ = 0;
  State state_ = State::kClosed;
  bool stopped_ = false;
  std::uint64_t generation_ = 0;  ///< number of the current stream; older ones are ignored
  std::uint64_t incarnation_ = 0;  ///< the member's incarnation when the stream opened
  env::Nanos openedAt_{0};
  std::int64_t nextRevision_ = 1;
  std::uint64_t opens_ = 0;
};

}  // namespace detcd::scenarios

// Node::Impl's watch streams over mvcc::WatchHub: responses drained to each stream's sink after
// every apply batch, the periodic catch-up of unsynced watchers and progress notifications.

#include "server/NodeImpl.h"

namespace detcd::server {

std::int64_t Node::Impl::openWatchStream(WatchSink sink) {
  const std::int64_t id = hub_.openStream();
  sinks_[id] = std::move(sink);
  return id;
}

void Node::Impl::watch(std::int64_t stream, const etcdserverpb::WatchRequest& req) {
  if (stopped_ || sinks_.count(stream) == 0) return;
  hub_.handle(stream, req);
  deliver(stream);
}

void Node::Impl::closeWatchStream(std::int64_t stream) {
  if (sinks_.erase(stream) != 0) hub_.closeStream(stream);
}

void Node::Impl::onWatchSync() {
  syncTimer_ = 0;
  if (stopped_) return;
  hub_.syncWatchers();
  deliverWatches();
  syncTimer_ = env_.clock.after(cfg_.watchSyncInterval, [this] { onWatchSync(); });
}

void Node::Impl::onProgressNotify() {
  progressTimer_ = 0;
  if (stopped_) return;
  hub_.progressTick();
  deliverWatches();
  progressTimer_ = env_.clock.after(cfg_.progressNotifyInterval, [this] { onProgressNotify(); });
}

void Node::Impl::deliverWatches() {
  std::vector<std::int64_t> streams;
  for (const auto& [id, sink] : sinks_) streams.push_back(id);
  for (std::int64_t id : streams) deliver(id);
}

void Node::Impl::deliver(std::int64_t stream) {
  auto it = sinks_.find(stream);
  if (it == sinks_.end()) return;
  for (auto& resp : hub_.drain(stream)) {
    if (cfg_.bugs.lostWatchEvent && resp.events_size() > 0) {
      // lost-watch-event (a deliberate defect): every 20th event delivered goes missing.
      google::protobuf::RepeatedPtrField<mvccpb::Event> kept;
      for (auto& ev : *resp.mutable_events()) {
        if (++watchEvents_ % 20 != 0) *kept.Add() = std::move(ev);
      }
      if (kept.empty()) continue;
      resp.mutable_events()->Swap(&kept);
    }
    resp.mutable_header()->set_cluster_id(clusterId_);
    resp.mutable_header()->set_member_id(cfg_.id);
    if (raw_) resp.mutable_header()->set_raft_term(raw_->raft().term());
    respond([sink = it->second, resp = std::move(resp)] { sink(resp); });
  }
}

}  // namespace detcd::server

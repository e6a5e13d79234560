#include "mvcc/WatchHub.h"

#include <google/protobuf/io/coded_stream.h>

#include <cassert>
#include <utility>

namespace detcd::mvcc {
namespace {

using etcdserverpb::WatchCreateRequest;
using etcdserverpb::WatchRequest;
using etcdserverpb::WatchResponse;

/// Bytes an event adds to a WatchResponse (field 11: one tag byte, length, body).
size_t eventWireSize(const mvccpb::Event& ev) {
  const size_t body = ev.ByteSizeLong();
  return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(body) + body;
}

}  // namespace

bool WatchHub::Watcher::matches(const std::string& k) const {
  if (!end) {
    return k == key;
  }
  return k >= key && (end->empty() || k < *end);
}

WatchHub::WatchHub(KvStore& store, WatchOptions options) : store_(store), options_(options) {
  store_.setCommitListener(this);
}

WatchHub::~WatchHub() { store_.setCommitListener(nullptr); }

int64_t WatchHub::openStream() {
  const int64_t id = nextStream_++;
  streams_[id];
  return id;
}

void WatchHub::closeStream(int64_t stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    return;
  }
  for (auto& [wid, w] : it->second.watchers) {
    setSynced(stream, w, false);
  }
  streams_.erase(it);
}

void WatchHub::setSynced(int64_t stream, Watcher& w, bool synced) {
  if (w.synced == synced) {
    return;
  }
  w.synced = synced;
  const WatcherRef ref{stream, w.id};
  if (!w.end) {
    if (synced) {
      syncedByKey_[w.key][ref] = &w;
    } else {
      auto it = syncedByKey_.find(w.key);
      it->second.erase(ref);
      if (it->second.empty()) {
        syncedByKey_.erase(it);
      }
    }
  } else if (synced) {
    syncedRanges_[ref] = &w;
  } else {
    syncedRanges_.erase(ref);
  }
}

void WatchHub::restored() {
  for (auto& [stream, s] : streams_) {
    for (auto& [id, w] : s.watchers) setSynced(stream, w, false);
  }
}

void WatchHub::erase(int64_t stream, Stream& s, int64_t id) {
  auto it = s.watchers.find(id);
  setSynced(stream, it->second, false);
  s.watchers.erase(it);
}

void WatchHub::handle(int64_t stream, const WatchRequest& req) {
  auto it = streams_.find(stream);
  assert(it != streams_.end());
  Stream& s = it->second;
  switch (req.request_union_case()) {
    case WatchRequest::kCreateRequest:
      create(stream, s, req.create_request());
      break;
    case WatchRequest::kCancelRequest: {
      const int64_t id = req.cancel_request().watch_id();
      if (s.watchers.contains(id)) {
        erase(stream, s, id);
        WatchResponse resp;
        resp.mutable_header()->set_revision(store_.currentRevision());
        resp.set_watch_id(id);
        resp.set_canceled(true);
        push(s, nullptr, std::move(resp));
      }
      break;
    }
    case WatchRequest::kProgressRequest: {
      WatchResponse resp;
      resp.mutable_header()->set_revision(store_.currentRevision());
      resp.set_watch_id(-1);
      push(s, nullptr, std::move(resp));
      break;
    }
    case WatchRequest::REQUEST_UNION_NOT_SET:
      break;
  }
}

void WatchHub::create(int64_t stream, Stream& s, const WatchCreateRequest& req) {
  Watcher w;
  w.key = req.key().empty() ? std::string(1, '\0') : req.key();
  if (req.range_end() == std::string(1, '\0')) {
    w.end = std::string();
  } else if (!req.range_end().empty()) {
    w.end = req.range_end();
  }
  const int64_t cur = store_.currentRevision();
  WatchResponse resp;
  resp.mutable_header()->set_revision(cur);
  resp.set_created(true);
  std::string error;
  if (w.end && !w.end->empty() && w.key >= *w.end) {
    error = "mvcc: watcher range is empty";
  } else if (req.watch_id() != 0 && s.watchers.contains(req.watch_id())) {
    error = "mvcc: duplicate watch ID provided on the WatchStream";
  }
  if (!error.empty()) {
    resp.set_watch_id(-1);
    resp.set_canceled(true);
    resp.set_cancel_reason(error);
    push(s, nullptr, std::move(resp));
    return;
  }
  int64_t id = req.watch_id();
  if (id == 0) {
    while (s.watchers.contains(s.nextWatchId)) {
      ++s.nextWatchId;
    }
    id = s.nextWatchId++;
  }
  w.id = id;
  const int64_t start = req.start_revision() == 0 ? cur + 1 : req.start_revision();
  w.nextRev = start;
  for (int f : req.filters()) {
    w.noPut = w.noPut || f == WatchCreateRequest::NOPUT;
    w.noDelete = w.noDelete || f == WatchCreateRequest::NODELETE;
  }
  w.prevKv = req.prev_kv();
  w.progressNotify = req.progress_notify();
  w.fragment = req.fragment();
  resp.set_watch_id(id);
  Watcher& added = s.watchers.emplace(id, std::move(w)).first->second;
  setSynced(stream, added, start > cur);
  push(s, nullptr, std::move(resp));
}

void WatchHub::push(Stream& s, const Watcher* w, WatchResponse resp) {
  if (w != nullptr && w->fragment) {
    for (WatchResponse& part : fragment(resp, options_.maxResponseBytes)) {
      s.out.push_back(std::move(part));
    }
    return;
  }
  s.out.push_back(std::move(resp));
}

bool WatchHub::deliver(Stream& s, Watcher& w, std::vector<mvccpb::Event> events,
                       int64_t headerRev) {
  WatchResponse resp;
  resp.mutable_header()->set_revision(headerRev);
  resp.set_watch_id(w.id);
  for (mvccpb::Event& ev : events) {
    const bool isPut = ev.type() == mvccpb::Event::PUT;
    if ((isPut && w.noPut) || (!isPut && w.noDelete)) {
      continue;
    }
    const bool isCreate = isPut && ev.kv().create_revision() == ev.kv().mod_revision();
    if (w.prevKv && !isCreate) {
      if (auto prev = store_.get(ev.kv().key(), ev.kv().mod_revision() - 1)) {
        *ev.mutable_prev_kv() = std::move(*prev);
      }
    }
    *resp.add_events() = std::move(ev);
  }
  if (resp.events().empty()) {
    return false;
  }
  w.quietSinceTick = false;
  push(s, &w, std::move(resp));
  return true;
}

void WatchHub::onCommit(int64_t rev, const std::vector<mvccpb::Event>& events) {
  // Synced watchers matching each event, found through the index (ordered: deterministic).
  std::map<WatcherRef, std::pair<Watcher*, std::vector<mvccpb::Event>>> batches;
  for (const mvccpb::Event& ev : events) {
    if (auto it = syncedByKey_.find(ev.kv().key()); it != syncedByKey_.end()) {
      for (const auto& [ref, w] : it->second) {
        auto& b = batches[ref];
        b.first = w;
        b.second.push_back(ev);
      }
    }
    for (const auto& [ref, w] : syncedRanges_) {
      if (w->matches(ev.kv().key())) {
        auto& b = batches[ref];
        b.first = w;
        b.second.push_back(ev);
      }
    }
  }
  for (auto& [ref, batch] : batches) {
    Watcher& w = *batch.first;
    if (w.nextRev > rev) {
      continue;  // starts at a future revision
    }
    Stream& s = streams_.at(ref.first);
    if (s.out.size() >= options_.maxPendingResponses) {
      // Slow reader (etcd's victim): keep this revision's events aside and catch up the
      // following revisions from history later; writes never wait for readers.
      setSynced(ref.first, w, false);
      w.victim = std::move(batch.second);
      w.victimRev = rev;
      w.nextRev = rev + 1;
      continue;
    }
    deliver(s, w, std::move(batch.second), rev);
    w.nextRev = rev + 1;
  }
}

void WatchHub::syncOne(int64_t stream, Stream& s, Watcher& w) {
  const int64_t cur = store_.currentRevision();
  if (w.victimRev != 0) {
    deliver(s, w, std::move(w.victim), w.victimRev);
    w.victim.clear();
    w.victimRev = 0;
    if (s.out.size() >= options_.maxPendingResponses) {
      return;  // still slow: history waits for the next round
    }
  }
  if (w.nextRev < store_.compactRevision()) {
    WatchResponse resp;
    resp.mutable_header()->set_revision(0);
    resp.set_watch_id(w.id);
    resp.set_compact_revision(store_.compactRevision());
    resp.set_canceled(true);
    const int64_t id = w.id;
    push(s, nullptr, std::move(resp));
    erase(stream, s, id);
    return;
  }
  std::vector<mvccpb::Event> events;
  int64_t revs = 0;
  int64_t lastRev = 0;
  int64_t moreRev = 0;
  const auto& records = store_.records();
  for (auto it = records.lower_bound(Revision{w.nextRev, 0});
       it != records.end() && it->first.main <= cur; ++it) {
    const KvStore::Record& rec = it->second;
    if (!w.matches(rec.key)) {
      continue;
    }
    if (it->first.main != lastRev) {
      if (revs == options_.syncBatchRevisions) {
        moreRev = it->first.main;
        break;
      }
      ++revs;
      lastRev = it->first.main;
    }
    mvccpb::Event& ev = events.emplace_back();
    if (rec.tombstone) {
      ev.set_type(mvccpb::Event::DELETE);
      ev.mutable_kv()->set_key(rec.key);
      ev.mutable_kv()->set_mod_revision(it->first.main);
    } else {
      ev.set_type(mvccpb::Event::PUT);
      mvccpb::KeyValue* kv = ev.mutable_kv();
      kv->set_key(rec.key);
      kv->set_create_revision(rec.createRevision);
      kv->set_mod_revision(it->first.main);
      kv->set_version(rec.version);
      kv->set_value(rec.value);
      kv->set_lease(rec.lease);
    }
  }
  if (!events.empty()) {
    deliver(s, w, std::move(events), cur);
  }
  if (moreRev != 0) {
    w.nextRev = moreRev;
  } else {
    // Caught up; a watcher whose start revision is still in the future keeps it (etcd's
    // minRev), which happens when a restore moved a future watcher back to unsynced.
    w.nextRev = std::max(w.nextRev, cur + 1);
    setSynced(stream, w, true);
  }
}

void WatchHub::syncWatchers() {
  for (auto& [sid, s] : streams_) {
    std::vector<int64_t> ids;
    for (const auto& [wid, w] : s.watchers) {
      if (!w.synced) {
        ids.push_back(wid);
      }
    }
    for (int64_t id : ids) {
      if (s.out.size() >= options_.maxPendingResponses) {
        break;
      }
      syncOne(sid, s, s.watchers.at(id));
    }
  }
}

void WatchHub::progressTick() {
  const int64_t cur = store_.currentRevision();
  for (auto& [sid, s] : streams_) {
    for (auto& [wid, w] : s.watchers) {
      if (!w.progressNotify) {
        continue;
      }
      if (w.quietSinceTick && w.synced) {
        WatchResponse resp;
        resp.mutable_header()->set_revision(cur);
        resp.set_watch_id(w.id);
        push(s, nullptr, std::move(resp));
      }
      w.quietSinceTick = true;
    }
  }
}

std::vector<WatchResponse> WatchHub::drain(int64_t stream) {
  Stream& s = streams_.at(stream);
  std::vector<WatchResponse> out(std::make_move_iterator(s.out.begin()),
                                 std::make_move_iterator(s.out.end()));
  s.out.clear();
  return out;
}

size_t WatchHub::pendingResponses(int64_t stream) const { return streams_.at(stream).out.size(); }

size_t WatchHub::syncedWatchers() const {
  size_t n = 0;
  for (const auto& [sid, s] : streams_) {
    for (const auto& [wid, w] : s.watchers) {
      n += w.synced ? 1 : 0;
    }
  }
  return n;
}

size_t WatchHub::unsyncedWatchers() const {
  size_t n = 0;
  for (const auto& [sid, s] : streams_) {
    n += s.watchers.size();
  }
  return n - syncedWatchers();
}

std::vector<WatchResponse> WatchHub::fragment(const WatchResponse& resp, size_t maxBytes) {
  if (resp.ByteSizeLong() < maxBytes || resp.events_size() < 2) {
    return {resp};
  }
  WatchResponse base = resp;
  base.clear_events();
  base.set_fragment(true);
  const size_t baseSize = base.ByteSizeLong();
  std::vector<WatchResponse> out;
  int idx = 0;
  while (idx < resp.events_size()) {
    WatchResponse cur = base;
    size_t size = baseSize;
    while (idx < resp.events_size()) {
      const size_t evSize = eventWireSize(resp.events(idx));
      if (cur.events_size() >= 1 && size + evSize >= maxBytes) {
        break;
      }
      *cur.add_events() = resp.events(idx);
      size += evSize;
      ++idx;
    }
    if (idx == resp.events_size()) {
      cur.set_fragment(false);
    }
    out.push_back(std::move(cur));
  }
  return out;
}

}  // namespace detcd::mvcc

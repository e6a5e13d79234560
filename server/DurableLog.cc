#include "server/DurableLog.h"

#include <algorithm>

#include "wal/WalReader.h"

namespace detcd::server {

namespace {

std::vector<std::uint64_t> ids(const google::protobuf::RepeatedField<std::uint64_t>& f) {
  return {f.begin(), f.end()};
}

void setIds(google::protobuf::RepeatedField<std::uint64_t>* f,
            const std::vector<std::uint64_t>& v) {
  f->Clear();
  for (auto id : v) f->Add(id);
}

}  // namespace

wal::Entry toWal(const raftpb::Entry& e) {
  return {e.index(), e.term(), static_cast<std::uint32_t>(e.type()), e.data()};
}

raftpb::Entry fromWal(const wal::Entry& e) {
  raftpb::Entry out;
  out.set_index(e.index);
  out.set_term(e.term);
  out.set_type(static_cast<raftpb::EntryType>(e.type));
  out.set_data(e.data);
  return out;
}

wal::HardState toWal(const raftpb::HardState& hs) { return {hs.term(), hs.vote(), hs.commit()}; }

wal::Snapshot toWal(const raftpb::Snapshot& s) {
  wal::Snapshot out;
  const auto& m = s.metadata();
  out.metadata.index = m.index();
  out.metadata.term = m.term();
  const auto& cs = m.conf_state();
  out.metadata.confState = {ids(cs.voters()), ids(cs.learners()), ids(cs.voters_outgoing()),
                            ids(cs.learners_next()), cs.auto_leave()};
  out.data = s.data();
  return out;
}

raftpb::Snapshot fromWal(const wal::Snapshot& s) {
  raftpb::Snapshot out;
  auto* m = out.mutable_metadata();
  m->set_index(s.metadata.index);
  m->set_term(s.metadata.term);
  auto* cs = m->mutable_conf_state();
  const auto& c = s.metadata.confState;
  setIds(cs->mutable_voters(), c.voters);
  setIds(cs->mutable_learners(), c.learners);
  setIds(cs->mutable_voters_outgoing(), c.votersOutgoing);
  setIds(cs->mutable_learners_next(), c.learnersNext);
  cs->set_auto_leave(c.autoLeave);
  out.set_data(s.data);
  return out;
}

DurableLog::DurableLog(env::Env& env, std::string dataDir, std::uint64_t walSegmentBytes)
    : env_(env),
      dataDir_(std::move(dataDir)),
      walDir_(dataDir_ + "/wal"),
      walOptions_{walSegmentBytes, &env.tracer, &env.buggify},
      snapshotter_(env.disk, dataDir_ + "/snap", {5, &env.tracer}) {}

template <class Op>
wal::Error DurableLog::timedSync(Op op) {
  const std::uint64_t before = wal_->syncCount();
  const env::Nanos start = env_.clock.now();
  wal::Error e = op();
  if (wal_->syncCount() != before) fsyncs_.observe(env_.clock.now() - start);
  return e;
}

bool DurableLog::exists() { return wal::Wal::exists(env_.disk, walDir_); }

wal::Error DurableLog::create(const std::string& metadata,
                              const std::optional<raftpb::Snapshot>& bootstrap) {
  if (!env_.disk.exists(dataDir_)) {
    if (auto ec = env_.disk.mkdir(dataDir_)) return wal::ioError("mkdir", dataDir_, ec);
    const std::string parent = wal::parentDir(env_.disk, dataDir_);
    if (auto ec = env_.disk.syncDir(parent)) return wal::ioError("fsync dir", parent, ec);
  }
  auto created = wal::Wal::create(env_.disk, walDir_, metadata, walOptions_);
  if (!created) return created.error();
  wal_ = std::move(created.value());
  if (!bootstrap) return {};
  return this->bootstrap(*bootstrap);
}

wal::Error DurableLog::bootstrap(const raftpb::Snapshot& snapshot) {
  const raftpb::Snapshot* bootstrap = &snapshot;
  if (auto e = saveSnapshotFiles(*bootstrap)) return e;
  raftpb::HardState hs;
  hs.set_term(bootstrap->metadata().term());
  hs.set_commit(bootstrap->metadata().index());
  if (auto e = timedSync([&] { return wal_->save({}, toWal(hs)); })) return e;
  (void)storage_.applySnapshot(*bootstrap);
  storage_.setHardState(hs);
  return {};
}

wal::Result<DurableLog::Recovered> DurableLog::open(std::uint64_t replayBehind) {
  auto markers = wal::Wal::snapshotMarkers(env_.disk, walDir_);
  if (!markers) return markers.error();
  Recovered out;
  wal::SnapshotMarker at;
  std::string noSnapshot;  // why no snapshot was loaded, for a refusal's reason
  auto loaded = snapshotter_.loadNewest([&](const wal::SnapshotMarker& m) {
    return std::find(markers->begin(), markers->end(), m) != markers->end();
  });
  if (loaded) {
    out.snapshot = fromWal(loaded->snapshot);
    at = {loaded->snapshot.metadata.index, loaded->snapshot.metadata.term};
    for (const auto& s : loaded->skipped) out.skippedSnapshots.push_back(s.file + ": " + s.reason);
  } else if (loaded.error().code() != wal::ErrorCode::kNotFound) {
    return loaded.error();
  } else {
    noSnapshot = loaded.error().message();
  }
  // apply-twice: start reading at an older marker whose segments are still there.
  std::vector<wal::SnapshotMarker> starts;
  const std::uint64_t from = at.index > replayBehind ? at.index - replayBehind : 0;
  if (replayBehind > 0 && at.index > 0) {
    for (auto m = markers->rbegin(); m != markers->rend(); ++m) {
      if (m->index <= from) {
        starts.push_back(*m);
        break;
      }
    }
    for (const auto& m : *markers) {
      if (m.index > from && m.index < at.index) starts.push_back(m);
    }
  }
  starts.push_back(at);
  std::optional<wal::Wal::Opened> opened;
  for (const auto& start : starts) {
    auto o = wal::Wal::open(env_.disk, walDir_, start, walOptions_);
    if (o) {
      opened = std::move(o.value());
      break;
    }
    // An older start (apply-twice only) that cannot be read from is skipped.
    if (start == at) {
      if (noSnapshot.empty()) return o.error();
      // The WAL cannot start from scratch and no snapshot it accepts is readable.
      const wal::Error& e = o.error();
      return wal::Error(e.code(), e.message() + "; " + noSnapshot, e.file(), e.offset(), e.io());
    }
  }
  wal_ = std::move(opened->wal);
  auto& rec = opened->recovered;
  out.metadata = rec.metadata;
  out.hardState.set_term(rec.hardState.term);
  out.hardState.set_vote(rec.hardState.vote);
  out.hardState.set_commit(rec.hardState.commit);
  std::vector<raftpb::Entry> entries;
  std::uint64_t lastTerm = at.term;
  for (const auto& e : rec.entries) {
    if (e.index <= at.index) {
      if (e.index > from) out.alreadyApplied.push_back(fromWal(e));
      continue;
    }
    // Terms never decrease along a Raft log. A lower term after the snapshot is the stale
    // suffix of a log that a snapshot from the leader replaced (its entries were written before
    // the snapshot's marker and never overwritten): dropped, or this member would claim a last
    // entry older than the committed entries its snapshot holds, and vote for a candidate
    // lacking them.
    if (e.term < lastTerm) break;
    lastTerm = e.term;
    entries.push_back(fromWal(e));
  }
  if (at.index > 0) (void)storage_.applySnapshot(out.snapshot);
  storage_.setHardState(out.hardState);
  storage_.append(entries);
  return out;
}

wal::Error DurableLog::saveSnapshotFiles(const raftpb::Snapshot& snap) {
  if (auto e = snapshotter_.save(toWal(snap))) {
    // Only a failure to delete old snapshots leaves the new one saved; any error stops the node.
    return e;
  }
  return timedSync(
      [&] { return wal_->saveSnapshotMarker({snap.metadata().index(), snap.metadata().term()}); });
}

wal::Error DurableLog::persist(const raft::Ready& rd, bool sync) {
  if (rd.snapshot) {
    // The HardState goes first so that the marker is valid (at most the commit index) as soon
    // as it is durable: a crash right after must be able to restart from this snapshot.
    if (rd.hardState) {
      if (auto e = wal_->saveHardState(toWal(*rd.hardState))) return e;
    }
    if (auto e = saveSnapshotFiles(*rd.snapshot)) return e;
    (void)storage_.applySnapshot(*rd.snapshot);
  }
  std::vector<wal::Entry> entries;
  entries.reserve(rd.entries.size());
  for (const auto& e : rd.entries) entries.push_back(toWal(e));
  std::optional<wal::HardState> hs;
  if (rd.hardState) hs = toWal(*rd.hardState);
  // Wal::save()'s order (entries, HardState, sync), with the sync timed on its own.
  if (!entries.empty()) {
    if (auto e = wal_->append(entries)) return e;
  }
  if (hs) {
    if (auto e = wal_->saveHardState(*hs)) return e;
  }
  if (sync) {
    if (auto e = timedSync([&] { return wal_->sync(); })) return e;
  }
  storage_.append(rd.entries);
  if (rd.hardState) storage_.setHardState(*rd.hardState);
  return {};
}

wal::Error DurableLog::sync() {
  return timedSync([&] { return wal_->sync(); });
}

wal::Error DurableLog::saveOwnSnapshot(const raftpb::Snapshot& snap, std::uint64_t compactTo,
                                       std::uint64_t releaseTo) {
  if (auto e = saveSnapshotFiles(snap)) return e;
  if (compactTo > storage_.firstIndex()) (void)storage_.compact(compactTo);
  return wal_->releaseTo(releaseTo);
}

wal::Result<std::string> readWalMetadata(env::Disk& disk, const std::string& dataDir) {
  const std::string dir = dataDir + "/wal";
  auto listed = wal::listWal(disk, dir);
  if (!listed) return listed.error();
  const std::string path = wal::joinPath(dir, listed.value().segments.front().file());
  auto bytes = wal::readWhole(disk, path);
  if (!bytes) return bytes.error();
  const wal::SegmentScan scan = wal::scanSegment(bytes.value());
  for (const auto& f : scan.records) {
    if (f.type == wal::RecordType::kMetadata) return std::string(f.data);
  }
  return wal::corrupt(path, 0, "no metadata record in the segment's header");
}

}  // namespace detcd::server

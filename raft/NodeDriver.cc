#include "raft/NodeDriver.h"

#include <xxhash.h>

#include <stdexcept>

#include "raft/ConfChanger.h"

namespace detcd::raft {

void HashStateMachine::apply(const raftpb::Entry& e) {
  std::uint64_t seed = hash ^ (e.index() * 0x9e3779b97f4a7c15ULL) ^ e.term();
  hash = XXH64(e.data().data(), e.data().size(), seed);
  appliedIndex = e.index();
}

std::string HashStateMachine::encode() const {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(hash >> (8 * i));
  return out;
}

void HashStateMachine::restore(const raftpb::Snapshot& s) {
  const std::string& d = s.data();
  if (s.metadata().index() == 0 && d.empty()) {  // no snapshot yet: the initial state
    hash = 0;
    appliedIndex = 0;
    return;
  }
  if (d.size() != 8) {
    throw std::invalid_argument("HashStateMachine: snapshot data must be 8 bytes, got " +
                                std::to_string(d.size()));
  }
  hash = 0;
  for (int i = 7; i >= 0; --i)
    hash = (hash << 8) | static_cast<unsigned char>(d[static_cast<std::size_t>(i)]);
  appliedIndex = s.metadata().index();
}

NodeDriver::NodeDriver(std::uint64_t id, const Config& config, const raftpb::ConfState& cs,
                       std::uint64_t snapshotIndex, Invariants* invariants)
    : id_(id),
      config_(config),
      storage_(std::make_unique<MemoryStorage>()),
      confState_(cs),
      invariants_(invariants) {
  if (snapshotIndex == 0) {
    storage_->setConfState(cs);
  } else {
    raftpb::Snapshot snap;
    snap.mutable_metadata()->set_index(snapshotIndex);
    snap.mutable_metadata()->set_term(1);
    *snap.mutable_metadata()->mutable_conf_state() = cs;
    sm_.appliedIndex = snapshotIndex;
    snap.set_data(sm_.encode());
    (void)storage_->applySnapshot(snap);
  }
  restart();
}

RawNode& NodeDriver::node() {
  if (!node_) throw std::logic_error("NodeDriver: node " + std::to_string(id_) + " is down");
  return *node_;
}

void NodeDriver::observe() {
  if (!invariants_ || !node_) return;
  const Raft& r = node_->raft();
  NodeState s;
  s.id = id_;
  s.term = r.term();
  s.role = r.state();
  s.commit = r.log().committed();
  s.durableTerm = storage_->hardState().term();
  s.durableVote = storage_->hardState().vote();
  s.firstIndex = r.log().firstIndex();
  s.termAt = [&r](std::uint64_t i) -> std::optional<std::uint64_t> {
    auto t = r.log().term(i);
    if (!t.ok()) return std::nullopt;
    return t.value;
  };
  invariants_->onState(s);
}

void NodeDriver::tick() {
  node().tick();
  observe();
}

Error NodeDriver::step(const raftpb::Message& m) {
  Error e = node().step(m);
  observe();
  return e;
}

Error NodeDriver::propose(const std::string& data) {
  Error e = node().propose(data);
  observe();
  return e;
}

Error NodeDriver::proposeConfChange(const raftpb::ConfChangeV2& cc) {
  Error e = node().proposeConfChange(cc);
  observe();
  return e;
}

std::optional<ReadyReport> NodeDriver::handleReady() {
  if (!node().hasReady()) return std::nullopt;
  ReadyReport rep{node_->ready(), {}};
  Ready& rd = rep.ready;
  // 1. Persist (this MemoryStorage is the disk: everything written here is durable).
  if (rd.snapshot) {
    (void)storage_->applySnapshot(*rd.snapshot);
    sm_.restore(*rd.snapshot);
    confState_ = rd.snapshot->metadata().conf_state();
    if (invariants_) {
      invariants_->onSnapshot(id_, rd.snapshot->metadata().index(), rd.snapshot->metadata().term(),
                              sm_.hash);
    }
  }
  if (!rd.entries.empty()) {
    if (invariants_) {
      auto prev = storage_->term(rd.entries.front().index() - 1);
      invariants_->onPersist(id_, prev.ok() ? std::optional(prev.value) : std::nullopt, rd.entries);
    }
    storage_->append(rd.entries);
  }
  if (rd.hardState) storage_->setHardState(*rd.hardState);
  // 2. Apply.
  for (const auto& e : rd.committedEntries) {
    if (e.type() == raftpb::EntryConfChange || e.type() == raftpb::EntryConfChangeV2) {
      raftpb::ConfChangeV2 cc;
      if (e.type() == raftpb::EntryConfChange) {
        raftpb::ConfChange v1;
        if (!v1.ParseFromString(e.data())) throw std::invalid_argument("bad ConfChange entry");
        cc = toV2(v1);
      } else if (!cc.ParseFromString(e.data())) {
        throw std::invalid_argument("bad ConfChangeV2 entry");
      }
      try {
        confState_ = node_->applyConfChange(cc);
      } catch (const ConfChangeError&) {
        // Invalid against the configuration it meets when applied (it was proposed from an
        // older view): every node rejects it alike and keeps its configuration, as
        // etcdserver does by applying a no-op change instead.
      }
    }
    sm_.apply(e);
    if (invariants_) invariants_->onApply(id_, e, sm_.hash);
  }
  // 3. Only now may messages leave.
  rep.messages = node_->advance(rd);
  observe();
  return rep;
}

void NodeDriver::crash() { node_.reset(); }

void NodeDriver::restart() {
  node_.reset();
  // The state machine restarts from the snapshot; committed entries after it are re-applied.
  auto snap = storage_->snapshot().value;
  sm_.restore(snap);
  confState_ = snap.metadata().conf_state();
  if (snap.metadata().index() == 0) {
    confState_ = storage_->initialState().confState;
  }
  Config c = config_;
  c.id = id_;
  c.storage = storage_.get();
  c.applied = snap.metadata().index();
  // A new incarnation draws a fresh election jitter stream, still from the seed.
  c.randomSeed = config_.randomSeed + restarts_++;
  node_ = std::make_unique<RawNode>(c);
  if (invariants_) invariants_->onRestart(id_);
  observe();
}

void NodeDriver::compact(std::uint64_t index) {
  std::uint64_t applied = sm_.appliedIndex;
  if (applied > storage_->snapshot().value.metadata().index()) {
    (void)storage_->createSnapshot(applied, &confState_, sm_.encode());
  }
  index = std::min(index, applied);
  if (index > storage_->firstIndex()) (void)storage_->compact(index);
}

}  // namespace detcd::raft

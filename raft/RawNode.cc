#include "raft/RawNode.h"

#include <fmt/format.h>

#include <cassert>
#include <stdexcept>
#include <utility>

#include "raft/ConfChanger.h"
#include "raft/Storage.h"

namespace detcd::raft {

RawNode::RawNode(const Config& c)
    : raft_(c),
      storage_(*c.storage),
      prevSoftState_(raft_.softState()),
      prevHardState_(raft_.hardState()) {}

Error RawNode::campaign() {
  raftpb::Message m;
  m.set_type(raftpb::MsgHup);
  return raft_.step(m);
}

Error RawNode::propose(const std::string& data) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_.id());
  m.add_entries()->set_data(data);
  return raft_.step(m);
}

Error RawNode::propose(const std::vector<std::string>& data) {
  assert(!data.empty());
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_.id());
  m.mutable_entries()->Reserve(static_cast<int>(data.size()));
  for (const auto& d : data) m.add_entries()->set_data(d);
  return raft_.step(m);
}

Error RawNode::proposeConfChange(const raftpb::ConfChange& cc) {
  return proposeEntry(raftpb::EntryConfChange, cc.SerializeAsString());
}

Error RawNode::proposeConfChange(const raftpb::ConfChangeV2& cc) {
  return proposeEntry(raftpb::EntryConfChangeV2, cc.SerializeAsString());
}

Error RawNode::proposeEntry(raftpb::EntryType type, std::string data) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  auto* e = m.add_entries();
  e->set_type(type);
  e->set_data(std::move(data));
  return raft_.step(m);
}

raftpb::ConfState RawNode::applyConfChange(const raftpb::ConfChangeV2& cc) {
  return raft_.applyConfChange(cc);
}

raftpb::ConfState RawNode::applyConfChange(const raftpb::ConfChange& cc) {
  return raft_.applyConfChange(toV2(cc));
}

Error RawNode::step(const raftpb::Message& m) {
  if (isLocalMsg(m.type())) return Error::StepLocalMsg;
  if (isResponseMsg(m.type()) && raft_.tracker().progress.count(m.from()) == 0) {
    return Error::StepPeerNotFound;
  }
  return raft_.step(m);
}

void RawNode::readIndex(const std::string& ctx) {
  raftpb::Message m;
  m.set_type(raftpb::MsgReadIndex);
  m.add_entries()->set_data(ctx);
  (void)raft_.step(m);
}

void RawNode::transferLeader(std::uint64_t transferee) {
  raftpb::Message m;
  m.set_type(raftpb::MsgTransferLeader);
  m.set_from(transferee);
  (void)raft_.step(m);
}

void RawNode::reportUnreachable(std::uint64_t id) {
  raftpb::Message m;
  m.set_type(raftpb::MsgUnreachable);
  m.set_from(id);
  (void)raft_.step(m);
}

void RawNode::reportSnapshot(std::uint64_t id, SnapshotStatus status) {
  raftpb::Message m;
  m.set_type(raftpb::MsgSnapStatus);
  m.set_from(id);
  m.set_reject(status == SnapshotStatus::Failure);
  (void)raft_.step(m);
}

bool RawNode::hasReady() const {
  const Raft& r = raft_;
  if (r.softState() != prevSoftState_) return true;
  raftpb::HardState hs = r.hardState();
  if (!isEmptyHardState(hs) && !hardStateEqual(hs, prevHardState_)) return true;
  if (r.log().hasPendingSnapshot()) return true;
  if (!r.log().unstable().entries().empty() || r.log().hasNextEnts()) return true;
  return !r.msgs().empty() || !r.readStates().empty();
}

Ready RawNode::ready() {
  Ready rd;
  rd.entries = raft_.log().unstableEntries();
  rd.committedEntries = raft_.log().nextEnts();
  SoftState ss = raft_.softState();
  if (ss != prevSoftState_) {
    rd.softState = ss;
    prevSoftState_ = ss;
  }
  raftpb::HardState hs = raft_.hardState();
  if (!hardStateEqual(hs, prevHardState_)) {
    rd.hardState = hs;
    rd.mustSync = hs.term() != prevHardState_.term() || hs.vote() != prevHardState_.vote();
  }
  rd.mustSync = rd.mustSync || !rd.entries.empty();
  if (raft_.log().hasPendingSnapshot()) rd.snapshot = *raft_.log().unstable().snapshot();
  rd.readStates = std::move(raft_.readStates());
  raft_.readStates().clear();
  rd.messages_ = std::move(raft_.msgs());
  raft_.msgs().clear();
  return rd;
}

void RawNode::checkPersisted(const Ready& rd) const {
  if (rd.hardState) {
    raftpb::HardState stored = storage_.initialState().hardState;
    if (!hardStateEqual(stored, *rd.hardState)) {
      throw std::logic_error(fmt::format(
          "raft advance: Ready's HardState (term={} vote={} commit={}) is not in Storage "
          "(term={} vote={} commit={}); persist it before sending messages",
          rd.hardState->term(), rd.hardState->vote(), rd.hardState->commit(), stored.term(),
          stored.vote(), stored.commit()));
    }
  }
  if (rd.snapshot && storage_.firstIndex() <= rd.snapshot->metadata().index()) {
    throw std::logic_error(
        fmt::format("raft advance: Ready's snapshot at index {} is not in Storage",
                    rd.snapshot->metadata().index()));
  }
  if (!rd.entries.empty()) {
    const auto& last = rd.entries.back();
    auto t = storage_.term(last.index());
    // Compacted means the application already persisted and compacted past it.
    if (t.error != Error::Compacted && (!t.ok() || t.value != last.term())) {
      throw std::logic_error(
          fmt::format("raft advance: Ready's entries up to index {} term {} are not in Storage",
                      last.index(), last.term()));
    }
  }
}

std::vector<raftpb::Message> RawNode::takeLeaderMessages(Ready& rd) {
  std::vector<raftpb::Message> early;
  if (raft_.state() != StateType::Leader) return early;
  const auto beforePersist = [&](const raftpb::Message& m) {
    return (m.type() == raftpb::MsgApp || m.type() == raftpb::MsgHeartbeat ||
            m.type() == raftpb::MsgSnap) &&
           m.term() == prevHardState_.term();
  };
  std::vector<raftpb::Message> rest;
  for (auto& m : rd.messages_) (beforePersist(m) ? early : rest).push_back(std::move(m));
  rd.messages_ = std::move(rest);
  return early;
}

std::vector<raftpb::Message> RawNode::advance(Ready& rd) {
  checkPersisted(rd);
  if (rd.hardState) prevHardState_ = *rd.hardState;
  if (!rd.entries.empty())
    raft_.log().stableTo(rd.entries.back().index(), rd.entries.back().term());
  if (rd.snapshot) raft_.log().stableSnapTo(rd.snapshot->metadata().index());
  std::uint64_t applied = 0;
  if (rd.snapshot) applied = rd.snapshot->metadata().index();
  if (!rd.committedEntries.empty()) applied = rd.committedEntries.back().index();
  if (applied > 0) raft_.appliedTo(applied);
  raft_.reduceUncommittedSize(rd.committedEntries);
  return std::move(rd.messages_);
}

Status RawNode::status() const {
  Status s;
  s.id = raft_.id();
  s.hardState = raft_.hardState();
  s.softState = raft_.softState();
  s.applied = raft_.log().applied();
  s.leadTransferee = raft_.leadTransferee();
  s.config = raft_.tracker().config;
  if (raft_.state() == StateType::Leader) s.progress = raft_.tracker().progress;
  return s;
}

std::string Status::describe() const {
  std::string out = fmt::format("{} term={} vote={} commit={} applied={} lead={} {}", id,
                                hardState.term(), hardState.vote(), hardState.commit(), applied,
                                softState.lead, stateName(softState.raftState));
  out += " " + config.describe();
  if (leadTransferee != kNone) out += fmt::format(" transferee={}", leadTransferee);
  for (const auto& [pid, pr] : progress) out += fmt::format("\n  {}: {}", pid, pr.describe());
  return out;
}

}  // namespace detcd::raft

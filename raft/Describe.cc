#include "raft/Describe.h"

#include <fmt/format.h>

#include "raft/ConfChanger.h"

namespace detcd::raft {

namespace {

std::string ids(const google::protobuf::RepeatedField<std::uint64_t>& v) {
  std::string s = "[";
  for (int i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace

std::string describeConfChange(const raftpb::ConfChangeV2& cc) {
  std::string s;
  switch (cc.transition()) {
    case raftpb::ConfChangeTransitionJointImplicit:
      s = "implicit";
      break;
    case raftpb::ConfChangeTransitionJointExplicit:
      s = "explicit";
      break;
    default:
      break;
  }
  for (const auto& c : cc.changes()) {
    char k = '?';
    switch (c.type()) {
      case raftpb::ConfChangeAddNode:
        k = 'v';
        break;
      case raftpb::ConfChangeAddLearnerNode:
        k = 'l';
        break;
      case raftpb::ConfChangeRemoveNode:
        k = 'r';
        break;
      case raftpb::ConfChangeUpdateNode:
        k = 'u';
        break;
      default:
        break;
    }
    if (!s.empty()) s += ' ';
    s += fmt::format("{}{}", k, c.node_id());
  }
  return s.empty() ? "leave-joint" : s;
}

std::string describeEntry(const raftpb::Entry& e) {
  std::string s = fmt::format("{}/{} {}", e.term(), e.index(), raftpb::EntryType_Name(e.type()));
  if (e.type() == raftpb::EntryConfChangeV2) {
    raftpb::ConfChangeV2 cc;
    return s + " " + (cc.ParseFromString(e.data()) ? describeConfChange(cc) : "<bad>");
  }
  if (e.type() == raftpb::EntryConfChange) {
    raftpb::ConfChange cc;
    return s + " " + (cc.ParseFromString(e.data()) ? describeConfChange(toV2(cc)) : "<bad>");
  }
  if (!e.data().empty()) s += fmt::format(" \"{}\"", e.data());
  return s;
}

std::string describeEntries(const std::vector<raftpb::Entry>& ents) {
  std::string s = "[";
  for (std::size_t i = 0; i < ents.size(); ++i) s += (i ? ", " : "") + describeEntry(ents[i]);
  return s + "]";
}

std::string describeSnapshot(const raftpb::Snapshot& snap) {
  return fmt::format("Index:{} Term:{} ConfState:{}", snap.metadata().index(),
                     snap.metadata().term(), describeConfState(snap.metadata().conf_state()));
}

std::string describeMessage(const raftpb::Message& m) {
  std::string s = fmt::format("{}->{} {} Term:{}", m.from(), m.to(),
                              raftpb::MessageType_Name(m.type()), m.term());
  if (m.log_term() != 0 || m.index() != 0) s += fmt::format(" Log:{}/{}", m.log_term(), m.index());
  if (m.commit() != 0) s += fmt::format(" Commit:{}", m.commit());
  if (m.reject()) {
    s += " Rejected";
    if (m.type() == raftpb::MsgAppResp) s += fmt::format(" (Hint: {})", m.reject_hint());
  }
  if (!m.context().empty()) s += fmt::format(" Context:{}", m.context());
  if (m.entries_size() > 0) {
    s += " Entries:" + describeEntries({m.entries().begin(), m.entries().end()});
  }
  if (m.has_snapshot() && m.snapshot().metadata().index() != 0) {
    s += " Snapshot: " + describeSnapshot(m.snapshot());
  }
  return s;
}

std::string describeHardState(const raftpb::HardState& hs) {
  return fmt::format("HardState Term:{} Vote:{} Commit:{}", hs.term(), hs.vote(), hs.commit());
}

std::string describeConfState(const raftpb::ConfState& cs) {
  std::string s = "Voters:" + ids(cs.voters());
  if (cs.voters_outgoing_size() > 0) s += " VotersOutgoing:" + ids(cs.voters_outgoing());
  if (cs.learners_size() > 0) s += " Learners:" + ids(cs.learners());
  if (cs.learners_next_size() > 0) s += " LearnersNext:" + ids(cs.learners_next());
  if (cs.auto_leave()) s += " AutoLeave";
  return s;
}

}  // namespace detcd::raft

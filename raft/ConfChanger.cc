#include "raft/ConfChanger.h"

#include <fmt/format.h>

#include <algorithm>

namespace detcd::raft {

namespace {

std::size_t symmetricDifference(const std::set<std::uint64_t>& a,
                                const std::set<std::uint64_t>& b) {
  std::size_t n = 0;
  for (auto id : a) n += b.count(id) == 0 ? 1 : 0;
  for (auto id : b) n += a.count(id) == 0 ? 1 : 0;
  return n;
}

}  // namespace

void ConfChanger::checkInvariants(const Outcome& o) {
  const auto& c = o.config;
  auto need = [&](std::uint64_t id) {
    if (o.progress.count(id) == 0) {
      throw ConfChangeError(fmt::format("no progress for {}", id));
    }
  };
  for (auto id : c.voters.ids()) need(id);
  for (auto id : c.learners) need(id);
  for (auto id : c.learnersNext) {
    need(id);
    if (!c.voters.outgoing.contains(id)) {
      throw ConfChangeError(fmt::format("{} is in LearnersNext, but not Voters[1]", id));
    }
    if (o.progress.at(id).isLearner) {
      throw ConfChangeError(
          fmt::format("{} is in LearnersNext, but is already marked as learner", id));
    }
  }
  for (auto id : c.learners) {
    if (c.voters.outgoing.contains(id)) {
      throw ConfChangeError(fmt::format("{} is in Learners and Voters[1]", id));
    }
    if (c.voters.incoming.contains(id)) {
      throw ConfChangeError(fmt::format("{} is in Learners and Voters[0]", id));
    }
    if (!o.progress.at(id).isLearner) {
      throw ConfChangeError(fmt::format("{} is in Learners, but is not marked as learner", id));
    }
  }
  if (!c.joint()) {
    if (!c.learnersNext.empty())
      throw ConfChangeError("cfg.LearnersNext must be nil when not joint");
    if (c.autoLeave) throw ConfChangeError("AutoLeave must be false when not joint");
  }
}

ConfChanger::Outcome ConfChanger::enterJoint(
    bool autoLeave, const std::vector<raftpb::ConfChangeSingle>& ccs) const {
  Outcome o{tracker_.config, tracker_.progress};
  checkInvariants(o);
  if (o.config.joint()) throw ConfChangeError("config is already joint");
  if (o.config.voters.incoming.empty()) {
    throw ConfChangeError("can't make a zero-voter config joint");
  }
  o.config.voters.outgoing = o.config.voters.incoming;
  apply(o, ccs);
  o.config.autoLeave = autoLeave;
  checkInvariants(o);
  return o;
}

ConfChanger::Outcome ConfChanger::leaveJoint() const {
  Outcome o{tracker_.config, tracker_.progress};
  checkInvariants(o);
  if (!o.config.joint()) throw ConfChangeError("can't leave a non-joint config");
  for (auto id : o.config.learnersNext) {
    o.config.learners.insert(id);
    o.progress.at(id).isLearner = true;
  }
  o.config.learnersNext.clear();
  for (auto id : o.config.voters.outgoing.ids()) {
    if (!o.config.voters.incoming.contains(id) && o.config.learners.count(id) == 0) {
      o.progress.erase(id);
    }
  }
  o.config.voters.outgoing = MajorityConfig();
  o.config.autoLeave = false;
  checkInvariants(o);
  return o;
}

ConfChanger::Outcome ConfChanger::simple(const std::vector<raftpb::ConfChangeSingle>& ccs) const {
  Outcome o{tracker_.config, tracker_.progress};
  checkInvariants(o);
  if (o.config.joint()) {
    throw ConfChangeError("can't apply simple config change in joint config");
  }
  apply(o, ccs);
  if (symmetricDifference(tracker_.config.voters.incoming.ids(), o.config.voters.incoming.ids()) >
      1) {
    throw ConfChangeError("more than one voter changed without entering joint config");
  }
  checkInvariants(o);
  return o;
}

void ConfChanger::apply(Outcome& o, const std::vector<raftpb::ConfChangeSingle>& ccs) const {
  for (const auto& cc : ccs) {
    if (cc.node_id() == 0) continue;  // etcd ignores changes of node 0
    switch (cc.type()) {
      case raftpb::ConfChangeAddNode:
        makeVoter(o, cc.node_id());
        break;
      case raftpb::ConfChangeAddLearnerNode:
        makeLearner(o, cc.node_id());
        break;
      case raftpb::ConfChangeRemoveNode:
        remove(o, cc.node_id());
        break;
      case raftpb::ConfChangeUpdateNode:
        break;  // only the application cares
      default:
        throw ConfChangeError(fmt::format("unexpected conf type {}", static_cast<int>(cc.type())));
    }
  }
  if (o.config.voters.incoming.empty()) throw ConfChangeError("removed all voters");
}

void ConfChanger::initProgress(Outcome& o, std::uint64_t id, bool isLearner) const {
  if (isLearner) {
    o.config.learners.insert(id);
  } else {
    o.config.voters.incoming.ids().insert(id);
  }
  Progress pr(tracker_.maxInflight());
  pr.next = std::max<std::uint64_t>(lastIndex_, 1);
  pr.isLearner = isLearner;
  pr.recentActive = true;
  o.progress.insert_or_assign(id, std::move(pr));
}

void ConfChanger::makeVoter(Outcome& o, std::uint64_t id) const {
  auto it = o.progress.find(id);
  if (it == o.progress.end()) {
    initProgress(o, id, false);
    return;
  }
  it->second.isLearner = false;
  o.config.learners.erase(id);
  o.config.learnersNext.erase(id);
  o.config.voters.incoming.ids().insert(id);
}

void ConfChanger::makeLearner(Outcome& o, std::uint64_t id) const {
  auto it = o.progress.find(id);
  if (it == o.progress.end()) {
    initProgress(o, id, true);
    return;
  }
  if (it->second.isLearner) return;
  // Demotion: drop from the incoming voters, keep the Progress.
  Progress kept = it->second;
  remove(o, id);
  o.progress.insert_or_assign(id, std::move(kept));
  if (o.config.voters.outgoing.contains(id)) {
    // Still a voter of the outgoing half: becomes a learner when the joint config is left.
    o.config.learnersNext.insert(id);
  } else {
    o.progress.at(id).isLearner = true;
    o.config.learners.insert(id);
  }
}

void ConfChanger::remove(Outcome& o, std::uint64_t id) const {
  if (o.progress.count(id) == 0) return;
  o.config.voters.incoming.ids().erase(id);
  o.config.learners.erase(id);
  o.config.learnersNext.erase(id);
  // An outgoing voter keeps its Progress until the joint config is left.
  if (!o.config.voters.outgoing.contains(id)) o.progress.erase(id);
}

ConfChanger::Outcome ConfChanger::restore(const raftpb::ConfState& cs, std::size_t maxInflight,
                                          std::uint64_t lastIndex) {
  auto single = [](raftpb::ConfChangeType t, std::uint64_t id) {
    raftpb::ConfChangeSingle c;
    c.set_type(t);
    c.set_node_id(id);
    return c;
  };
  std::vector<raftpb::ConfChangeSingle> out, in;
  for (auto id : cs.voters_outgoing()) out.push_back(single(raftpb::ConfChangeAddNode, id));
  // Entering the joint config copies the outgoing voters into the incoming half; remove
  // them first so the incoming half ends up exactly as recorded.
  for (auto id : cs.voters_outgoing()) in.push_back(single(raftpb::ConfChangeRemoveNode, id));
  for (auto id : cs.voters()) in.push_back(single(raftpb::ConfChangeAddNode, id));
  for (auto id : cs.learners()) in.push_back(single(raftpb::ConfChangeAddLearnerNode, id));
  for (auto id : cs.learners_next()) in.push_back(single(raftpb::ConfChangeAddLearnerNode, id));

  ProgressTracker tracker(maxInflight);
  auto step = [&](const Outcome& o) {
    tracker.config = o.config;
    tracker.progress = o.progress;
  };
  if (out.empty()) {
    // Not joint: apply the changes one at a time as simple changes.
    for (const auto& cc : in) step(ConfChanger(tracker, lastIndex).simple({cc}));
  } else {
    for (const auto& cc : out) step(ConfChanger(tracker, lastIndex).simple({cc}));
    step(ConfChanger(tracker, lastIndex).enterJoint(cs.auto_leave(), in));
  }
  return Outcome{tracker.config, tracker.progress};
}

raftpb::ConfChangeV2 toV2(const raftpb::ConfChange& cc) {
  raftpb::ConfChangeV2 v2;
  auto* c = v2.add_changes();
  c->set_type(cc.type());
  c->set_node_id(cc.node_id());
  v2.set_context(cc.context());
  return v2;
}

bool enterJoint(const raftpb::ConfChangeV2& cc, bool* autoLeave) {
  if (cc.transition() != raftpb::ConfChangeTransitionAuto || cc.changes_size() > 1) {
    *autoLeave = cc.transition() == raftpb::ConfChangeTransitionAuto ||
                 cc.transition() == raftpb::ConfChangeTransitionJointImplicit;
    return true;
  }
  return false;
}

bool leaveJoint(const raftpb::ConfChangeV2& cc) {
  return cc.transition() == raftpb::ConfChangeTransitionAuto && cc.changes_size() == 0;
}

}  // namespace detcd::raft

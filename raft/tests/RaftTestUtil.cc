#include "raft/tests/RaftTestUtil.h"

#include <deque>

namespace detcd::raft::testing {

raftpb::Entry entry(std::uint64_t term, std::uint64_t index, const std::string& data) {
  raftpb::Entry e;
  e.set_term(term);
  e.set_index(index);
  e.set_data(data);
  return e;
}

std::vector<raftpb::Entry> entriesWithTerms(const std::vector<std::uint64_t>& terms) {
  std::vector<raftpb::Entry> ents;
  for (std::size_t i = 0; i < terms.size(); ++i) ents.push_back(entry(terms[i], i + 1));
  return ents;
}

raftpb::Message msg(std::uint64_t from, std::uint64_t to, raftpb::MessageType type,
                    std::uint64_t term) {
  raftpb::Message m;
  m.set_from(from);
  m.set_to(to);
  m.set_type(type);
  m.set_term(term);
  return m;
}

raftpb::ConfState voters(const std::vector<std::uint64_t>& ids) {
  raftpb::ConfState cs;
  for (auto id : ids) cs.add_voters(id);
  return cs;
}

std::unique_ptr<MemoryStorage> newStorage(const raftpb::ConfState& cs,
                                          const std::vector<raftpb::Entry>& ents,
                                          const raftpb::HardState& hs) {
  auto s = std::make_unique<MemoryStorage>();
  s->setConfState(cs);
  s->append(ents);
  s->setHardState(hs);
  return s;
}

Config testConfig(std::uint64_t id, int election, int heartbeat, const Storage* storage) {
  Config c;
  c.id = id;
  c.electionTick = election;
  c.heartbeatTick = heartbeat;
  c.storage = storage;
  c.maxSizePerMsg = kNoLimit;
  c.maxInflightMsgs = 256;
  c.randomSeed = id;
  return c;
}

std::vector<raftpb::Message> take(Raft& r) {
  auto out = std::move(r.msgs());
  r.msgs().clear();
  return out;
}

Network::Network(std::size_t n, const std::function<void(Config&)>& tweak) {
  std::vector<std::uint64_t> ids;
  for (std::uint64_t i = 1; i <= n; ++i) ids.push_back(i);
  for (auto id : ids) {
    auto s = newStorage(voters(ids));
    Config c = testConfig(id, 10, 1, s.get());
    if (tweak) tweak(c);
    add(id, std::move(s), c);
  }
}

void Network::add(std::uint64_t id, std::unique_ptr<MemoryStorage> storage, const Config& c) {
  Config cc = c;
  cc.storage = storage.get();
  Peer p{std::move(storage), nullptr};
  p.raft = std::make_unique<Raft>(cc);
  peers_[id] = std::move(p);
}

bool Network::dropped(const raftpb::Message& m) const {
  return isolated_.count(m.from()) || isolated_.count(m.to()) || cut_.count({m.from(), m.to()}) ||
         ignored_.count(m.type()) || peers_.count(m.to()) == 0;
}

void Network::send(const std::vector<raftpb::Message>& ms) {
  std::deque<raftpb::Message> q(ms.begin(), ms.end());
  while (!q.empty()) {
    raftpb::Message m = std::move(q.front());
    q.pop_front();
    if (dropped(m)) continue;
    Raft& r = *peers_.at(m.to()).raft;
    (void)r.step(m);
    for (auto& out : take(r)) q.push_back(std::move(out));
  }
}

void Network::send(const raftpb::Message& m) { send(std::vector<raftpb::Message>{m}); }

void Network::propose(std::uint64_t id, const std::string& data) {
  raftpb::Message m = msg(id, id, raftpb::MsgProp);
  m.add_entries()->set_data(data);
  send(m);
}

void Network::cut(std::uint64_t a, std::uint64_t b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void Network::isolate(std::uint64_t id) { isolated_.insert(id); }

void Network::recover() {
  cut_.clear();
  isolated_.clear();
  ignored_.clear();
}

}  // namespace detcd::raft::testing

#pragma once
// Helpers for tests that drive Raft instances directly (paper tests, unit tests): a
// configuration, storage with a given log, and an in-memory network that delivers messages
// synchronously with optional drops.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "raft/MemoryStorage.h"
#include "raft/Raft.h"

namespace detcd::raft::testing {

// Entries with the given terms at indexes 1..n.
std::vector<raftpb::Entry> entriesWithTerms(const std::vector<std::uint64_t>& terms);
raftpb::Entry entry(std::uint64_t term, std::uint64_t index, const std::string& data = "");
raftpb::Message msg(std::uint64_t from, std::uint64_t to, raftpb::MessageType type,
                    std::uint64_t term = 0);
raftpb::ConfState voters(const std::vector<std::uint64_t>& ids);

// Storage knowing `cs`, holding `ents` (indexes 1..n) and HardState hs.
std::unique_ptr<MemoryStorage> newStorage(const raftpb::ConfState& cs,
                                          const std::vector<raftpb::Entry>& ents = {},
                                          const raftpb::HardState& hs = {});
Config testConfig(std::uint64_t id, int election, int heartbeat, const Storage* storage);

// Removes and returns the messages a Raft wants to send.
std::vector<raftpb::Message> take(Raft& r);

// A group of Raft peers with their storages. send() delivers a message and everything it
// triggers, breadth first, skipping dropped links, isolated peers and ignored types.
class Network {
 public:
  // Peers 1..n, all voters; `tweak` may adjust each Config before the Raft is built.
  explicit Network(std::size_t n, const std::function<void(Config&)>& tweak = {});
  // Adds a peer with its own storage (e.g. a prefilled log).
  void add(std::uint64_t id, std::unique_ptr<MemoryStorage> storage, const Config& c);

  Raft& operator[](std::uint64_t id) { return *peers_.at(id).raft; }
  MemoryStorage& storage(std::uint64_t id) { return *peers_.at(id).storage; }
  void send(const raftpb::Message& m);
  void send(const std::vector<raftpb::Message>& ms);
  void campaign(std::uint64_t id) { send(msg(id, id, raftpb::MsgHup)); }
  void propose(std::uint64_t id, const std::string& data);
  void cut(std::uint64_t a, std::uint64_t b);  // drop both directions
  void isolate(std::uint64_t id);
  void ignore(raftpb::MessageType t) { ignored_.insert(t); }
  void recover();  // undo cut, isolate and ignore

 private:
  struct Peer {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<Raft> raft;
  };
  bool dropped(const raftpb::Message& m) const;
  std::map<std::uint64_t, Peer> peers_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> cut_;
  std::set<std::uint64_t> isolated_;
  std::set<raftpb::MessageType> ignored_;
};

}  // namespace detcd::raft::testing

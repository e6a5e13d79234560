#pragma once
// The world of a Raft script test: nodes (NodeDriver), a message queue with manual
// delivery and drops, and the commands of the script language (see docs/raft.md).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/Invariants.h"
#include "raft/NodeDriver.h"

namespace detcd::raft::testing {

// A parsed command line: "name pos1 pos2 key=value key=(1,2)".
struct Command {
  std::string name;
  std::vector<std::string> args;          // positional
  std::map<std::string, std::string> kv;  // key=value ("(1,2)" kept verbatim)
  int line = 0;
};

Command parseCommand(const std::string& line, int lineNo);

// Executes commands and returns their output (one or more non-empty lines). Every node is
// checked against the Raft invariants after every event. Throws std::invalid_argument for
// a malformed command.
class ScriptEnv {
 public:
  std::string run(const Command& c);

 private:
  NodeDriver& node(const std::string& id);
  std::uint64_t parseId(const std::string& s) const;
  std::vector<std::uint64_t> idsArg(const Command& c, bool allIfEmpty) const;
  void out(const std::string& line) { out_ += line + "\n"; }
  void processReady(std::uint64_t id);
  bool deliver(std::uint64_t to);  // delivers all queued messages to `to`
  void queue(const std::vector<raftpb::Message>& msgs);
  bool cut(std::uint64_t from, std::uint64_t to) const;

  void addNodes(const Command& c);
  void stabilize(const Command& c);
  void printState();
  void printLog(std::uint64_t id);

  Invariants invariants_;
  std::map<std::uint64_t, std::unique_ptr<NodeDriver>> nodes_;
  std::map<std::uint64_t, std::deque<raftpb::Message>> inbox_;  // by recipient
  std::set<std::uint64_t> isolated_;
  std::string out_;
};

}  // namespace detcd::raft::testing

#pragma once
// Raft safety invariants checked against observations of running nodes (paper §5.2-§5.4,
// Figure 3), for randomized harnesses and the simulator.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/Raft.h"

namespace detcd::raft {

// Which property an observation broke.
enum class InvariantKind : std::uint8_t {
  ElectionSafety,      // two leaders in one term (§5.2)
  DoubleVote,          // a node's durable vote changed within one term, even across restarts
  LogMatching,         // same index and term but different entry or different prefix (§5.3)
  LeaderCompleteness,  // a leader lacks an entry committed in an earlier term (§5.4)
  StateMachineSafety,  // two nodes applied different entries (or states) at one index (§5.4.3)
  MonotonicCommit,     // a node's commit index decreased while it was up
};

std::string_view invariantName(InvariantKind k);

// Thrown on the first violation; what() names the invariant, the nodes and the indexes.
class InvariantViolation : public std::runtime_error {
 public:
  InvariantViolation(InvariantKind kind, const std::string& what)
      : std::runtime_error(std::string(invariantName(kind)) + ": " + what), kind_(kind) {}
  InvariantKind kind() const { return kind_; }

 private:
  InvariantKind kind_;
};

// A snapshot of one node's state taken after an event.
struct NodeState {
  std::uint64_t id = 0;
  std::uint64_t term = 0;  // in memory
  StateType role = StateType::Follower;
  std::uint64_t commit = 0;
  // The HardState as durable in Storage: votes are promises only once persisted (a vote
  // lost in a crash was never sent, see RawNode's Ready contract).
  std::uint64_t durableTerm = 0;
  std::uint64_t durableVote = 0;
  // The node's log: first retained index and the term at an index (nullopt when absent).
  std::uint64_t firstIndex = 1;
  std::function<std::optional<std::uint64_t>(std::uint64_t index)> termAt;
};

// Accumulates global knowledge (leaders per term, durable votes, entries by (index, term),
// committed and applied entries) and checks each new observation against it. Cost per
// observation is O(entries newly committed or appended); a new leader costs O(committed
// entries it retains). Not thread-safe; deterministic.
class Invariants {
 public:
  // After every event that may change a node. Checks election safety, double votes,
  // monotonic commit, and leader completeness when the node is a leader.
  void onState(const NodeState& s);
  // Entries a node persisted, after an entry of term prevTerm at entries[0].index()-1
  // (nullopt if unknown, e.g. compacted). Checks log matching: an (index, term) pair always
  // denotes the same entry with the same predecessor term.
  void onPersist(std::uint64_t id, std::optional<std::uint64_t> prevTerm,
                 const std::vector<raftpb::Entry>& entries);
  // A node applied entry e and its state machine hash became stateHash.
  void onApply(std::uint64_t id, const raftpb::Entry& e, std::uint64_t stateHash);
  // A node installed a snapshot: its state is stateHash as of index/term.
  void onSnapshot(std::uint64_t id, std::uint64_t index, std::uint64_t term,
                  std::uint64_t stateHash);
  // The node crashed and restarted from its durable state (commit may go back to the
  // persisted value; its durable vote must not change within a term).
  void onRestart(std::uint64_t id);

  std::size_t committedCount() const { return committed_.size(); }

 private:
  struct EntryKey {
    std::uint64_t index;
    std::uint64_t term;
    auto operator<=>(const EntryKey&) const = default;
  };
  struct EntryFacts {
    std::uint64_t dataHash;
    raftpb::EntryType type;
    std::optional<std::uint64_t> prevTerm;
  };
  struct NodeFacts {
    std::uint64_t commit = 0;
    bool up = false;
    std::uint64_t checkedLeaderTerm = 0;  // leader completeness checked for this term
  };
  void recordCommitted(const NodeState& s, std::uint64_t from, std::uint64_t to);
  void checkLeaderCompleteness(const NodeState& s);

  std::map<std::uint64_t, std::uint64_t> leaders_;                          // term -> leader id
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> votes_;  // (id, term)
  std::map<EntryKey, EntryFacts> entries_;
  struct CommitFacts {
    std::uint64_t term;        // term of the entry
    std::uint64_t commitTerm;  // lowest node term at which it was seen committed
  };
  std::map<std::uint64_t, CommitFacts> committed_;                            // index -> facts
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> applied_;  // idx->(term,h)
  std::map<std::uint64_t, std::uint64_t> stateAt_;  // index -> state machine hash
  std::map<std::uint64_t, NodeFacts> nodes_;
};

}  // namespace detcd::raft

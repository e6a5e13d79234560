#pragma once
// Parameters of one Raft node (etcd raft's Config).

#include <cstdint>
#include <limits>

namespace detcd::raft {

class Storage;

constexpr std::uint64_t kNone = 0;  // "no node": no leader known, no vote cast
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

// How ReadIndex confirms that this node still leads (thesis §6.4).
enum class ReadOnlyOption : std::uint8_t {
  // Safe: one heartbeat round acknowledged by a quorum after the request.
  Safe,
  // LeaseBased: trust the election timeout as a lease (no round trip). Correct only if
  // clocks do not drift beyond the lease; requires checkQuorum.
  LeaseBased,
};

// Deliberate bugs for mutation testing of the invariant harness. Off in production; a
// harness switches one on and must then observe a safety violation.
struct Mutations {
  bool commitPreviousTermReplicas = false;  // break §5.4.2: count older-term entries
  bool grantTwoVotesPerTerm = false;        // break §5.2: vote again in the same term
  bool skipUpToDateCheck = false;           // break §5.4.1: ignore the candidate's log
};

struct Config {
  std::uint64_t id = kNone;  // this node's id, never 0
  // Ticks a follower waits without hearing from a leader before campaigning; the actual
  // timeout is drawn uniformly from [electionTick, 2*electionTick). Must be > heartbeatTick.
  int electionTick = 10;
  int heartbeatTick = 1;  // ticks between leader heartbeats
  // The durable log; must outlive the node. Also checked by RawNode::advance (Ready contract).
  const Storage* storage = nullptr;
  std::uint64_t applied = 0;                          // last applied index when restarting
  std::uint64_t maxSizePerMsg = 1024 * 1024;          // bytes of entries per MsgApp (>=1 entry)
  std::uint64_t maxCommittedSizePerReady = kNoLimit;  // bytes of committed entries per Ready
  // Bytes of entry data the leader may hold uncommitted before dropping proposals.
  std::uint64_t maxUncommittedEntriesSize = kNoLimit;
  std::size_t maxInflightMsgs = 256;  // MsgApps in flight per follower in replicate state
  bool checkQuorum = false;  // leader steps down without a recent quorum (also lease checks)
  bool preVote = false;      // thesis §9.6: ask before bumping the term
  ReadOnlyOption readOnlyOption = ReadOnlyOption::Safe;
  bool disableProposalForwarding = false;  // followers drop proposals instead of forwarding
  std::uint64_t randomSeed = 0;            // seeds the election-timeout jitter (determinism)
  Mutations mutations;

  // Throws std::invalid_argument naming the offending field.
  void validate() const;
};

}  // namespace detcd::raft

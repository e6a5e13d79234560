#pragma once
// The in-memory model of one simulated run that reports draw: what each member did (role and
// term changes, commit index advances, crashes, restarts, snapshots), the faults the simulator
// applied, the Raft messages that members sent and stepped, and the clients' operations.
// Built from the run's trace (docs/simulation.md, docs/server.md "Trace events"), history
// (docs/history.md) and check results (checks.json, docs/reports.md). Knows no other module:
// reports read traces and histories, never run checkers.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace detcd::reports {

/// What a mark on a member's lane (or on the simulator's lane, node 0) stands for.
enum class LaneEventKind {
  kRole,      ///< role or term changed ("raft-state"); label "leader t3"
  kCommit,    ///< the commit index advanced ("raft-state"); label "commit 12"
  kFault,     ///< the simulator applied a scheduled fault ("fault"; node 0); label = its text
  kCrash,     ///< the member's process lost power ("crash")
  kStart,     ///< the member's process started ("start")
  kPause,     ///< paused or resumed ("pause", "resume")
  kDisk,      ///< a disk fault ("disk-fault")
  kSnapshot,  ///< a snapshot saved or restored ("snapshot-save", "snapshot-restore")
  kStopped,   ///< the member stopped or refused to start ("node-stopped", "node-refused")
};

/// One mark on a lane. `time` is virtual time in nanoseconds.
struct LaneEvent {
  std::int64_t time = 0;
  std::uint64_t node = 0;  ///< 0 = the simulator
  LaneEventKind kind = LaneEventKind::kRole;
  std::string label;
};

/// One Raft message (heartbeats only when the run traced them, NodeConfig::traceHeartbeats),
/// from its "raft-send" at the sender to the matching "raft-recv" at the receiver. Matching is
/// first-in first-out among messages with equal (from, to, type, term, index, entries, commit,
/// reject).
struct RaftMessage {
  std::int64_t sent = 0;       ///< ns
  std::int64_t received = -1;  ///< ns; -1 when never stepped (dropped, lost, receiver down)
  std::uint64_t from = 0, to = 0;
  std::string type;  ///< raftpb name, e.g. "MsgApp", "MsgVoteResp"
  std::uint64_t term = 0, index = 0, entries = 0, commit = 0;
  bool reject = false;
};

/// How a client operation ended (docs/history.md: ok, fail, info or no completion).
enum class Outcome { kOk, kFailed, kUnknown };

/// One client operation: invocation and completion times in ns (complete = -1 when the
/// history ends first; it is then unknown).
struct ClientOp {
  std::int64_t line = 0;  ///< 1-based line of the invocation in the history
  std::uint64_t client = 0;
  std::int64_t invoke = 0, complete = -1;
  std::string op, key;
  Outcome outcome = Outcome::kUnknown;
  std::string error;  ///< the "error" of a fail or info completion
};

/// A member's state at the end of the trace, from its last "raft-state" and "apply", and from
/// its "member-final" (the runner's record of its NodeStatus at the end of the run) when the
/// trace has one: that one sets the indexes, the revisions and HashKV.
struct NodeFinalState {
  std::string role = "follower";
  std::uint64_t term = 0, vote = 0, leader = 0, commit = 0, last = 0;
  std::uint64_t applied = 0;      ///< index of the last "apply"
  std::uint64_t appliedHash = 0;  ///< XXH3-64 of the last applied entry's data
  std::uint64_t snapshotIndex = 0;
  bool hasStatus = false;  ///< a "member-final" of a live member was read
  std::uint64_t firstIndex = 0;  ///< first entry still in the log (hasStatus only)
  std::int64_t revision = 0, compactRevision = 0;  ///< the store's (hasStatus only)
  std::uint32_t hashKv = 0;  ///< etcd's HashKV at the current revision (hasStatus only)
  /// Started and not crashed since, not counting the crashes that end the trace (the
  /// simulation's teardown crashes every host after the checks).
  bool up = false;
  std::string stopped;  ///< reason of the last node-stopped / node-refused, "" if none
};

/// Counts over the whole run.
struct RunSummary {
  std::map<std::uint64_t, std::set<std::uint64_t>> leadersPerTerm;  ///< term -> members
  std::uint64_t elections = 0;     ///< times a member became candidate (not pre-candidate)
  std::uint64_t packetsSent = 0;   ///< "send" events (every peer message, heartbeats too)
  std::uint64_t packetsDropped = 0;  ///< "drop" events
  std::map<std::string, std::uint64_t> dropReasons;
  std::uint64_t raftSent = 0, raftLost = 0;  ///< traced Raft messages; those never stepped
  std::uint64_t heartbeatsTraced = 0;  ///< of raftSent, MsgHeartbeat and MsgHeartbeatResp
  std::uint64_t fsyncs = 0;     ///< "fsync" and "fsync-dir"
  std::uint64_t snapshots = 0;  ///< "snapshot-save"
  std::uint64_t faults = 0, faultsSkipped = 0;
  std::uint64_t applies = 0;
};

/// A linearizability violation as the run's checks.json names it (reports do not run checkers):
/// the operations of the failing group's longest linearizable prefix and of the smallest window
/// that cannot be linearized (docs/checkers.md), as indices into RunModel::ops.
struct ViolationMarks {
  std::string group;  ///< e.g. `key "3"`; "" for the whole history
  std::vector<std::size_t> prefix;
  std::vector<std::size_t> window;
  std::optional<std::size_t> culprit;  ///< the op whose completion cannot be linearized
  bool windowMinimal = true;  ///< false: a smaller window may exist
  bool partial = false;       ///< a limit cut the explanation short
};

/// The whole run. `nodes` lists member ids (never 0) in increasing order; `events` and
/// `messages` are in trace order (non-decreasing time).
struct RunModel {
  std::vector<std::uint64_t> nodes;
  std::vector<LaneEvent> events;
  std::vector<RaftMessage> messages;
  std::vector<ClientOp> ops;
  std::map<std::uint64_t, NodeFinalState> finals;
  RunSummary summary;
  std::int64_t endTime = 0;  ///< ns of the last trace or history line
  std::optional<ViolationMarks> violation;  ///< from checks.json, when a run wrote one
};

/// Adds the events of a trace (JSON Lines, docs/simulation.md) to `model`. Blank lines are
/// skipped; unknown kinds are ignored. Throws std::invalid_argument naming the line
/// ("trace.jsonl line 12: missing field \"t\"") on a line that is not a JSON object with
/// integer "t" and "node" and string "kind", or an event without the fields the model reads.
void readTrace(std::string_view text, RunModel& model);

/// Adds the client operations of a detcd history (JSON Lines, docs/history.md) to `model`;
/// watch lines are skipped. Throws std::invalid_argument naming the line on malformed input
/// (not JSON, missing "type"/"client", unknown "type", a completion without an invocation).
void readHistory(std::string_view text, RunModel& model);

/// Reads the check results a run wrote (checks.json; scenarios::checksJson documents the
/// shape) after readHistory: sets `model.violation` from the first check with a "violation",
/// resolving its operations by history line. Throws std::invalid_argument naming checks.json
/// when the text is not that shape or names a line that is no invocation in the history.
void readChecks(std::string_view text, RunModel& model);

}  // namespace detcd::reports

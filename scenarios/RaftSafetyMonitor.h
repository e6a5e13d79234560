#pragma once
// Raft's safety properties (Raft paper §5.2, §5.3, §5.4.3, Figure 3) checked live from the
// events the members trace (sim::Trace observer), across members, crashes and restarts.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "env/Time.h"
#include "env/Tracer.h"
#include "env/Transport.h"

namespace detcd::scenarios {

/// One broken invariant, as the trace showed it.
struct SafetyViolation {
  env::Nanos time{0};                ///< virtual time of the event that showed it
  std::string rule;                  ///< "election-safety", "state-machine-safety", ...
  std::vector<env::NodeId> nodes;    ///< the members involved
  std::string message;               ///< one line with the values
};

/// Consumes the trace events of a run, as they are recorded, and collects violations of:
///  - election safety (§5.2): at most one leader per term — a "raft-state" event with role
///    "leader" in a term where another member already led;
///  - state machine safety / log matching (§5.3, §5.4.3): no two members apply different
///    entries at one index — "apply" events at one index with different (term, hash);
///  - applied index strictly increasing on a member within one incarnation ("apply" index
///    above the previous apply or "snapshot-restore"; "node-start", "start" and "crash" begin a
///    new incarnation, "node-start" giving its applied index);
///  - nothing applied again at a restart: an entry applied before "node-start" at or below the
///    snapshot index that node-start reports is already in the restored state (etcd's
///    consistent index exists to prevent exactly this);
///  - commit index never decreasing on a member within one incarnation ("raft-state" and
///    "node-start" commit; a member's commit index is only volatile state, so a restart may
///    lower it);
///  - the leader's commit rule (§5.4.2, Figure 8): a leader advances its commit index only to
///    an entry of its own term — a "raft-state" of a leader in term T raising its commit to c,
///    then that member's "apply" of index c with a term other than T. (Old-term entries are
///    committed only together with a later entry of the leader's term.)
/// Events it reads (server/Node.h's trace): "node-start" {term, commit, applied, snapshot},
/// "raft-state" {term, vote, role, leader, commit, last}, "apply" {index, term, hash},
/// "snapshot-restore" {index}; from hosts (sim/Host.cc): "start", "crash". Others are ignored.
/// Integer fields may be signed or unsigned; "hash" may also be a string.
class RaftSafetyMonitor {
 public:
  /// The sim::Trace::Observer signature.
  void observe(env::Nanos time, env::NodeId node, std::string_view kind,
               std::initializer_list<env::TraceField> fields);

  /// The first kMaxKept violations, in trace order.
  const std::vector<SafetyViolation>& violations() const { return violations_; }
  /// Every violation seen, kept or not.
  std::uint64_t violationCount() const { return violationCount_; }
  static constexpr std::size_t kMaxKept = 100;
  /// "apply" events seen (a run that applied nothing proves little).
  std::uint64_t applies() const { return applies_; }

 private:
  struct NodeState {
    std::uint64_t lastApplied = 0;
    std::uint64_t commit = 0;
    bool started = false;  ///< "node-start" seen in this incarnation
    /// Lowest index applied in this incarnation before its "node-start" (0: none).
    std::uint64_t appliedBeforeStart = 0;
    /// Commit indexes this member raised as leader, with the term it led: each entry there
    /// must turn out to be of that term when the member applies it.
    std::map<std::uint64_t, std::uint64_t> leaderCommits;
    std::uint64_t lastAppliedTerm = 0;  ///< term of the entry at lastApplied
    std::uint64_t ledTerm = 0;  ///< term of its last "raft-state" as leader, 0 when not leading
  };
  struct Applied {
    std::uint64_t term = 0;
    std::string hash;
    env::NodeId node = 0;
  };

  /// Reports a leader of `leaderTerm` that committed `index`, an entry of `entryTerm`, unless
  /// the terms are equal.
  void checkLeaderCommit(env::Nanos time, env::NodeId node, std::uint64_t leaderTerm,
                         std::uint64_t index, std::uint64_t entryTerm);
  void violate(env::Nanos time, std::string rule, std::vector<env::NodeId> nodes,
               std::string message);
  void onRaftState(env::Nanos time, env::NodeId node,
                   std::initializer_list<env::TraceField> fields);
  void onApply(env::Nanos time, env::NodeId node, std::initializer_list<env::TraceField> fields);

  std::map<env::NodeId, NodeState> nodes_;
  std::map<std::uint64_t, env::NodeId> leaders_;  ///< term -> the member that led in it
  std::map<std::uint64_t, Applied> applied_;      ///< index -> the first entry applied there
  std::vector<SafetyViolation> violations_;
  std::uint64_t applies_ = 0;
  std::uint64_t violationCount_ = 0;
};

/// Helpers to read trace fields (shared with LeaseMonitor): the field `key` as an unsigned /
/// signed integer or as text; nullopt-like defaults when absent.
bool traceField(std::initializer_list<env::TraceField> fields, std::string_view key,
                std::uint64_t* out);
bool traceField(std::initializer_list<env::TraceField> fields, std::string_view key,
                std::int64_t* out);
bool traceField(std::initializer_list<env::TraceField> fields, std::string_view key,
                std::string* out);

}  // namespace detcd::scenarios

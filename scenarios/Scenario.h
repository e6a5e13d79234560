#pragma once
// A scenario: the cluster, the workload, the duration, the fault schedule and the checks of one
// simulated run. Read from YAML (ScenarioFile.h, docs/scenarios.md) or drawn from a seed by the
// swarm (ScenarioDraw.h). Plain data: no behaviour here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "env/Time.h"

namespace detcd::scenarios {

/// The cluster: members n1..nN (member IDs 1..N) and their Raft/etcd settings.
struct ClusterSpec {
  int members = 3;                     ///< initial voters, 1..7
  int electionTicks = 10;
  int heartbeatTicks = 1;
  env::Nanos tick{100'000'000};        ///< one Raft tick (etcd's --heartbeat-interval)
  std::uint64_t snapshotCount = 10'000;
  std::uint64_t snapshotCatchUpEntries = 5'000;
  bool preVote = true;
  bool checkQuorum = true;
  /// Raft flow control (server::NodeConfig): bytes of entries per append message, appends in
  /// flight per follower.
  std::uint64_t maxSizePerMsg = std::uint64_t{1} << 20;
  std::uint64_t maxInflightMsgs = 512;
  /// Network latency between members, uniform in [min, max].
  env::Nanos latencyMin{500'000};
  env::Nanos latencyMax{2'000'000};
  /// Latency between a client and its member, uniform in [min, max].
  env::Nanos clientLatencyMin{100'000};
  env::Nanos clientLatencyMax{500'000};

  bool operator==(const ClusterSpec&) const = default;
};

/// Relative weights of the operations clients issue (0 = never).
struct OpMix {
  double put = 30;
  double get = 20;               ///< linearizable single-key get
  double serializableGet = 5;    ///< serializable single-key get (may be stale: not checked
                                 ///< for linearizability, recorded as such)
  double del = 5;
  double txn = 10;               ///< compare-and-swap on a key's value
  double range = 5;              ///< prefix range
  double leaseGrant = 2;
  double leasePut = 3;           ///< put attached to one of the client's leases
  double leaseRevoke = 1;
  double leaseKeepAlive = 3;
  double compact = 0;            ///< compaction at a recent revision

  bool operator==(const OpMix&) const = default;
};

/// What clients do.
struct WorkloadSpec {
  int clients = 5;
  double rate = 50;               ///< operations per second of virtual time, all clients together
  int keys = 10;                  ///< key space: "k0".."k<keys-1>"
  env::Nanos requestTimeout{2'000'000'000};  ///< a client gives up (history: info) after this
  int watchers = 1;               ///< clients that each keep one watch over every key open
  int leaseTtlSeconds = 5;        ///< TTL of the leases clients grant
  OpMix mix;

  bool operator==(const WorkloadSpec&) const = default;
};

/// The kinds of scheduled faults and actions (docs/scenarios.md names them).
enum class FaultKind {
  kPartition,        ///< `groups`: members in different groups cannot talk
  kIsolate,          ///< `node` (may be "leader"): cut from every other member
  kOneWay,           ///< `from` -> `to` messages dropped (groups of members), reverse kept
  kHeal,             ///< every cut restored
  kCrash,            ///< `node`: power loss (the disk keeps only what was synced)
  kRestart,          ///< `node`: boots again from its disk
  kPause,            ///< `node`: frozen (events held)
  kResume,           ///< `node`
  kClockDrift,       ///< `node`: its clock runs `driftPpm` fast (negative: slow)
  kClockStep,        ///< `node`: its clock jumps forward by `step`
  kTornWrite,        ///< `node`: crash now tearing unsynced WAL sectors (restart separately)
  kBitFlip,          ///< `node`: a latent bit flip in a synced file (`path` prefix, "" any)
  kFsyncError,       ///< `node`: fsyncs fail with EIO with `probability` from now on
  kDiskFull,         ///< `node`: the disk holds `capacityBytes` (ENOSPC beyond)
  kSlowDisk,         ///< `node`: fsync takes `latency`
  kDiskHeal,         ///< `node`: disk faults cleared
  kAddMember,        ///< `node`: a new member (name not in use) is added and started
  kRemoveMember,     ///< `node`: the member is removed through a configuration change
  kTransferLeader,   ///< `node`: the leader hands leadership to it
};

/// One entry of the fault schedule.
struct Fault {
  env::Nanos at{0};  ///< virtual time from the start of the run
  FaultKind kind = FaultKind::kHeal;
  /// A member name ("n1"), or "leader" (whoever leads at that time; nothing when none),
  /// or "follower" (the lowest-ID live follower).
  std::string node;
  std::vector<std::vector<std::string>> groups;  ///< kPartition
  std::vector<std::string> from, to;             ///< kOneWay
  double driftPpm = 0;                           ///< kClockDrift
  env::Nanos step{0};                            ///< kClockStep
  double probability = 1.0;                      ///< kFsyncError
  std::uint64_t capacityBytes = 0;               ///< kDiskFull
  env::Nanos latency{0};                         ///< kSlowDisk
  std::string path;                              ///< kBitFlip: "wal", "snap" or ""
  int line = 0;  ///< line in the scenario file (0 when drawn), for messages

  bool operator==(const Fault&) const = default;
};

/// The checks a run can make (docs/scenarios.md); all by default.
struct CheckSet {
  bool linearizability = true;
  bool watch = true;
  bool raftSafety = true;
  bool durability = true;
  bool convergence = true;
  bool liveness = true;
  bool leases = true;

  bool operator==(const CheckSet&) const = default;
};

/// A whole scenario.
struct Scenario {
  std::string name;         ///< from the file name or "swarm-<seed>"
  std::string description;  ///< one paragraph, shown in reports
  ClusterSpec cluster;
  WorkloadSpec workload;
  env::Nanos duration{30'000'000'000};  ///< the safety phase (faults and workload)
  /// After `duration`: faults stop, every cut heals, stopped members restart, and within this
  /// bound the cluster must elect a leader and complete new requests.
  env::Nanos livenessBound{15'000'000'000};
  std::vector<Fault> faults;  ///< in time order
  CheckSet checks;
  /// Members the scenario expects to be refused at start (e.g. after a bit flip); the run
  /// records the refusal instead of failing liveness on them.
  std::vector<std::string> expectRefusal;

  bool operator==(const Scenario&) const = default;
};

/// "n3" -> 3; nullopt unless the name is "n" followed by a positive number.
std::optional<std::uint64_t> memberIdOf(const std::string& name);
/// 3 -> "n3".
std::string memberName(std::uint64_t id);

}  // namespace detcd::scenarios

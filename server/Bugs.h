#pragma once
// Deliberate defects of the node, switched on by `detcd-sim run|swarm --bug NAME`, so that a test
// can prove the checks see them (a checker that never fails proves nothing). All off in
// production; the real server never turns one on.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace detcd::server {

/// One flag per defect. The names (bugNames()) are the command line's.
struct Bugs {
  /// "stale-read": a leader serves linearizable reads from its own state without ReadIndex, and
  /// keeps doing so after stepping down until it hears of another leader, so a deposed leader in
  /// a minority partition answers stale reads (linearizability catches it).
  bool staleRead = false;
  /// "commit-previous-term": Raft counts replicas of entries of earlier terms toward commit
  /// (paper §5.4.2 / Figure 8 broken; raft::Mutations::commitPreviousTermReplicas).
  bool commitPreviousTerm = false;
  /// "skip-fsync": Ready's entries and HardState are written to the WAL but not synced before
  /// messages go out and responses are sent (durability catches it after crashes).
  bool skipFsync = false;
  /// "double-vote": a node may vote twice in one term (raft::Mutations::grantTwoVotesPerTerm;
  /// Raft safety catches two leaders of one term).
  bool doubleVote = false;
  /// "apply-twice": on restart the consistent index is ignored and entries already contained in
  /// the loaded snapshot are applied again (convergence / linearizability catch it).
  bool applyTwice = false;
  /// "lost-watch-event": the node drops one event now and then from the watch responses it
  /// delivers (the watch checker's "reliable" guarantee catches it).
  bool lostWatchEvent = false;
  /// "lease-early-expiry": the leader revokes leases at half their TTL (the lease check, which
  /// compares revocations with the last keep-alive clients saw, catches it).
  bool leaseEarlyExpiry = false;

  bool any() const {
    return staleRead || commitPreviousTerm || skipFsync || doubleVote || applyTwice ||
           lostWatchEvent || leaseEarlyExpiry;
  }
};

/// The names accepted by parseBug(), in the order above.
const std::vector<std::string_view>& bugNames();

/// The Bugs with exactly the named defect on; nullopt for an unknown name.
std::optional<Bugs> parseBug(std::string_view name);

/// The name of the (first) defect that is on, or "" when none is.
std::string bugName(const Bugs& bugs);

}  // namespace detcd::server

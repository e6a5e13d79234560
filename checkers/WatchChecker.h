#pragma once
// Checks etcd's watch guarantees (https://etcd.io/docs/v3.4/learning/api_guarantees/
// "Watch APIs") on a detcd history: the writes clients made (ok operations
// with their response revisions) and the WatchResponses each watcher received.
//
//  ordered      events of one watch come in revision order, never backwards
//  unique       no (revision, key) event is delivered twice on one watch
//  atomic       the events of one revision are never split across responses
//  reliable     no known event in the watch's range is missing between the
//               start (or first event) and the last delivered event
//  resumable    a watch started at revision S delivers nothing before S and
//               every known event from S on (a resumed stream loses nothing)
//  bookmarkable a progress notification at revision R comes only after every
//               known event up to R was delivered, and no event <= R follows
//  prev_kv      prev_kv is present iff requested (for updates of existing
//               keys), and it is the key's previous known version
//  filters      NOPUT / NODELETE are honoured and events are in the range
//  consistent   every event matches the write that made that revision (type,
//               key, value, lease, mod revision), and watchers agree
//
// Known writes come from ok Put, DeleteRange (with prev_kvs, or a single key)
// and Txn operations with a response revision; events at revisions written by
// requests of unknown outcome are accepted when such a request could explain
// them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/History.h"

namespace detcd::checkers {

enum class WatchGuarantee {
  kOrdered, kUnique, kAtomic, kReliable, kResumable, kBookmarkable, kPrevKv, kFilters, kConsistent
};

/// "ordered", "unique", ... as in the table above.
std::string_view guaranteeName(WatchGuarantee guarantee);

struct WatchViolation {
  WatchGuarantee guarantee;
  int64_t watchId = 0;
  int64_t line = 0;  ///< the watch response (or watch) line that shows it
  std::string message;
};

struct WatchCheckResult {
  std::vector<WatchViolation> violations;  ///< in line order
  bool ok() const { return violations.empty(); }
};

/// Checks every watch in `history`. Throws std::invalid_argument (naming the
/// line) for a response to a watch that was never opened.
WatchCheckResult checkWatches(const History& history);

}  // namespace detcd::checkers

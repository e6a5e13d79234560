#pragma once
// Writes what simulated clients saw as a detcd history (docs/history.md): one JSON line per
// invocation, completion, watch and watch response, stamped with virtual time.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "env/Time.h"
#include "scenarios/WorkloadRequest.h"

namespace detcd::scenarios {

/// Records a history. Lines are kept in memory (text(), for the end-of-run checks) and, when a
/// stream is given, written to it as they come (history.jsonl of `detcd-sim run --out`).
///
/// Contract with the clients: a client invokes one request at a time and completes it with
/// exactly one of ok / fail / info before its next invoke (docs/history.md's rule). Times are
/// virtual nanoseconds since the start of the run. Serializable reads get `"serializable":
/// true` on their invoke line, which keeps them out of the linearizability check.
class HistoryRecorder {
 public:
  /// `out` may be null (memory only); it must outlive the recorder.
  explicit HistoryRecorder(std::ostream* out = nullptr) : out_(out) {}

  /// An invocation line with the request's fields. Throws std::invalid_argument for a request
  /// the history format cannot express (a nested Txn).
  void invoke(std::int64_t client, env::Nanos time, const WorkloadRequest& request);
  /// An `ok` completion: header.revision and the fields docs/history.md lists for the request's
  /// kind. `request` is the invoked one (prev_kv is recorded only when it was asked for, since an
  /// absent field is "not observed" while null means "no previous key").
  void ok(std::int64_t client, env::Nanos time, const WorkloadRequest& request,
          const WorkloadResponse& response);
  /// A definite failure with etcd's error text (the request had no effect, or the model checks
  /// the error: compacted, future revision, lease not found).
  void fail(std::int64_t client, env::Nanos time, const std::string& error);
  /// An unknown outcome (timeout, server stopped, crash); `error` says why.
  void info(std::int64_t client, env::Nanos time, const std::string& error);

  /// A watch opened by `client` with `create` (key, range_end, start_revision, prev_kv,
  /// filters). Returns its watch_id in the history: 1, 2, ... unique in the file, so that a
  /// resumed watch is a new one.
  std::int64_t watch(std::int64_t client, env::Nanos time,
                     const etcdserverpb::WatchCreateRequest& create);
  /// One WatchResponse received on history watch `watchId`: header.revision, events (with
  /// prev_kv when present), canceled and compact_revision.
  void watchResponse(std::int64_t client, env::Nanos time, std::int64_t watchId,
                     const etcdserverpb::WatchResponse& response);

  /// Every line so far, each ending in '\n'.
  const std::string& text() const { return text_; }
  std::uint64_t lines() const { return lines_; }

  /// Operations by outcome so far (watches not counted).
  struct Counts {
    std::uint64_t invoked = 0, ok = 0, failed = 0, unknown = 0;
  };
  const Counts& counts() const { return counts_; }
  /// Operations invoked at or after `since` that completed ok (the liveness phase's measure).
  std::uint64_t okInvokedSince(env::Nanos since) const;

 private:
  void append(const std::string& line);

  std::ostream* out_;
  std::string text_;
  std::uint64_t lines_ = 0;
  std::int64_t nextWatchId_ = 1;
  Counts counts_;
  std::map<std::int64_t, env::Nanos> pendingSince_;  ///< each client's last invocation time
  std::vector<env::Nanos> okInvokeTimes_;            ///< invocation time of each ok operation
};

}  // namespace detcd::scenarios

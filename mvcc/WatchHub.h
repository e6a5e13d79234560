#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mvcc/KvStore.h"
#include "proto/rpc.pb.h"

namespace detcd::mvcc {

/// Limits of a WatchHub (etcd's constants of the same meaning).
struct WatchOptions {
  /// Responses a stream may hold undelivered before its watchers count as slow (etcd's
  /// chanBufLen). A slow watcher leaves the synced group and later catches up.
  size_t maxPendingResponses = 128;
  /// A response of a watcher created with `fragment` is split above this many bytes
  /// (etcd: --max-request-bytes 1.5 MiB + 512 KiB gRPC overhead).
  size_t maxResponseBytes = 1536 * 1024 + 512 * 1024;
  /// Most revisions with events one catch-up response carries (etcd's watchBatchMaxRevs).
  int64_t syncBatchRevisions = 1000;
};

/// Watchers over the key space, with etcd 3.4's semantics (mvcc/watchable_store.go and the
/// stream logic of api/v3rpc/watch.go), driven by one thread and by explicit calls:
///
/// - Streams stand for gRPC Watch streams. handle() takes a WatchRequest (create, cancel,
///   progress); drain() hands out the WatchResponses a stream has ready, in order.
/// - A watcher whose next revision is not past the current one is *unsynced*: it catches
///   up from the stored history on syncWatchers() (etcd runs this every 100 ms), one
///   response per batch of up to syncBatchRevisions revisions, header = current revision.
///   Then it is *synced*: every commit delivers its events at once (one response per
///   revision, header = that revision). A watcher whose stream holds maxPendingResponses
///   undelivered responses keeps that revision's events aside (etcd's victim) and goes back
///   to unsynced after it, so a slow reader never blocks writes nor loses events.
/// - An unsynced watcher whose next revision was compacted gets a response with
///   compact_revision and canceled set, and is removed (etcd).
/// - Events: PUT with the full kv, DELETE with key and mod_revision; NOPUT / NODELETE
///   filters; prev_kv = the key at mod_revision - 1 when still stored, never for a create.
///   A response whose events are all filtered out is not sent.
/// - progressTick() (etcd: every 10 minutes) sends an empty response with the current
///   revision to each synced watcher with progress_notify that got no events since the
///   previous tick. A WatchProgressRequest answers at once with watch_id -1.
///
/// Deterministic: streams and watchers are kept in ordered maps and visited in ID order.
class WatchHub : public CommitListener {
 public:
  /// Registers as `store`'s commit listener for the hub's lifetime.
  explicit WatchHub(KvStore& store, WatchOptions options = {});
  ~WatchHub() override;
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  /// A new stream; IDs start at 1 and are never reused.
  int64_t openStream();
  /// Drops a stream, its watchers and its undelivered responses.
  void closeStream(int64_t stream);
  /// Applies one request of a stream. Create answers created=true with the watch ID (auto
  /// IDs count from 0 per stream), or created+canceled with etcd's cancel_reason ("mvcc:
  /// watcher range is empty", "mvcc: duplicate watch ID provided on the WatchStream").
  /// Cancel of an unknown ID answers nothing (etcd). Precondition: the stream is open.
  void handle(int64_t stream, const etcdserverpb::WatchRequest& req);
  /// Removes and returns the stream's ready responses.
  std::vector<etcdserverpb::WatchResponse> drain(int64_t stream);
  /// Responses the stream holds undelivered (drain() empties it).
  size_t pendingResponses(int64_t stream) const;

  /// Moves unsynced watchers forward from history (see class comment).
  void syncWatchers();
  /// After KvStore::restore() (a Raft snapshot): every watcher becomes unsynced, so that the
  /// next syncWatchers() delivers the revisions the snapshot skipped from the restored history
  /// (etcd's watchableStore.Restore).
  void restored();
  /// Periodic progress notification (see class comment).
  void progressTick();

  /// Watchers in the synced / unsynced group, over all streams.
  size_t syncedWatchers() const;
  size_t unsyncedWatchers() const;

  /// CommitListener: delivers a commit's events to the synced watchers they match.
  void onCommit(int64_t rev, const std::vector<mvccpb::Event>& events) override;

  /// Splits `resp` into fragments of at most `maxBytes` each (at least one event each),
  /// every fragment but the last with fragment=true (etcd's sendFragments).
  static std::vector<etcdserverpb::WatchResponse> fragment(const etcdserverpb::WatchResponse& resp,
                                                           size_t maxBytes);

 private:
  struct Watcher {
    int64_t id = 0;
    std::string key;
    std::optional<std::string> end;  ///< nullopt: one key; empty: every key >= key
    int64_t nextRev = 0;             ///< first revision not yet delivered
    bool synced = false;
    bool noPut = false;
    bool noDelete = false;
    bool prevKv = false;
    bool progressNotify = false;
    bool fragment = false;
    bool quietSinceTick = true;
    /// Events of revision victimRev that a full stream could not take (0: none); they are
    /// delivered before any history on the next syncWatchers().
    int64_t victimRev = 0;
    std::vector<mvccpb::Event> victim;

    bool matches(const std::string& k) const;
  };
  struct Stream {
    int64_t nextWatchId = 0;
    std::map<int64_t, Watcher> watchers;
    std::deque<etcdserverpb::WatchResponse> out;
  };

  /// (stream ID, watch ID)
  using WatcherRef = std::pair<int64_t, int64_t>;

  void create(int64_t stream, Stream& s, const etcdserverpb::WatchCreateRequest& req);
  /// Moves a watcher between the synced and unsynced groups, keeping the index in step.
  void setSynced(int64_t stream, Watcher& w, bool synced);
  void erase(int64_t stream, Stream& s, int64_t id);
  /// Filters, adds prev_kv and queues one response; false when all events were filtered.
  bool deliver(Stream& s, Watcher& w, std::vector<mvccpb::Event> events, int64_t headerRev);
  void push(Stream& s, const Watcher* w, etcdserverpb::WatchResponse resp);
  void syncOne(int64_t stream, Stream& s, Watcher& w);

  KvStore& store_;
  WatchOptions options_;
  int64_t nextStream_ = 1;
  std::map<int64_t, Stream> streams_;
  /// Synced watchers, indexed for commits: single-key watchers by key, range watchers all
  /// together (etcd keeps an interval tree; ranges are few in practice).
  std::map<std::string, std::map<WatcherRef, Watcher*>, std::less<>> syncedByKey_;
  std::map<WatcherRef, Watcher*> syncedRanges_;
};

}  // namespace detcd::mvcc

#pragma once
// A stand-in cluster for the client tests: members that all serve one mvcc::KvStore (a
// perfectly linearizable etcd), on a sim::Scheduler, with switchable faults — members down,
// error answers, lost answers, answers later than the client's timeout, stale reads and lost
// watch events — so that the clients, the recorder and the checks are tested without a Node.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mvcc/KvStore.h"
#include "mvcc/WatchHub.h"
#include "scenarios/LeaseMonitor.h"
#include "scenarios/MemberAccess.h"
#include "scenarios/WorkloadRequest.h"
#include "sim/Rng.h"
#include "sim/Scheduler.h"

namespace detcd::scenarios::fakes {

class FakeCluster final : public MemberAccess, public WorkloadChannel {
 public:
  /// Members 1..n, all up. Requests and answers each take `latency`.
  explicit FakeCluster(int members, env::Nanos latency = env::Nanos(1'000'000))
      : latency_(latency), hub_(store_) {
    for (int i = 1; i <= members; ++i) members_[static_cast<std::uint64_t>(i)] = Member{};
    store_.lessor().promote(0, 0);
    tick();
  }

  // --- faults ---
  /// Answers every request to `member` with `error` (no effect), or "" to stop.
  void failWith(std::uint64_t member, std::string error) { members_[member].error = error; }
  /// Applies requests to `member`, then answers them with `error` (an unknown outcome that in
  /// fact happened: "etcdserver: request timed out").
  void applyThenFail(std::uint64_t member, std::string error) {
    members_[member].errorAfterApply = error;
  }
  /// Applies every request but loses the answer with probability p.
  void loseAnswers(double p) { loseAnswers_ = p; }
  /// Extra delay of every answer (beyond the client's timeout: a late answer).
  void delayAnswers(env::Nanos delay) { answerDelay_ = delay; }
  /// `member` answers range requests from a copy of the store taken now (a stale leader).
  void serveStaleReads(std::uint64_t member) {
    members_[member].stale = std::make_shared<mvcc::KvStore>();
    members_[member].stale->restore(store_.snapshot());
  }
  /// Drops the `n`-th watch response carrying events (1-based).
  void loseWatchResponse(int n) { loseWatchResponse_ = n; }
  /// Down (refuses) / up again with a new incarnation; streams on it die.
  void crash(std::uint64_t member) {
    Member& m = members_[member];
    m.up = false;
    for (auto it = streams_.begin(); it != streams_.end();) {
      if (it->second.member == member) {
        hub_.closeStream(it->first);
        it = streams_.erase(it);
      } else {
        ++it;
      }
    }
  }
  void restart(std::uint64_t member) {
    members_[member].up = true;
    ++members_[member].incarnation;
  }
  /// Receives "lease-expire" events.
  void setLeaseMonitor(LeaseMonitor* monitor) { leaseMonitor_ = monitor; }

  sim::Scheduler& scheduler() { return scheduler_; }
  const mvcc::KvStore& store() const { return store_; }
  std::uint64_t watchStreamsOpened() const { return streamsOpened_; }

  // --- MemberAccess ---
  std::vector<std::uint64_t> members() const override {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, m] : members_) ids.push_back(id);
    return ids;
  }
  void send(std::uint64_t, std::function<void(server::Node&)>,
            std::function<void()> refused) override {
    scheduler_.after(latency_, std::move(refused));  // no Node here: the fake is the channel
  }
  void toClient(std::function<void()> deliver) override {
    scheduler_.after(latency_, std::move(deliver));
  }
  env::Nanos now() const override { return scheduler_.now(); }
  void after(env::Nanos delay, std::function<void()> fn) override {
    scheduler_.after(delay, std::move(fn));
  }
  std::uint64_t incarnation(std::uint64_t id) const override {
    const Member& m = members_.at(id);
    return m.up ? m.incarnation : 0;
  }

  // --- WorkloadChannel ---
  void call(std::uint64_t member, const WorkloadRequest& request, Answer answer,
            std::function<void()> refused) override {
    scheduler_.after(latency_, [this, member, request, answer, refused] {
      const Member& m = members_.at(member);
      if (!m.up) return toClient(refused);
      if (!m.error.empty()) return reply(answer, {mvcc::StatusCode::kCanceled, m.error}, {});
      WorkloadResponse response = emptyResponse(request);
      mvcc::Status status = apply(m, request, response);
      deliverWatches();
      if (rng_.chance(loseAnswers_)) return;
      if (!m.errorAfterApply.empty()) {
        status = {mvcc::StatusCode::kCanceled, m.errorAfterApply};
      }
      reply(answer, status, response);
    });
  }
  void watch(std::uint64_t member, const etcdserverpb::WatchCreateRequest& create,
             WatchOpened opened, WatchSink sink, std::function<void()> refused) override {
    scheduler_.after(latency_, [this, member, create, opened, sink, refused] {
      const Member& m = members_.at(member);
      if (!m.up) return toClient(refused);
      std::int64_t stream = hub_.openStream();
      ++streamsOpened_;
      streams_[stream] = Stream{member, sink};
      toClient([opened, inc = m.incarnation] { opened(inc); });
      etcdserverpb::WatchRequest req;
      *req.mutable_create_request() = create;
      hub_.handle(stream, req);
      deliverWatches();
    });
  }

 private:
  struct Member {
    bool up = true;
    std::uint64_t incarnation = 1;
    std::string error;
    std::string errorAfterApply;
    std::shared_ptr<mvcc::KvStore> stale;
  };
  struct Stream {
    std::uint64_t member = 0;
    WatchSink sink;
  };

  static WorkloadResponse emptyResponse(const WorkloadRequest& request) {
    WorkloadResponse r;
    // The alternative at the request's position.
    switch (request.index()) {
      case 0: r = etcdserverpb::RangeResponse(); break;
      case 1: r = etcdserverpb::PutResponse(); break;
      case 2: r = etcdserverpb::DeleteRangeResponse(); break;
      case 3: r = etcdserverpb::TxnResponse(); break;
      case 4: r = etcdserverpb::CompactionResponse(); break;
      case 5: r = etcdserverpb::LeaseGrantResponse(); break;
      case 6: r = etcdserverpb::LeaseRevokeResponse(); break;
      default: r = etcdserverpb::LeaseKeepAliveResponse(); break;
    }
    return r;
  }

  mvcc::Status apply(const Member& m, const WorkloadRequest& request,
                     WorkloadResponse& response) {
    namespace pb = etcdserverpb;
    std::int64_t now = scheduler_.now().count();
    if (auto* r = std::get_if<pb::RangeRequest>(&request)) {
      const mvcc::KvStore& from = m.stale ? *m.stale : store_;
      return from.range(*r, &std::get<pb::RangeResponse>(response));
    }
    if (auto* r = std::get_if<pb::PutRequest>(&request)) {
      return store_.put(*r, &std::get<pb::PutResponse>(response));
    }
    if (auto* r = std::get_if<pb::DeleteRangeRequest>(&request)) {
      return store_.deleteRange(*r, &std::get<pb::DeleteRangeResponse>(response));
    }
    if (auto* r = std::get_if<pb::TxnRequest>(&request)) {
      return store_.txn(*r, &std::get<pb::TxnResponse>(response));
    }
    if (auto* r = std::get_if<pb::CompactionRequest>(&request)) {
      return store_.compact(*r, &std::get<pb::CompactionResponse>(response));
    }
    if (auto* r = std::get_if<pb::LeaseGrantRequest>(&request)) {
      return store_.leaseGrant(*r, now, &std::get<pb::LeaseGrantResponse>(response));
    }
    if (auto* r = std::get_if<pb::LeaseRevokeRequest>(&request)) {
      return store_.leaseRevoke(*r, &std::get<pb::LeaseRevokeResponse>(response));
    }
    const auto& r = std::get<pb::LeaseKeepAliveRequest>(request);
    return store_.leaseKeepAlive(r, now, &std::get<pb::LeaseKeepAliveResponse>(response));
  }

  void reply(const Answer& answer, mvcc::Status status, WorkloadResponse response) {
    scheduler_.after(latency_ + answerDelay_, [answer, status, response] {
      answer(status, response);
    });
  }

  /// Hands every ready watch response to its stream's client, in order (fixed latency).
  void deliverWatches() {
    for (auto& [id, stream] : streams_) {
      for (auto& r : hub_.drain(id)) {
        if (r.events_size() > 0 && ++watchResponses_ == loseWatchResponse_) continue;
        toClient([sink = stream.sink, r] { sink(r); });
      }
    }
  }

  /// Every 100 ms: watchers catch up; every 500 ms: expired leases are revoked.
  void tick() {
    scheduler_.after(env::Nanos(100'000'000), [this] {
      hub_.syncWatchers();
      if (++ticks_ % 5 == 0) {
        for (std::int64_t id : store_.expiredLeases(scheduler_.now().count(), 100)) {
          if (leaseMonitor_ != nullptr) {
            leaseMonitor_->observe(scheduler_.now(), 1, "lease-expire", {{"lease", id}});
          }
          etcdserverpb::LeaseRevokeRequest req;
          req.set_id(id);
          etcdserverpb::LeaseRevokeResponse resp;
          store_.leaseRevoke(req, &resp);
        }
      }
      deliverWatches();
      tick();
    });
  }

  sim::Scheduler scheduler_;
  env::Nanos latency_;
  env::Nanos answerDelay_{0};
  mvcc::KvStore store_;
  mvcc::WatchHub hub_;
  sim::Rng rng_{42};
  std::map<std::uint64_t, Member> members_;
  std::map<std::int64_t, Stream> streams_;
  std::uint64_t streamsOpened_ = 0;
  double loseAnswers_ = 0;
  int loseWatchResponse_ = 0;
  int watchResponses_ = 0;
  std::uint64_t ticks_ = 0;
  LeaseMonitor* leaseMonitor_ = nullptr;
};

}  // namespace detcd::scenarios::fakes

#include "scenarios/Client.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace detcd::scenarios {

namespace {

namespace pb = etcdserverpb;

constexpr const char* kRequestTimedOut = "etcdserver: request timed out";
constexpr const char* kServerStopped = "etcdserver: server stopped";
constexpr const char* kLeaseNotFound = "etcdserver: requested lease not found";

/// Errors after which etcd's client moves to another endpoint.
bool movesOn(const std::string& error) {
  return error == kRequestTimedOut || error == kServerStopped ||
         error == "etcdserver: no leader" || error == "etcdserver: leader changed" ||
         error == "etcdserver: too many requests";
}

}  // namespace

Client::Client(std::int64_t id, sim::Rng rng, const WorkloadSpec& spec, MemberAccess& access,
               WorkloadChannel& channel, HistoryRecorder& recorder)
    : id_(id), rng_(rng), spec_(spec), access_(access), channel_(channel), recorder_(recorder) {
  assert(id >= 1);
  std::vector<std::uint64_t> members = access_.members();
  if (!members.empty()) member_ = members[static_cast<std::size_t>(id - 1) % members.size()];
}

void Client::start() {
  if (started_ || stopped_) return;
  started_ = true;
  scheduleNext();
}

void Client::stop() { stopped_ = true; }

void Client::scheduleNext() {
  if (stopped_ || spec_.rate <= 0 || spec_.clients <= 0) return;
  auto mean = env::Nanos(static_cast<std::int64_t>(1e9 * spec_.clients / spec_.rate));
  std::weak_ptr<bool> alive = alive_;
  access_.after(rng_.exponential(mean), [this, alive] {
    if (!alive.expired()) issue();
  });
}

void Client::issue() {
  if (stopped_ || pending_) return;
  if (member_ == 0) nextMember();  // the cluster had no member when the client was made
  request_ = makeRequest(drawOp());
  std::uint64_t seq = ++seq_;
  pending_ = true;
  ++stats_.invoked;
  recorder_.invoke(id_, access_.now(), request_);
  std::weak_ptr<bool> alive = alive_;
  auto live = [alive] { return !alive.expired(); };
  access_.after(spec_.requestTimeout, [this, live, seq] {
    if (live()) onTimeout(seq);
  });
  channel_.call(
      member_, request_,
      [this, live, seq](const mvcc::Status& status, const WorkloadResponse& response) {
        if (live()) onAnswer(seq, status, response);
      },
      [this, live, seq] {
        if (live()) onRefused(seq);
      });
}

Client::Op Client::drawOp() {
  const OpMix& m = spec_.mix;
  const std::array<std::pair<Op, double>, 11> weights = {{
      {Op::kPut, m.put}, {Op::kGet, m.get}, {Op::kSerializableGet, m.serializableGet},
      {Op::kDelete, m.del}, {Op::kTxn, m.txn}, {Op::kRange, m.range},
      {Op::kLeaseGrant, m.leaseGrant}, {Op::kLeasePut, m.leasePut},
      {Op::kLeaseRevoke, m.leaseRevoke}, {Op::kLeaseKeepAlive, m.leaseKeepAlive},
      {Op::kCompact, m.compact},
  }};
  double total = 0;
  for (const auto& [op, w] : weights) total += std::max(w, 0.0);
  if (total <= 0) return Op::kGet;
  double x = rng_.unit() * total;
  for (const auto& [op, w] : weights) {
    if (w <= 0) continue;
    if (x < w) return op;
    x -= w;
  }
  return Op::kPut;  // rounding at the top end
}

std::string Client::drawKey() {
  return "k" + std::to_string(rng_.below(static_cast<std::uint64_t>(std::max(spec_.keys, 1))));
}

WorkloadRequest Client::makeRequest(Op op) {
  bool needsLease = op == Op::kLeasePut || op == Op::kLeaseRevoke || op == Op::kLeaseKeepAlive;
  if (needsLease && leases_.empty()) op = Op::kLeaseGrant;
  if (op == Op::kLeaseGrant && leases_.size() >= kMaxLeases) op = Op::kLeaseRevoke;
  auto value = [this] { return "c" + std::to_string(id_) + "-" + std::to_string(++values_); };
  switch (op) {
    case Op::kPut:
    case Op::kLeasePut: {
      pb::PutRequest r;
      r.set_key(drawKey());
      r.set_value(value());
      r.set_prev_kv(rng_.chance(0.5));
      if (op == Op::kLeasePut) r.set_lease(leases_[rng_.below(leases_.size())]);
      return r;
    }
    case Op::kGet:
    case Op::kSerializableGet: {
      pb::RangeRequest r;
      r.set_key(drawKey());
      r.set_serializable(op == Op::kSerializableGet);
      return r;
    }
    case Op::kDelete: {
      pb::DeleteRangeRequest r;
      r.set_key(drawKey());
      r.set_prev_kv(rng_.chance(0.5));
      return r;
    }
    case Op::kTxn: {
      pb::TxnRequest r;
      std::string key = drawKey();
      auto* cmp = r.add_compare();
      cmp->set_key(key);
      cmp->set_result(pb::Compare::EQUAL);
      auto seen = lastSeen_.find(key);
      if (seen != lastSeen_.end() && !seen->second.empty()) {
        cmp->set_target(pb::Compare::VALUE);
        cmp->set_value(seen->second);
      } else {
        cmp->set_target(pb::Compare::VERSION);
        cmp->set_version(0);
      }
      auto* put = r.add_success()->mutable_request_put();
      put->set_key(key);
      put->set_value(value());
      r.add_failure()->mutable_request_range()->set_key(key);
      return r;
    }
    case Op::kRange: {
      pb::RangeRequest r;
      if (rng_.chance(0.5)) {
        r.set_key("k");
        r.set_range_end("l");
      } else {  // "k<d>" .. "k<d+1>": k<d> and every k<d><...>
        char d = static_cast<char>('0' + rng_.below(10));
        r.set_key(std::string("k") + d);
        r.set_range_end(std::string("k") + static_cast<char>(d + 1));
      }
      return r;
    }
    case Op::kLeaseGrant: {
      pb::LeaseGrantRequest r;
      r.set_ttl(spec_.leaseTtlSeconds);
      return r;
    }
    case Op::kLeaseRevoke: {
      pb::LeaseRevokeRequest r;
      std::size_t i = rng_.below(leases_.size());
      r.set_id(leases_[i]);
      leases_.erase(leases_.begin() + static_cast<std::ptrdiff_t>(i));  // never used again
      return r;
    }
    case Op::kLeaseKeepAlive: {
      pb::LeaseKeepAliveRequest r;
      r.set_id(leases_[rng_.below(leases_.size())]);
      return r;
    }
    case Op::kCompact: {
      pb::CompactionRequest r;
      r.set_revision(std::max<std::int64_t>(1, maxRevision_ - rng_.between(0, 10)));
      return r;
    }
  }
  return pb::RangeRequest();
}

void Client::onAnswer(std::uint64_t seq, const mvcc::Status& status,
                      const WorkloadResponse& response) {
  if (!pending_ || seq != seq_) return;  // answered after the client gave up
  env::Nanos now = access_.now();
  if (status.ok()) {
    auto* keepAlive = std::get_if<pb::LeaseKeepAliveResponse>(&response);
    if (keepAlive != nullptr && keepAlive->ttl() <= 0) {
      // etcd's client turns a keep-alive with TTL 0 into ErrLeaseNotFound.
      recorder_.fail(id_, now, kLeaseNotFound);
      ++stats_.failed;
      forgetLease(keepAlive->id());
      complete(false);
      return;
    }
    recorder_.ok(id_, now, request_, response);
    ++stats_.ok;
    learn(response);
    complete(false);
    return;
  }
  if (status.message == kRequestTimedOut || status.message == kServerStopped) {
    recorder_.info(id_, now, status.message);
    ++stats_.unknown;
  } else {
    recorder_.fail(id_, now, status.message);
    ++stats_.failed;
    if (status.message == kLeaseNotFound) {
      if (auto* put = std::get_if<pb::PutRequest>(&request_)) forgetLease(put->lease());
      if (auto* ka = std::get_if<pb::LeaseKeepAliveRequest>(&request_)) forgetLease(ka->id());
    }
  }
  complete(movesOn(status.message));
}

void Client::onRefused(std::uint64_t seq) {
  if (!pending_ || seq != seq_) return;
  recorder_.fail(id_, access_.now(), "connection refused");
  ++stats_.failed;
  complete(true);
}

void Client::onTimeout(std::uint64_t seq) {
  if (!pending_ || seq != seq_) return;
  recorder_.info(id_, access_.now(), "context deadline exceeded");
  ++stats_.unknown;
  complete(true);
}

void Client::complete(bool moveOn) {
  pending_ = false;
  if (moveOn) nextMember();
  scheduleNext();
}

void Client::learn(const WorkloadResponse& response) {
  maxRevision_ = std::max(maxRevision_,
                          std::visit([](const auto& r) { return r.header().revision(); },
                                     response));
  auto sawRange = [this](const std::string& key, const pb::RangeResponse& r) {
    lastSeen_[key] = r.kvs_size() > 0 ? r.kvs(0).value() : "";
  };
  if (auto* put = std::get_if<pb::PutRequest>(&request_)) {
    lastSeen_[put->key()] = put->value();
  } else if (auto* get = std::get_if<pb::RangeRequest>(&request_)) {
    const auto& r = std::get<pb::RangeResponse>(response);
    if (get->range_end().empty()) {
      sawRange(get->key(), r);
    } else {
      for (const mvccpb::KeyValue& kv : r.kvs()) lastSeen_[kv.key()] = kv.value();
    }
  } else if (auto* del = std::get_if<pb::DeleteRangeRequest>(&request_)) {
    lastSeen_[del->key()] = "";
  } else if (auto* txn = std::get_if<pb::TxnRequest>(&request_)) {
    const auto& r = std::get<pb::TxnResponse>(response);
    if (r.succeeded()) {
      const auto& written = txn->success(0).request_put();
      lastSeen_[written.key()] = written.value();
    } else if (r.responses_size() > 0 && r.responses(0).has_response_range()) {
      sawRange(txn->failure(0).request_range().key(), r.responses(0).response_range());
    }
  } else if (auto* grant = std::get_if<pb::LeaseGrantResponse>(&response)) {
    if (grant->id() != 0) leases_.push_back(grant->id());
  }
}

void Client::forgetLease(std::int64_t lease) {
  leases_.erase(std::remove(leases_.begin(), leases_.end(), lease), leases_.end());
}

void Client::nextMember() {
  std::vector<std::uint64_t> members = access_.members();
  if (members.empty()) return;
  auto it = std::upper_bound(members.begin(), members.end(), member_);
  member_ = it == members.end() ? members.front() : *it;
}

}  // namespace detcd::scenarios

#include "interop/OpGenerator.h"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

#include "interop/ResultComparator.h"

namespace detcd::interop {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::WatchCreateRequest;

// A small key space with nested prefixes, so that single-key, prefix, from-key and explicit
// ranges overlap; "e\xff" exercises the 0xff rule of prefix ends.
const std::array<std::string, 13> kKeys = {"a",   "a/1", "a/2", "a/3",   "b",    "b/1",  "b/2",
                                           "b/3", "c",   "c/1", "c/2/x", "d",    "e\xff"};
const std::array<std::string, 6> kPrefixes = {"a", "a/", "b/", "c", "c/2", "e"};
const std::array<std::string, 5> kValues = {"", "x", "y", "v1", "v2"};

}  // namespace

std::string prefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

OpGenerator::OpGenerator(uint64_t seed) : rng_(seed) {}

const std::string& OpGenerator::anyKey() { return kKeys[below(kKeys.size())]; }

std::string OpGenerator::anyValue() {
  // Half the values repeat, so that value compares in txns succeed sometimes.
  if (chance(50)) return kValues[below(kValues.size())];
  return fmt::format("r{}", below(100000));
}

int64_t OpGenerator::someLeaseId() {
  if (leases_.empty() || chance(30)) return anyLeaseId();
  return *std::next(leases_.begin(), static_cast<std::ptrdiff_t>(below(leases_.size())));
}

OpGenerator::KeyRange OpGenerator::anyRange() {
  int r = static_cast<int>(below(100));
  if (r < 40) return {anyKey(), ""};
  if (r < 65) {
    const std::string& p = kPrefixes[below(kPrefixes.size())];
    return {p, prefixEnd(p)};
  }
  if (r < 75) return {anyKey(), std::string(1, '\0')};
  if (r < 80) return {std::string(1, '\0'), std::string(1, '\0')};
  // An explicit [key, range_end), empty when range_end <= key.
  return {anyKey(), anyKey()};
}

int64_t OpGenerator::pastRevision() {
  int64_t low = std::max<int64_t>(compactRevision_, 1);
  if (low >= revision_) return revision_;
  return low + static_cast<int64_t>(below(static_cast<uint64_t>(revision_ - low + 1)));
}

int64_t OpGenerator::readRevision() {
  int r = static_cast<int>(below(100));
  if (r < 70) return 0;
  if (r < 88) return pastRevision();
  if (r < 94 && compactRevision_ > 1) {
    return 1 + static_cast<int64_t>(below(static_cast<uint64_t>(compactRevision_ - 1)));
  }
  return revision_ + 1 + static_cast<int64_t>(below(3));  // future: an error
}

Op OpGenerator::next() {
  if (!pending_.empty()) {
    Op op = std::move(pending_.front());
    pending_.pop_front();
    return op;
  }
  int r = static_cast<int>(below(100));
  if (r < 22) return makePut();
  if (r < 42) return makeRange();
  if (r < 50) return makeDelete();
  if (r < 66) return makeTxn();
  if (r < 68) return makeCompaction();
  if (r < 83) return makeLeaseOp();
  if (r < 93) return makeWatchOp();
  return makeErrorOp();
}

Op OpGenerator::makePut() {
  Op op;
  auto* put = op.mutable_put();
  put->set_key(anyKey());
  put->set_value(anyValue());
  if (chance(25)) put->set_lease(someLeaseId());
  put->set_prev_kv(chance(50));
  if (chance(3)) {
    // ignore_value: keeps the current value; an error when the key does not exist.
    put->clear_value();
    put->set_ignore_value(true);
  }
  if (chance(3)) put->set_ignore_lease(true);  // an error when a lease is given too
  return op;
}

RangeRequest OpGenerator::rangeRequest(bool inTxn) {
  RangeRequest req;
  KeyRange range = anyRange();
  req.set_key(range.key);
  req.set_range_end(range.rangeEnd);
  if (chance(30)) req.set_limit(1 + static_cast<int64_t>(below(4)));
  // Inside a txn a bad revision fails the whole txn; keep that rare.
  if (!inTxn || chance(10)) req.set_revision(readRevision());
  if (chance(30)) {
    req.set_sort_order(static_cast<RangeRequest::SortOrder>(below(3)));
    req.set_sort_target(static_cast<RangeRequest::SortTarget>(below(5)));
  }
  req.set_keys_only(chance(15));
  req.set_count_only(chance(10));
  req.set_serializable(chance(20));
  if (chance(10)) {
    req.set_min_mod_revision(pastRevision());
    req.set_max_create_revision(chance(50) ? pastRevision() : 0);
  }
  if (chance(5)) {
    req.set_min_create_revision(pastRevision());
    req.set_max_mod_revision(pastRevision());
  }
  return req;
}

Op OpGenerator::makeRange() {
  Op op;
  *op.mutable_range() = rangeRequest(false);
  return op;
}

Op OpGenerator::makeDelete() {
  Op op;
  auto* del = op.mutable_delete_range();
  KeyRange range = anyRange();
  del->set_key(range.key);
  del->set_range_end(range.rangeEnd);
  del->set_prev_kv(chance(50));
  return op;
}

Compare OpGenerator::compare() {
  Compare cmp;
  cmp.set_key(anyKey());
  if (chance(10)) cmp.set_range_end(prefixEnd(cmp.key()));
  cmp.set_result(static_cast<Compare::CompareResult>(below(4)));
  cmp.set_target(static_cast<Compare::CompareTarget>(below(5)));
  switch (cmp.target()) {
    case Compare::VERSION: cmp.set_version(static_cast<int64_t>(below(4))); break;
    case Compare::CREATE: cmp.set_create_revision(chance(30) ? 0 : pastRevision()); break;
    case Compare::MOD: cmp.set_mod_revision(chance(30) ? 0 : pastRevision()); break;
    case Compare::VALUE: cmp.set_value(anyValue()); break;
    case Compare::LEASE: cmp.set_lease(chance(30) ? 0 : someLeaseId()); break;
    default: break;
  }
  return cmp;
}

void OpGenerator::fillBranch(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops,
                             int count, std::vector<std::string>& writeKeys, int depth) {
  for (int i = 0; i < count; ++i) {
    int r = static_cast<int>(below(100));
    auto* reqOp = ops->Add();
    // Writes take keys no other write of this txn uses: overlapping writes in one branch are
    // the separate "duplicate key" error case.
    if (r < 35 || writeKeys.empty()) {
      *reqOp->mutable_request_range() = rangeRequest(true);
    } else if (r < 70) {
      auto* put = reqOp->mutable_request_put();
      put->set_key(writeKeys.back());
      writeKeys.pop_back();
      put->set_value(anyValue());
      put->set_prev_kv(chance(50));
      if (chance(15)) put->set_lease(someLeaseId());
    } else if (r < 92 || depth > 0) {
      auto* del = reqOp->mutable_request_delete_range();
      del->set_key(writeKeys.back());
      writeKeys.pop_back();
      del->set_prev_kv(chance(50));
    } else {
      *reqOp->mutable_request_txn() = txnRequest(writeKeys, depth + 1);
    }
  }
}

etcdserverpb::TxnRequest OpGenerator::txnRequest(std::vector<std::string>& writeKeys, int depth) {
  etcdserverpb::TxnRequest txn;
  int compares = static_cast<int>(below(4));
  for (int i = 0; i < compares; ++i) *txn.add_compare() = compare();
  fillBranch(txn.mutable_success(), static_cast<int>(below(depth > 0 ? 3 : 5)), writeKeys, depth);
  fillBranch(txn.mutable_failure(), static_cast<int>(below(depth > 0 ? 2 : 4)), writeKeys, depth);
  return txn;
}

Op OpGenerator::makeTxn() {
  std::vector<std::string> writeKeys(kKeys.begin(), kKeys.end());
  // Fisher-Yates with below(): std::shuffle's algorithm differs between standard libraries.
  for (size_t i = writeKeys.size() - 1; i > 0; --i) {
    std::swap(writeKeys[i], writeKeys[below(i + 1)]);
  }
  Op op;
  *op.mutable_txn() = txnRequest(writeKeys, 0);
  return op;
}

Op OpGenerator::makeCompaction() {
  Op op;
  auto* compact = op.mutable_compact();
  compact->set_physical(chance(50));
  int r = static_cast<int>(below(100));
  if (r < 70 && compactRevision_ < revision_) {
    compact->set_revision(compactRevision_ + 1 +
                          static_cast<int64_t>(below(
                              static_cast<uint64_t>(revision_ - compactRevision_))));
  } else if (r < 85 && compactRevision_ > 0) {
    compact->set_revision(compactRevision_ - static_cast<int64_t>(below(2)));  // compacted
  } else {
    compact->set_revision(revision_ + 1 + static_cast<int64_t>(below(3)));  // future
  }
  return op;
}

Op OpGenerator::makeLeaseOp() {
  Op op;
  int r = static_cast<int>(below(100));
  if (r < 35) {
    auto* grant = op.mutable_lease_grant();
    grant->set_id(anyLeaseId());
    grant->set_ttl(600 + static_cast<int64_t>(below(3000)));
  } else if (r < 55) {
    op.mutable_lease_revoke()->set_id(someLeaseId());
  } else if (r < 80) {
    auto* ttl = op.mutable_lease_time_to_live();
    ttl->set_id(someLeaseId());
    ttl->set_keys(chance(60));
  } else if (r < 90) {
    op.mutable_lease_leases();
  } else {
    op.mutable_lease_keep_alive()->mutable_request()->set_id(someLeaseId());
  }
  return op;
}

void OpGenerator::queueSync(Watcher& watcher, bool cancel) {
  // A write inside the watched range gives the watcher an event at the latest revision, which
  // tells the test when it has delivered everything before.
  Op put;
  put.mutable_put()->set_key(watcher.sentinelKey);
  put.mutable_put()->set_value(fmt::format("sentinel-{}", sentinelCount_++));
  pending_.push_back(std::move(put));
  if (watcher.noPut) {
    Op del;
    del.mutable_delete_range()->set_key(watcher.sentinelKey);
    pending_.push_back(std::move(del));
  }
  Op sync;
  sync.mutable_watch_sync()->set_watch(watcher.ordinal);
  sync.mutable_watch_sync()->set_cancel(cancel);
  pending_.push_back(std::move(sync));
  if (cancel) watcher.open = false;
}

Op OpGenerator::makeWatchOp() {
  std::vector<Watcher*> open;
  for (auto& w : watchers_) {
    if (w.open) open.push_back(&w);
  }
  int r = static_cast<int>(below(100));
  if (r >= 90) {
    Op op;
    op.mutable_watch_progress();
    return op;
  }
  if (open.empty() || (r < 45 && static_cast<int>(open.size()) < kMaxOpenWatchers)) {
    Op op;
    auto* create = op.mutable_watch_create();
    create->set_watch(static_cast<int64_t>(watchers_.size()));
    WatchCreateRequest* req = create->mutable_request();
    std::string sentinel;
    int shape = static_cast<int>(below(100));
    if (shape < 40) {
      req->set_key(anyKey());
      sentinel = req->key();
    } else if (shape < 80) {
      const std::string& p = kPrefixes[below(kPrefixes.size())];
      req->set_key(p);
      req->set_range_end(prefixEnd(p));
      sentinel = p;
    } else if (shape < 92) {
      req->set_key(anyKey());
      req->set_range_end(std::string(1, '\0'));
      sentinel = req->key();
    } else {
      req->set_key(std::string(1, '\0'));
      req->set_range_end(std::string(1, '\0'));
      sentinel = anyKey();
    }
    int start = static_cast<int>(below(100));
    if (start < 50) {
      req->set_start_revision(0);
    } else if (start < 85 || compactRevision_ <= 1) {
      req->set_start_revision(pastRevision());
    } else {
      req->set_start_revision(  // compacted: canceled with the compact revision
          1 + static_cast<int64_t>(below(static_cast<uint64_t>(compactRevision_ - 1))));
    }
    req->set_prev_kv(chance(40));
    int filter = static_cast<int>(below(100));
    if (filter < 10) req->add_filters(WatchCreateRequest::NOPUT);
    if (filter >= 90) req->add_filters(WatchCreateRequest::NODELETE);
    watchers_.push_back({create->watch(), sentinel, filter < 10, true});
    queueSync(watchers_.back(), false);
    return op;
  }
  Watcher& w = *open[below(open.size())];
  queueSync(w, r >= 70);
  return next();
}

Op OpGenerator::makeErrorOp() {
  Op op;
  switch (below(7)) {
    case 0:
      op.mutable_put()->set_value("no key");  // etcdserver: key is not provided
      break;
    case 1:
      op.mutable_range()->set_range_end("z");
      break;
    case 2:
      op.mutable_delete_range()->set_prev_kv(true);
      break;
    case 3: {  // etcdserver: too many operations in txn request
      auto* txn = op.mutable_txn();
      for (int i = 0; i <= kMaxTxnOps; ++i) {
        auto* put = txn->add_success()->mutable_request_put();
        put->set_key(fmt::format("t/{:03}", i));
        put->set_value("v");
      }
      break;
    }
    case 4: {  // etcdserver: duplicate key given in txn request
      auto* txn = op.mutable_txn();
      const std::string& key = anyKey();
      txn->add_success()->mutable_request_put()->set_key(key);
      auto* del = txn->add_success()->mutable_request_delete_range();
      del->set_key(key);
      if (chance(50)) del->set_range_end(std::string(1, '\0'));
      break;
    }
    case 5:  // etcdserver: too large lease TTL
      op.mutable_lease_grant()->set_id(anyLeaseId());
      op.mutable_lease_grant()->set_ttl(9'000'000'001);
      break;
    default: {  // over --max-request-bytes (1.5 MiB) but under gRPC's receive limit
      auto* put = op.mutable_put();
      put->set_key(anyKey());
      put->set_value(std::string(1'600'000, 'b'));
      break;
    }
  }
  return op;
}

void OpGenerator::observe(const Op& op, const Result& reference) {
  if (reference.code() != 0) return;
  revision_ = std::max(revision_, revisionOf(reference));
  if (op.has_compact()) compactRevision_ = std::max(compactRevision_, op.compact().revision());
  if (op.has_lease_grant()) leases_.insert(reference.lease_grant().id());
  if (op.has_lease_revoke()) leases_.erase(op.lease_revoke().id());
  if (op.has_watch_sync() && reference.watch().canceled()) {
    for (auto& w : watchers_) {
      if (w.ordinal == op.watch_sync().watch()) w.open = false;
    }
  }
}

void OpGenerator::finish() {
  for (auto& w : watchers_) {
    if (w.open) queueSync(w, true);
  }
}

}  // namespace detcd::interop

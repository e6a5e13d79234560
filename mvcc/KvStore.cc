#include "mvcc/KvStore.h"

#include <algorithm>
#include <boost/crc.hpp>
#include <cassert>
#include <set>

#include "mvcc/RequestChecks.h"

namespace detcd::mvcc {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;

/// Orders kvs by a Range sort target (etcd's kvSortBy*). Ties keep key order: the sort
/// is stable over the key-ordered result.
bool lessByTarget(RangeRequest::SortTarget target, const mvccpb::KeyValue& a,
                  const mvccpb::KeyValue& b) {
  switch (target) {
    case RangeRequest::VERSION:
      return a.version() < b.version();
    case RangeRequest::CREATE:
      return a.create_revision() < b.create_revision();
    case RangeRequest::MOD:
      return a.mod_revision() < b.mod_revision();
    case RangeRequest::VALUE:
      return a.value() < b.value();
    case RangeRequest::KEY:
    default:
      return a.key() < b.key();
  }
}

bool isReadOnly(const etcdserverpb::TxnRequest& req) {
  for (const auto* ops : {&req.success(), &req.failure()}) {
    for (const RequestOp& op : *ops) {
      if (op.has_request_put() || op.has_request_delete_range()) {
        return false;
      }
      if (op.has_request_txn() && !isReadOnly(op.request_txn())) {
        return false;
      }
    }
  }
  return true;
}

/// Walks the chosen branches in execution order and rejects a put with ignore_value or
/// ignore_lease that follows a from-key delete ("\0") covering its key: the duplicate-key
/// check lets this pair through (etcd's interval quirk), the key is gone when the put runs,
/// and etcd 3.4 then panics. detcd answers "key not found" before writing anything.
bool ignorePutAfterFromKeyDelete(const etcdserverpb::TxnRequest& req, const std::vector<bool>& path,
                                 size_t& pathIdx, std::vector<std::string>& fromKeyDeletes) {
  const bool ok = path[pathIdx++];
  for (const RequestOp& op : ok ? req.success() : req.failure()) {
    if (op.has_request_txn()) {
      if (ignorePutAfterFromKeyDelete(op.request_txn(), path, pathIdx, fromKeyDeletes)) {
        return true;
      }
    } else if (op.has_request_delete_range() &&
               op.request_delete_range().range_end() == std::string(1, '\0')) {
      fromKeyDeletes.push_back(op.request_delete_range().key());
    } else if (op.has_request_put() &&
               (op.request_put().ignore_value() || op.request_put().ignore_lease())) {
      for (const std::string& from : fromKeyDeletes) {
        if (op.request_put().key() >= from) {
          return true;
        }
      }
    }
  }
  return false;
}

int compareInt(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

bool compareKv(const Compare& c, const mvccpb::KeyValue& kv) {
  int result = 0;
  switch (c.target()) {
    case Compare::VALUE: {
      const std::string& v = c.target_union_case() == Compare::kValue ? c.value() : std::string();
      result = kv.value().compare(v);
      result = result < 0 ? -1 : (result > 0 ? 1 : 0);
      break;
    }
    case Compare::CREATE:
      result =
          compareInt(kv.create_revision(),
                     c.target_union_case() == Compare::kCreateRevision ? c.create_revision() : 0);
      break;
    case Compare::MOD:
      result = compareInt(kv.mod_revision(),
                          c.target_union_case() == Compare::kModRevision ? c.mod_revision() : 0);
      break;
    case Compare::VERSION:
      result =
          compareInt(kv.version(), c.target_union_case() == Compare::kVersion ? c.version() : 0);
      break;
    case Compare::LEASE:
      result = compareInt(kv.lease(), c.target_union_case() == Compare::kLease ? c.lease() : 0);
      break;
    default:
      break;
  }
  switch (c.result()) {
    case Compare::EQUAL:
      return result == 0;
    case Compare::NOT_EQUAL:
      return result != 0;
    case Compare::GREATER:
      return result > 0;
    case Compare::LESS:
      return result < 0;
    default:
      return true;
  }
}

/// etcd's bucket key of a revision: 8-byte big-endian main, '_', 8-byte big-endian sub,
/// and 't' for a tombstone.
std::string revisionBytes(Revision rev, bool tombstone) {
  std::string out(17, '\0');
  for (int i = 0; i < 8; ++i) {
    out[7 - i] = static_cast<char>((static_cast<uint64_t>(rev.main) >> (8 * i)) & 0xff);
    out[16 - i] = static_cast<char>((static_cast<uint64_t>(rev.sub) >> (8 * i)) & 0xff);
  }
  out[8] = '_';
  if (tombstone) {
    out.push_back('t');
  }
  return out;
}

/// splitmix64: spreads a counter over 63-bit IDs that look like etcd's random ones.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

KvStore::KvStore(KvStoreOptions options) : options_(options), lessor_(options.minLeaseTtlSeconds) {}

KvStore::KeyRange KvStore::keyRange(std::string_view key, std::string_view rangeEnd) {
  if (rangeEnd.empty()) {
    return {key, std::nullopt};
  }
  if (rangeEnd == std::string_view("\0", 1)) {
    return {key, std::string_view()};
  }
  return {key, rangeEnd};
}

void KvStore::fillKv(Revision rev, const Record& r, bool keysOnly, mvccpb::KeyValue* kv) {
  kv->set_key(r.key);
  kv->set_create_revision(r.createRevision);
  kv->set_mod_revision(rev.main);
  kv->set_version(r.version);
  if (!keysOnly) {
    kv->set_value(r.value);
  }
  kv->set_lease(r.lease);
}

int64_t KvStore::readRevision(const WriteTxn* t) const {
  return currentRev_ + (t != nullptr && t->changes > 0 ? 1 : 0);
}

void KvStore::visitIndex(const KeyRange& r,
                         const std::function<void(const std::string&, const KeyIndex&)>& fn) const {
  if (!r.end) {
    auto it = index_.find(r.key);
    if (it != index_.end()) {
      fn(it->first, it->second);
    }
    return;
  }
  for (auto it = index_.lower_bound(r.key); it != index_.end(); ++it) {
    if (!r.end->empty() && std::string_view(it->first) >= *r.end) {
      break;
    }
    fn(it->first, it->second);
  }
}

Status KvStore::rangeKeys(const KeyRange& r, int64_t reqRev, int64_t limit, bool countOnly,
                          int64_t curRev, RangeResult* out) const {
  if (reqRev > curRev) {
    return errors::futureRev();
  }
  const int64_t rev = reqRev <= 0 ? curRev : reqRev;
  if (rev < compactRev_) {
    return errors::compacted();
  }
  out->kvs.clear();
  out->count = 0;
  visitIndex(r, [&](const std::string&, const KeyIndex& ki) {
    auto found = ki.get(rev);
    if (!found) {
      return;
    }
    ++out->count;
    if (countOnly || (limit > 0 && static_cast<int64_t>(out->kvs.size()) >= limit)) {
      return;
    }
    auto rec = records_.find(found->modified);
    assert(rec != records_.end());
    out->kvs.emplace_back(found->modified, &rec->second);
  });
  return {};
}

std::optional<mvccpb::KeyValue> KvStore::get(std::string_view key, int64_t atRev) const {
  RangeResult rr;
  if (!rangeKeys({key, std::nullopt}, atRev, 0, false, currentRev_, &rr).ok() || rr.kvs.empty()) {
    return std::nullopt;
  }
  mvccpb::KeyValue kv;
  fillKv(rr.kvs[0].first, *rr.kvs[0].second, false, &kv);
  return kv;
}

Status KvStore::applyRange(const WriteTxn* t, const RangeRequest& req,
                           etcdserverpb::RangeResponse* resp) const {
  int64_t limit = req.limit();
  const bool filtered = req.min_mod_revision() != 0 || req.max_mod_revision() != 0 ||
                        req.min_create_revision() != 0 || req.max_create_revision() != 0;
  if (req.sort_order() != RangeRequest::NONE || filtered) {
    limit = 0;  // fetch everything, sort and cut afterwards
  }
  if (limit > 0) {
    ++limit;  // one more than asked tells whether there is more
  }
  const int64_t curRev = readRevision(t);
  RangeResult rr;
  if (Status s = rangeKeys(keyRange(req.key(), req.range_end()), req.revision(), limit,
                           req.count_only(), curRev, &rr);
      !s.ok()) {
    return s;
  }
  // keys_only: values are copied only when the sort needs them (cleared after sorting).
  const bool dropValues = req.keys_only() && req.sort_target() != RangeRequest::VALUE;
  std::vector<mvccpb::KeyValue> kvs;
  kvs.reserve(rr.kvs.size());
  for (const auto& [rev, rec] : rr.kvs) {
    const int64_t mod = rev.main;
    if ((req.max_mod_revision() != 0 && mod > req.max_mod_revision()) ||
        (req.min_mod_revision() != 0 && mod < req.min_mod_revision()) ||
        (req.max_create_revision() != 0 && rec->createRevision > req.max_create_revision()) ||
        (req.min_create_revision() != 0 && rec->createRevision < req.min_create_revision())) {
      continue;
    }
    fillKv(rev, *rec, dropValues, &kvs.emplace_back());
  }
  auto order = req.sort_order();
  if (req.sort_target() != RangeRequest::KEY && order == RangeRequest::NONE) {
    order = RangeRequest::ASCEND;  // etcd: a non-key target sorts ascending by default
  }
  const auto target = req.sort_target();
  if (order == RangeRequest::ASCEND) {
    std::stable_sort(kvs.begin(), kvs.end(),
                     [target](const auto& a, const auto& b) { return lessByTarget(target, a, b); });
  } else if (order == RangeRequest::DESCEND) {
    std::stable_sort(kvs.begin(), kvs.end(),
                     [target](const auto& a, const auto& b) { return lessByTarget(target, b, a); });
  }
  if (req.limit() > 0 && static_cast<int64_t>(kvs.size()) > req.limit()) {
    kvs.resize(static_cast<size_t>(req.limit()));
    resp->set_more(true);
  }
  resp->mutable_header()->set_revision(curRev);
  resp->set_count(rr.count);
  resp->mutable_kvs()->Reserve(static_cast<int>(kvs.size()));
  for (auto& kv : kvs) {
    if (req.keys_only()) {
      kv.clear_value();
    }
    *resp->add_kvs() = std::move(kv);
  }
  return {};
}

Status KvStore::range(const RangeRequest& req, etcdserverpb::RangeResponse* resp) const {
  if (Status s = checkRangeRequest(req); !s.ok()) {
    return s;
  }
  return applyRange(nullptr, req, resp);
}

void KvStore::putKey(WriteTxn& t, const std::string& key, const std::string& value, int64_t lease) {
  const Revision rev{currentRev_ + 1, t.changes};
  auto it = index_.find(key);
  if (it == index_.end()) {
    it = index_.emplace(key, KeyIndex()).first;
  }
  int64_t created = rev.main;
  int64_t version = 1;
  int64_t oldLease = 0;
  if (auto found = it->second.get(rev.main)) {
    created = found->created.main;
    version = found->version + 1;
    oldLease = records_.at(found->modified).lease;
  }
  Record& rec = records_[rev];
  rec.key = key;
  rec.value = value;
  rec.createRevision = created;
  rec.version = version;
  rec.lease = lease;
  recordBytes_ += key.size() + value.size();
  it->second.put(rev);
  ++t.changes;
  if (oldLease != 0) {
    lessor_.detach(oldLease, key);
  }
  if (lease != 0) {
    lessor_.attach(lease, key);
  }
  if (listener_ != nullptr) {
    mvccpb::Event& ev = t.events.emplace_back();
    ev.set_type(mvccpb::Event::PUT);
    fillKv(rev, rec, false, ev.mutable_kv());
  }
}

void KvStore::deleteKey(WriteTxn& t, const std::string& key) {
  const Revision rev{currentRev_ + 1, t.changes};
  KeyIndex& ki = index_.at(key);
  auto found = ki.get(rev.main);
  assert(found);
  const int64_t oldLease = records_.at(found->modified).lease;
  Record& rec = records_[rev];
  rec.key = key;
  rec.tombstone = true;
  recordBytes_ += key.size();
  ki.tombstone(rev);
  ++t.changes;
  if (oldLease != 0) {
    lessor_.detach(oldLease, key);
  }
  if (listener_ != nullptr) {
    mvccpb::Event& ev = t.events.emplace_back();
    ev.set_type(mvccpb::Event::DELETE);
    ev.mutable_kv()->set_key(key);
    ev.mutable_kv()->set_mod_revision(rev.main);
  }
}

int64_t KvStore::deleteKeys(WriteTxn& t, const KeyRange& r) {
  const int64_t rev = readRevision(&t);
  std::vector<const std::string*> keys;
  visitIndex(r, [&](const std::string& key, const KeyIndex& ki) {
    if (ki.get(rev)) {
      keys.push_back(&key);
    }
  });
  for (const std::string* key : keys) {
    deleteKey(t, *key);
  }
  return static_cast<int64_t>(keys.size());
}

void KvStore::endTxn(WriteTxn& t) {
  if (t.changes == 0) {
    return;
  }
  ++currentRev_;
  if (listener_ != nullptr) {
    listener_->onCommit(currentRev_, t.events);
  }
}

Status KvStore::applyPut(WriteTxn& t, const etcdserverpb::PutRequest& req,
                         etcdserverpb::PutResponse* resp) {
  std::string value = req.value();
  int64_t lease = req.lease();
  if (req.ignore_value() || req.ignore_lease() || req.prev_kv()) {
    RangeResult rr;
    Status s = rangeKeys({req.key(), std::nullopt}, 0, 0, false, readRevision(&t), &rr);
    assert(s.ok());
    if ((req.ignore_value() || req.ignore_lease()) && rr.kvs.empty()) {
      return errors::keyNotFound();
    }
    if (req.ignore_value()) {
      value = rr.kvs[0].second->value;
    }
    if (req.ignore_lease()) {
      lease = rr.kvs[0].second->lease;
    }
    if (req.prev_kv() && !rr.kvs.empty()) {
      fillKv(rr.kvs[0].first, *rr.kvs[0].second, false, resp->mutable_prev_kv());
    }
  }
  putKey(t, req.key(), value, lease);
  resp->mutable_header()->set_revision(currentRev_ + 1);
  return {};
}

Status KvStore::put(const etcdserverpb::PutRequest& req, etcdserverpb::PutResponse* resp) {
  if (Status s = checkPutRequest(req); !s.ok()) {
    return s;
  }
  if (req.lease() != 0 && lessor_.lookup(req.lease()) == nullptr) {
    return errors::leaseNotFound();
  }
  WriteTxn t;
  if (Status s = applyPut(t, req, resp); !s.ok()) {
    return s;
  }
  endTxn(t);
  return {};
}

void KvStore::applyDelete(WriteTxn& t, const etcdserverpb::DeleteRangeRequest& req,
                          etcdserverpb::DeleteRangeResponse* resp) {
  const KeyRange r = keyRange(req.key(), req.range_end());
  if (req.prev_kv()) {
    RangeResult rr;
    Status s = rangeKeys(r, 0, 0, false, readRevision(&t), &rr);
    assert(s.ok());
    for (const auto& [rev, rec] : rr.kvs) {
      fillKv(rev, *rec, false, resp->add_prev_kvs());
    }
  }
  resp->set_deleted(deleteKeys(t, r));
  resp->mutable_header()->set_revision(readRevision(&t));
}

Status KvStore::deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                            etcdserverpb::DeleteRangeResponse* resp) {
  if (Status s = checkDeleteRequest(req); !s.ok()) {
    return s;
  }
  WriteTxn t;
  applyDelete(t, req, resp);
  endTxn(t);
  return {};
}

bool KvStore::applyCompare(const Compare& c) const {
  RangeResult rr;
  if (!rangeKeys(keyRange(c.key(), c.range_end()), 0, 0, false, currentRev_, &rr).ok()) {
    return false;
  }
  if (rr.kvs.empty()) {
    // A missing key has no value to compare (etcd); other targets compare against zeros.
    return c.target() != Compare::VALUE && compareKv(c, mvccpb::KeyValue());
  }
  mvccpb::KeyValue kv;
  for (const auto& [rev, rec] : rr.kvs) {
    fillKv(rev, *rec, false, &kv);
    if (!compareKv(c, kv)) {
      return false;
    }
  }
  return true;
}

void KvStore::compareToPath(const etcdserverpb::TxnRequest& req, std::vector<bool>& path) const {
  bool ok = true;
  for (const Compare& c : req.compare()) {
    if (!applyCompare(c)) {
      ok = false;
      break;
    }
  }
  path.push_back(ok);
  for (const RequestOp& op : ok ? req.success() : req.failure()) {
    if (op.has_request_txn()) {
      compareToPath(op.request_txn(), path);
    }
  }
}

Status KvStore::checkRequests(const etcdserverpb::TxnRequest& req, const std::vector<bool>& path,
                              size_t& pathIdx, bool puts) const {
  const bool ok = path[pathIdx++];
  for (const RequestOp& op : ok ? req.success() : req.failure()) {
    if (op.has_request_txn()) {
      if (Status s = checkRequests(op.request_txn(), path, pathIdx, puts); !s.ok()) {
        return s;
      }
    } else if (puts && op.has_request_put()) {
      const auto& p = op.request_put();
      if ((p.ignore_value() || p.ignore_lease()) && !get(p.key(), 0)) {
        return errors::keyNotFound();
      }
      if (p.lease() != 0 && lessor_.lookup(p.lease()) == nullptr) {
        return errors::leaseNotFound();
      }
    } else if (!puts && op.has_request_range()) {
      const int64_t rev = op.request_range().revision();
      if (rev != 0 && rev > currentRev_) {
        return errors::futureRev();
      }
      if (rev != 0 && rev < compactRev_) {
        return errors::compacted();
      }
    }
  }
  return {};
}

void KvStore::applyTxn(WriteTxn& t, const etcdserverpb::TxnRequest& req,
                       const std::vector<bool>& path, size_t& pathIdx,
                       etcdserverpb::TxnResponse* resp) {
  const bool ok = path[pathIdx++];
  resp->set_succeeded(ok);
  resp->mutable_header();
  for (const RequestOp& op : ok ? req.success() : req.failure()) {
    etcdserverpb::ResponseOp* r = resp->add_responses();
    switch (op.request_case()) {
      case RequestOp::kRequestRange: {
        Status s = applyRange(&t, op.request_range(), r->mutable_response_range());
        assert(s.ok());  // checkRequests ruled out every error
        break;
      }
      case RequestOp::kRequestPut: {
        Status s = applyPut(t, op.request_put(), r->mutable_response_put());
        assert(s.ok());
        break;
      }
      case RequestOp::kRequestDeleteRange:
        applyDelete(t, op.request_delete_range(), r->mutable_response_delete_range());
        break;
      case RequestOp::kRequestTxn:
        applyTxn(t, op.request_txn(), path, pathIdx, r->mutable_response_txn());
        break;
      case RequestOp::REQUEST_NOT_SET:
        break;
    }
  }
}

Status KvStore::txn(const etcdserverpb::TxnRequest& req, etcdserverpb::TxnResponse* resp) {
  if (Status s = checkTxnRequest(req, options_.maxTxnOps); !s.ok()) {
    return s;
  }
  std::vector<bool> path;
  compareToPath(req, path);
  for (bool puts : {true, false}) {
    if (puts && isReadOnly(req)) {
      continue;
    }
    size_t idx = 0;
    if (Status s = checkRequests(req, path, idx, puts); !s.ok()) {
      return s;
    }
  }
  {
    size_t idx = 0;
    std::vector<std::string> fromKeyDeletes;
    if (ignorePutAfterFromKeyDelete(req, path, idx, fromKeyDeletes)) {
      return errors::keyNotFound();
    }
  }
  WriteTxn t;
  size_t idx = 0;
  applyTxn(t, req, path, idx, resp);
  const int64_t rev = readRevision(&t);
  endTxn(t);
  resp->mutable_header()->set_revision(rev);
  return {};
}

Status KvStore::compact(const etcdserverpb::CompactionRequest& req,
                        etcdserverpb::CompactionResponse* resp) {
  const int64_t rev = req.revision();
  if (rev <= compactRev_) {
    return errors::compacted();
  }
  if (rev > currentRev_) {
    return errors::futureRev();
  }
  compactRev_ = rev;
  std::vector<Revision> removed;
  for (auto it = index_.begin(); it != index_.end();) {
    it->second.compact(rev, removed);
    it = it->second.empty() ? index_.erase(it) : std::next(it);
  }
  for (const Revision& r : removed) {
    auto it = records_.find(r);
    assert(it != records_.end());
    recordBytes_ -= it->second.key.size() + it->second.value.size();
    records_.erase(it);
  }
  resp->mutable_header()->set_revision(currentRev_);
  return {};
}

Status KvStore::hashKV(const etcdserverpb::HashKVRequest& req,
                       etcdserverpb::HashKVResponse* resp) const {
  int64_t rev = req.revision();
  if (rev > 0 && rev <= compactRev_) {
    return errors::compacted();
  }
  if (rev > currentRev_) {
    return errors::futureRev();
  }
  if (rev <= 0) {
    rev = currentRev_;
  }
  // etcd hashes revisions <= compacted one only if they stay readable at `rev` (keep set);
  // revisions after the compacted one are all hashed.
  std::set<Revision> keep;
  for (const auto& [key, ki] : index_) {
    if (auto r = ki.keep(rev)) {
      keep.insert(*r);
    }
  }
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes("key", 3);
  std::string buf;
  mvccpb::KeyValue kv;
  for (auto it = records_.begin(); it != records_.end() && it->first.main <= rev; ++it) {
    if (it->first.main <= compactRev_ && !keep.empty() && !keep.contains(it->first)) {
      continue;
    }
    const std::string k = revisionBytes(it->first, it->second.tombstone);
    crc.process_bytes(k.data(), k.size());
    kv.Clear();
    if (it->second.tombstone) {
      kv.set_key(it->second.key);
    } else {
      fillKv(it->first, it->second, false, &kv);
    }
    kv.SerializeToString(&buf);
    crc.process_bytes(buf.data(), buf.size());
  }
  resp->set_hash(crc.checksum());
  resp->set_compact_revision(compactRev_);
  resp->mutable_header()->set_revision(currentRev_);
  return {};
}

int64_t KvStore::nextLeaseId() {
  for (;;) {
    const auto id = static_cast<int64_t>(mix(leaseIdSeq_++) & 0x7fffffffffffffffULL);
    if (id != 0 && lessor_.lookup(id) == nullptr) {
      return id;
    }
  }
}

Status KvStore::leaseGrant(const etcdserverpb::LeaseGrantRequest& req, int64_t nowNs,
                           etcdserverpb::LeaseGrantResponse* resp) {
  const int64_t id = req.id() == 0 ? nextLeaseId() : req.id();
  if (Status s = lessor_.grant(id, req.ttl(), nowNs); !s.ok()) {
    return s;
  }
  resp->set_id(id);
  resp->set_ttl(lessor_.lookup(id)->ttlSeconds);
  resp->mutable_header()->set_revision(currentRev_);
  return {};
}

Status KvStore::leaseRevoke(const etcdserverpb::LeaseRevokeRequest& req,
                            etcdserverpb::LeaseRevokeResponse* resp) {
  std::vector<std::string> keys;
  if (Status s = lessor_.revoke(req.id(), &keys); !s.ok()) {
    return s;
  }
  WriteTxn t;
  for (const std::string& key : keys) {
    deleteKeys(t, {key, std::nullopt});
  }
  endTxn(t);
  resp->mutable_header()->set_revision(currentRev_);
  return {};
}

Status KvStore::leaseKeepAlive(const etcdserverpb::LeaseKeepAliveRequest& req, int64_t nowNs,
                               etcdserverpb::LeaseKeepAliveResponse* resp) {
  int64_t ttl = 0;
  Status s = lessor_.renew(req.id(), nowNs, &ttl);
  if (!s.ok() && s != errors::leaseNotFound()) {
    return s;
  }
  resp->set_id(req.id());
  resp->set_ttl(ttl);
  resp->mutable_header()->set_revision(currentRev_);
  return {};
}

Status KvStore::leaseTimeToLive(const etcdserverpb::LeaseTimeToLiveRequest& req, int64_t nowNs,
                                etcdserverpb::LeaseTimeToLiveResponse* resp) const {
  resp->set_id(req.id());
  resp->mutable_header()->set_revision(currentRev_);
  const Lessor::Lease* l = lessor_.lookup(req.id());
  if (l == nullptr) {
    resp->set_ttl(-1);
    return {};
  }
  resp->set_ttl(Lessor::remainingSeconds(*l, nowNs));
  resp->set_grantedttl(l->ttlSeconds);
  if (req.keys()) {
    for (const std::string& k : l->keys) {
      resp->add_keys(k);
    }
  }
  return {};
}

Status KvStore::leaseLeases(const etcdserverpb::LeaseLeasesRequest&,
                            etcdserverpb::LeaseLeasesResponse* resp) const {
  for (const Lessor::Lease* l : lessor_.leases()) {
    resp->add_leases()->set_id(l->id);
  }
  resp->mutable_header()->set_revision(currentRev_);
  return {};
}

std::vector<int64_t> KvStore::expiredLeases(int64_t nowNs, size_t limit) const {
  return lessor_.expired(nowNs, limit);
}

detcd::mvccsnappb::Snapshot KvStore::snapshot() const {
  detcd::mvccsnappb::Snapshot snap;
  snap.set_current_revision(currentRev_);
  snap.set_compact_revision(compactRev_);
  snap.set_lease_id_seq(leaseIdSeq_);
  snap.mutable_records()->Reserve(static_cast<int>(records_.size()));
  for (const auto& [rev, rec] : records_) {
    auto* r = snap.add_records();
    r->set_main(rev.main);
    r->set_sub(rev.sub);
    r->set_tombstone(rec.tombstone);
    r->set_key(rec.key);
    if (!rec.tombstone) {
      r->set_value(rec.value);
      r->set_create_revision(rec.createRevision);
      r->set_version(rec.version);
      r->set_lease(rec.lease);
    }
  }
  for (const Lessor::Lease* l : lessor_.leases()) {
    auto* sl = snap.add_leases();
    sl->set_id(l->id);
    sl->set_ttl_seconds(l->ttlSeconds);
  }
  std::sort(snap.mutable_leases()->begin(), snap.mutable_leases()->end(),
            [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return snap;
}

Status KvStore::restore(const detcd::mvccsnappb::Snapshot& snap) {
  auto bad = [](const std::string& what) {
    return errors::make(StatusCode::kInvalidArgument, "mvcc snapshot: " + what);
  };
  std::map<std::string, KeyIndex, std::less<>> index;
  std::map<Revision, Record> records;
  Revision prev{-1, 0};
  uint64_t recordBytes = 0;
  for (const auto& r : snap.records()) {
    const Revision rev{r.main(), r.sub()};
    if (!(prev < rev) || rev.main > snap.current_revision()) {
      return bad("record revision {" + std::to_string(rev.main) + "," + std::to_string(rev.sub) +
                 "} out of order");
    }
    prev = rev;
    auto it = index.find(r.key());
    if (r.tombstone()) {
      if (it == index.end() || !it->second.live()) {
        return bad("tombstone of key '" + r.key() + "' that is not live");
      }
      it->second.tombstone(rev);
    } else {
      if (it == index.end()) {
        it = index.emplace(r.key(), KeyIndex()).first;
      }
      it->second.restore(Revision{r.create_revision(), 0}, rev, r.version());
    }
    Record& rec = records[rev];
    rec.key = r.key();
    rec.value = r.value();
    rec.createRevision = r.create_revision();
    rec.version = r.version();
    rec.lease = r.lease();
    rec.tombstone = r.tombstone();
    recordBytes += rec.key.size() + rec.value.size();
  }
  lessor_.clear();
  lessor_.demote();
  for (const auto& l : snap.leases()) {
    lessor_.restore(l.id(), l.ttl_seconds());
  }
  index_ = std::move(index);
  records_ = std::move(records);
  recordBytes_ = recordBytes;
  currentRev_ = snap.current_revision();
  compactRev_ = snap.compact_revision();
  leaseIdSeq_ = snap.lease_id_seq();
  for (const auto& [key, ki] : index_) {
    if (auto found = ki.get(currentRev_)) {
      const Record& rec = records_.at(found->modified);
      if (rec.lease != 0 && lessor_.lookup(rec.lease) != nullptr) {
        lessor_.attach(rec.lease, key);
      }
    }
  }
  return {};
}

}  // namespace detcd::mvcc

#include "mvcc/tests/ReferenceModel.h"

#include <algorithm>
#include <vector>

#include "mvcc/RequestChecks.h"

namespace detcd::mvcc::testutil {

using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;

bool ReferenceModel::inRange(const std::string& k, const std::string& key, const std::string& end) {
  if (end.empty()) {
    return k == key;
  }
  if (end == std::string(1, '\0')) {
    return k >= key;
  }
  return k >= key && k < end;
}

std::set<std::string> ReferenceModel::keysIn(const std::string& key, const std::string& end) const {
  std::set<std::string> out;
  for (const auto& [k, h] : history_) {
    if (inRange(k, key, end)) {
      out.insert(k);
    }
  }
  return out;
}

std::optional<ReferenceModel::Kv> ReferenceModel::at(const std::string& key, int64_t rev,
                                                     const Staged* st) const {
  if (st != nullptr) {
    auto it = st->writes.find(key);
    if (it != st->writes.end()) {
      return it->second;
    }
  }
  auto h = history_.find(key);
  if (h == history_.end()) {
    return std::nullopt;
  }
  auto it = h->second.upper_bound(rev);
  if (it == h->second.begin()) {
    return std::nullopt;
  }
  return std::prev(it)->second;
}

void ReferenceModel::toProto(const std::string& key, const Kv& kv, mvccpb::KeyValue* out) {
  out->set_key(key);
  out->set_value(kv.value);
  out->set_create_revision(kv.create);
  out->set_mod_revision(kv.mod);
  out->set_version(kv.version);
  out->set_lease(kv.lease);
}

Status ReferenceModel::doRange(const RangeRequest& req, const Staged* st,
                               etcdserverpb::RangeResponse* resp) const {
  const bool staged = st != nullptr && !st->writes.empty();
  const int64_t cur = rev_ + (staged ? 1 : 0);
  if (req.revision() > cur) {
    return errors::futureRev();
  }
  const int64_t rev = req.revision() <= 0 ? cur : req.revision();
  if (rev < compacted_) {
    return errors::compacted();
  }
  const Staged* overlay = rev == cur ? st : nullptr;
  std::set<std::string> keys = keysIn(req.key(), req.range_end());
  if (overlay != nullptr) {
    for (const auto& [k, v] : overlay->writes) {
      if (inRange(k, req.key(), req.range_end())) {
        keys.insert(k);
      }
    }
  }
  std::vector<mvccpb::KeyValue> all;
  for (const std::string& k : keys) {
    if (auto kv = at(k, rev, overlay)) {
      toProto(k, *kv, &all.emplace_back());
    }
  }
  resp->set_count(static_cast<int64_t>(all.size()));
  resp->mutable_header()->set_revision(cur);
  if (req.count_only()) {
    return {};
  }
  const bool filtered = req.min_mod_revision() != 0 || req.max_mod_revision() != 0 ||
                        req.min_create_revision() != 0 || req.max_create_revision() != 0;
  if (req.sort_order() == RangeRequest::NONE && !filtered && req.limit() > 0 &&
      static_cast<int64_t>(all.size()) > req.limit() + 1) {
    // etcd quirk: with no explicit sort order the store reads only limit + 1 keys (in key
    // order) before the default ascending sort of a non-key target is applied.
    all.resize(static_cast<size_t>(req.limit() + 1));
  }
  std::vector<mvccpb::KeyValue> kept;
  for (auto& kv : all) {
    if (req.min_mod_revision() != 0 && kv.mod_revision() < req.min_mod_revision()) continue;
    if (req.max_mod_revision() != 0 && kv.mod_revision() > req.max_mod_revision()) continue;
    if (req.min_create_revision() != 0 && kv.create_revision() < req.min_create_revision()) {
      continue;
    }
    if (req.max_create_revision() != 0 && kv.create_revision() > req.max_create_revision()) {
      continue;
    }
    kept.push_back(kv);
  }
  auto key = [&](const mvccpb::KeyValue& kv) -> std::string {
    switch (req.sort_target()) {
      case RangeRequest::VERSION:
        return std::to_string(1'000'000'000 + kv.version());
      case RangeRequest::CREATE:
        return std::to_string(1'000'000'000 + kv.create_revision());
      case RangeRequest::MOD:
        return std::to_string(1'000'000'000 + kv.mod_revision());
      case RangeRequest::VALUE:
        return kv.value();
      default:
        return kv.key();
    }
  };
  RangeRequest::SortOrder order = req.sort_order();
  if (order == RangeRequest::NONE && req.sort_target() != RangeRequest::KEY) {
    order = RangeRequest::ASCEND;
  }
  if (order != RangeRequest::NONE) {
    std::stable_sort(kept.begin(), kept.end(), [&](const auto& a, const auto& b) {
      return order == RangeRequest::ASCEND ? key(a) < key(b) : key(b) < key(a);
    });
  }
  if (req.limit() > 0 && static_cast<int64_t>(kept.size()) > req.limit()) {
    kept.resize(static_cast<size_t>(req.limit()));
    resp->set_more(true);
  }
  for (auto& kv : kept) {
    if (req.keys_only()) {
      kv.clear_value();
    }
    *resp->add_kvs() = kv;
  }
  return {};
}

Status ReferenceModel::range(const RangeRequest& req, etcdserverpb::RangeResponse* resp) const {
  if (Status s = checkRangeRequest(req); !s.ok()) {
    return s;
  }
  return doRange(req, nullptr, resp);
}

Status ReferenceModel::doPut(const etcdserverpb::PutRequest& req, Staged& st,
                             etcdserverpb::PutResponse* resp) {
  const auto prev = at(req.key(), rev_, &st);
  if ((req.ignore_value() || req.ignore_lease()) && !prev) {
    return errors::keyNotFound();
  }
  Kv kv;
  kv.value = req.ignore_value() ? prev->value : req.value();
  kv.lease = req.ignore_lease() ? prev->lease : req.lease();
  kv.mod = rev_ + 1;
  kv.create = prev ? prev->create : rev_ + 1;
  kv.version = prev ? prev->version + 1 : 1;
  if (req.prev_kv() && prev) {
    toProto(req.key(), *prev, resp->mutable_prev_kv());
  }
  if (prev && prev->lease != 0 && leases_.contains(prev->lease)) {
    leases_.at(prev->lease).erase(req.key());
  }
  if (kv.lease != 0) {
    leases_.at(kv.lease).insert(req.key());
  }
  st.writes[req.key()] = kv;
  resp->mutable_header()->set_revision(rev_ + 1);
  return {};
}

Status ReferenceModel::put(const etcdserverpb::PutRequest& req, etcdserverpb::PutResponse* resp) {
  if (Status s = checkPutRequest(req); !s.ok()) {
    return s;
  }
  if (req.lease() != 0 && !leases_.contains(req.lease())) {
    return errors::leaseNotFound();
  }
  Staged st;
  if (Status s = doPut(req, st, resp); !s.ok()) {
    return s;
  }
  commit(st);
  return {};
}

void ReferenceModel::doDelete(const etcdserverpb::DeleteRangeRequest& req, Staged& st,
                              etcdserverpb::DeleteRangeResponse* resp) {
  std::set<std::string> keys = keysIn(req.key(), req.range_end());
  for (const auto& [k, v] : st.writes) {
    if (inRange(k, req.key(), req.range_end())) {
      keys.insert(k);
    }
  }
  int64_t n = 0;
  for (const std::string& k : keys) {
    auto prev = at(k, rev_, &st);
    if (!prev) {
      continue;
    }
    if (req.prev_kv()) {
      toProto(k, *prev, resp->add_prev_kvs());
    }
    if (prev->lease != 0 && leases_.contains(prev->lease)) {
      leases_.at(prev->lease).erase(k);
    }
    st.writes[k] = std::nullopt;
    ++n;
  }
  resp->set_deleted(n);
  resp->mutable_header()->set_revision(rev_ + (st.writes.empty() ? 0 : 1));
}

Status ReferenceModel::deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                                   etcdserverpb::DeleteRangeResponse* resp) {
  if (Status s = checkDeleteRequest(req); !s.ok()) {
    return s;
  }
  Staged st;
  doDelete(req, st, resp);
  commit(st);
  return {};
}

bool ReferenceModel::compare(const etcdserverpb::Compare& c) const {
  using etcdserverpb::Compare;
  std::vector<std::optional<Kv>> kvs;
  for (const std::string& k : keysIn(c.key(), c.range_end())) {
    if (auto kv = at(k, rev_, nullptr)) {
      kvs.push_back(kv);
    }
  }
  if (kvs.empty()) {
    if (c.target() == Compare::VALUE) {
      return false;
    }
    kvs.push_back(Kv{});
  }
  for (const auto& kv : kvs) {
    int cmp = 0;
    auto three = [](auto a, auto b) { return a < b ? -1 : (a > b ? 1 : 0); };
    switch (c.target()) {
      case Compare::VERSION:
        cmp = three(kv->version, c.version());
        break;
      case Compare::CREATE:
        cmp = three(kv->create, c.create_revision());
        break;
      case Compare::MOD:
        cmp = three(kv->mod, c.mod_revision());
        break;
      case Compare::VALUE:
        cmp = three(kv->value, c.value());
        break;
      case Compare::LEASE:
        cmp = three(kv->lease, c.lease());
        break;
      default:
        break;
    }
    bool ok = true;
    switch (c.result()) {
      case Compare::EQUAL:
        ok = cmp == 0;
        break;
      case Compare::NOT_EQUAL:
        ok = cmp != 0;
        break;
      case Compare::GREATER:
        ok = cmp > 0;
        break;
      case Compare::LESS:
        ok = cmp < 0;
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

Status ReferenceModel::precheck(const etcdserverpb::TxnRequest& req) const {
  // Puts of every chosen branch first, then ranges (etcd's order of checks).
  std::vector<const RequestOp*> chosen;
  auto collect = [&](auto&& self, const etcdserverpb::TxnRequest& t) -> void {
    const bool ok = std::all_of(t.compare().begin(), t.compare().end(),
                                [&](const auto& c) { return compare(c); });
    for (const RequestOp& op : ok ? t.success() : t.failure()) {
      if (op.has_request_txn()) {
        self(self, op.request_txn());
      } else {
        chosen.push_back(&op);
      }
    }
  };
  collect(collect, req);
  for (const RequestOp* op : chosen) {
    if (!op->has_request_put()) {
      continue;
    }
    const auto& p = op->request_put();
    if ((p.ignore_value() || p.ignore_lease()) && !at(p.key(), rev_, nullptr)) {
      return errors::keyNotFound();
    }
    if (p.lease() != 0 && !leases_.contains(p.lease())) {
      return errors::leaseNotFound();
    }
  }
  for (const RequestOp* op : chosen) {
    if (op->has_request_range()) {
      const int64_t r = op->request_range().revision();
      if (r != 0 && r > rev_) {
        return errors::futureRev();
      }
      if (r != 0 && r < compacted_) {
        return errors::compacted();
      }
    }
  }
  return {};
}

bool ReferenceModel::doTxn(const etcdserverpb::TxnRequest& req, Staged& st,
                           etcdserverpb::TxnResponse* resp) {
  bool applied = true;
  // Compares read the committed state only, so evaluating them here equals etcd's
  // evaluation of every compare before the first write.
  const bool ok = std::all_of(req.compare().begin(), req.compare().end(),
                              [&](const auto& c) { return compare(c); });
  resp->set_succeeded(ok);
  resp->mutable_header();
  for (const RequestOp& op : ok ? req.success() : req.failure()) {
    auto* r = resp->add_responses();
    if (op.has_request_range()) {
      Status s = doRange(op.request_range(), &st, r->mutable_response_range());
      (void)s;
    } else if (op.has_request_put()) {
      applied = doPut(op.request_put(), st, r->mutable_response_put()).ok() && applied;
    } else if (op.has_request_delete_range()) {
      doDelete(op.request_delete_range(), st, r->mutable_response_delete_range());
    } else if (op.has_request_txn()) {
      applied = doTxn(op.request_txn(), st, r->mutable_response_txn()) && applied;
    }
  }
  return applied;
}

Status ReferenceModel::txn(const etcdserverpb::TxnRequest& req, etcdserverpb::TxnResponse* resp) {
  if (Status s = checkTxnRequest(req, 128); !s.ok()) {
    return s;
  }
  if (Status s = precheck(req); !s.ok()) {
    return s;
  }
  {
    // A put that cannot run where it stands (ignore_value after a delete of its key in the
    // same Txn) rejects the whole Txn before anything changes.
    ReferenceModel trial = *this;
    Staged scratch;
    etcdserverpb::TxnResponse ignored;
    if (!trial.doTxn(req, scratch, &ignored)) {
      return errors::keyNotFound();
    }
  }
  Staged st;
  doTxn(req, st, resp);
  resp->mutable_header()->set_revision(rev_ + (st.writes.empty() ? 0 : 1));
  commit(st);
  return {};
}

Status ReferenceModel::compact(const etcdserverpb::CompactionRequest& req,
                               etcdserverpb::CompactionResponse* resp) {
  if (req.revision() <= compacted_) {
    return errors::compacted();
  }
  if (req.revision() > rev_) {
    return errors::futureRev();
  }
  compacted_ = req.revision();
  resp->mutable_header()->set_revision(rev_);
  return {};
}

Status ReferenceModel::leaseGrant(int64_t id) {
  if (leases_.contains(id)) {
    return errors::leaseExists();
  }
  leases_[id];
  return {};
}

Status ReferenceModel::leaseRevoke(int64_t id, etcdserverpb::LeaseRevokeResponse* resp) {
  auto it = leases_.find(id);
  if (it == leases_.end()) {
    return errors::leaseNotFound();
  }
  Staged st;
  for (const std::string& k : it->second) {
    st.writes[k] = std::nullopt;
  }
  leases_.erase(it);
  commit(st);
  resp->mutable_header()->set_revision(rev_);
  return {};
}

void ReferenceModel::commit(Staged& st) {
  if (st.writes.empty()) {
    return;
  }
  ++rev_;
  for (auto& [k, v] : st.writes) {
    history_[k][rev_] = v;
  }
}

}  // namespace detcd::mvcc::testutil

#include "mvcc/RequestChecks.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace detcd::mvcc {
namespace {

using etcdserverpb::RequestOp;
using Ops = google::protobuf::RepeatedPtrField<RequestOp>;

/// A deleted key interval as etcd's duplicate check sees it: [begin, end) compared as byte
/// strings, or the single key `begin` when `end` is empty. etcd compares the raw range_end,
/// so a from-key delete ("\0") covers no key here, exactly as in etcd 3.4.
struct DeletedInterval {
  std::string begin;
  std::string end;

  bool covers(const std::string& key) const {
    if (end.empty()) {
      return key == begin;
    }
    return begin <= key && key < end;
  }
};

struct Writes {
  std::set<std::string> puts;
  std::vector<DeletedInterval> dels;

  bool deleted(const std::string& key) const {
    return std::any_of(dels.begin(), dels.end(),
                       [&](const DeletedInterval& d) { return d.covers(key); });
  }
};

Status checkIntervals(const Ops& reqs, Writes& out) {
  for (const RequestOp& req : reqs) {
    if (req.has_request_delete_range()) {
      const auto& d = req.request_delete_range();
      out.dels.push_back({d.key(), d.range_end()});
    }
  }
  for (const RequestOp& req : reqs) {
    if (!req.has_request_txn()) {
      continue;
    }
    Writes thenW;
    Writes elseW;
    if (Status s = checkIntervals(req.request_txn().success(), thenW); !s.ok()) {
      return s;
    }
    if (Status s = checkIntervals(req.request_txn().failure(), elseW); !s.ok()) {
      return s;
    }
    for (const std::string& k : thenW.puts) {
      if (out.puts.contains(k) || out.deleted(k)) {
        return errors::duplicateKey();
      }
      out.puts.insert(k);
    }
    for (const std::string& k : elseW.puts) {
      if (out.puts.contains(k) && !thenW.puts.contains(k)) {
        return errors::duplicateKey();
      }
      if (out.deleted(k)) {
        return errors::duplicateKey();
      }
      out.puts.insert(k);
    }
    out.dels.insert(out.dels.end(), thenW.dels.begin(), thenW.dels.end());
    out.dels.insert(out.dels.end(), elseW.dels.begin(), elseW.dels.end());
  }
  for (const RequestOp& req : reqs) {
    if (!req.has_request_put()) {
      continue;
    }
    const std::string& k = req.request_put().key();
    if (out.puts.contains(k) || out.deleted(k)) {
      return errors::duplicateKey();
    }
    out.puts.insert(k);
  }
  return {};
}

Status checkTxnShape(const etcdserverpb::TxnRequest& r, int maxTxnOps);

Status checkRequestOp(const RequestOp& op, int maxTxnOps) {
  switch (op.request_case()) {
    case RequestOp::kRequestRange:
      return checkRangeRequest(op.request_range());
    case RequestOp::kRequestPut:
      return checkPutRequest(op.request_put());
    case RequestOp::kRequestDeleteRange:
      return checkDeleteRequest(op.request_delete_range());
    case RequestOp::kRequestTxn:
      return checkTxnShape(op.request_txn(), maxTxnOps);
    case RequestOp::REQUEST_NOT_SET:
      break;
  }
  return errors::keyNotFound();
}

Status checkTxnShape(const etcdserverpb::TxnRequest& r, int maxTxnOps) {
  const int opc = std::max({r.compare_size(), r.success_size(), r.failure_size()});
  if (opc > maxTxnOps) {
    return errors::tooManyOps();
  }
  for (const auto& c : r.compare()) {
    if (c.key().empty()) {
      return errors::emptyKey();
    }
  }
  for (const Ops* ops : {&r.success(), &r.failure()}) {
    for (const RequestOp& op : *ops) {
      if (Status s = checkRequestOp(op, maxTxnOps - opc); !s.ok()) {
        return s;
      }
    }
  }
  return {};
}

}  // namespace

Status checkRangeRequest(const etcdserverpb::RangeRequest& r) {
  return r.key().empty() ? errors::emptyKey() : Status{};
}

Status checkPutRequest(const etcdserverpb::PutRequest& r) {
  if (r.key().empty()) {
    return errors::emptyKey();
  }
  if (r.ignore_value() && !r.value().empty()) {
    return errors::valueProvided();
  }
  if (r.ignore_lease() && r.lease() != 0) {
    return errors::leaseProvided();
  }
  return {};
}

Status checkDeleteRequest(const etcdserverpb::DeleteRangeRequest& r) {
  return r.key().empty() ? errors::emptyKey() : Status{};
}

Status checkTxnRequest(const etcdserverpb::TxnRequest& r, int maxTxnOps) {
  if (Status s = checkTxnShape(r, maxTxnOps); !s.ok()) {
    return s;
  }
  for (const Ops* ops : {&r.success(), &r.failure()}) {
    Writes w;
    if (Status s = checkIntervals(*ops, w); !s.ok()) {
      return s;
    }
  }
  return {};
}

}  // namespace detcd::mvcc

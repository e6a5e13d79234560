#pragma once
// A small etcd reference for single-key Put / Range / DeleteRange and leases, written
// independently of checkers/EtcdModel: the global revision, create and mod
// revision, version. Used by the property tests and the benchmark to produce
// responses for generated histories.

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "checkers/History.h"

namespace detcd::checkers {

/// Single-key etcd semantics with leases (grant with a chosen ID, keep-alive, revoke deleting
/// the attached keys, put with a lease); copyable (the brute-force oracle copies it).
struct EtcdReference {
  int64_t revision = 1;
  std::map<std::string, KeyValue> keys;
  std::set<int64_t> leases;

  /// Executes the request; the response etcd would give (an error in `error`).
  EtcdResponse apply(const EtcdRequest& r) {
    EtcdResponse out;
    const std::string notFound = "etcdserver: requested lease not found";
    switch (r.kind) {
      case EtcdRequest::Kind::kLeaseGrant:
        leases.insert(r.leaseId);
        out.leaseId = r.leaseId;
        break;
      case EtcdRequest::Kind::kLeaseKeepAlive:
        if (!leases.contains(r.leaseId)) out.error = notFound;
        break;
      case EtcdRequest::Kind::kLeaseRevoke: {
        if (!leases.erase(r.leaseId)) {
          out.error = notFound;
          break;
        }
        bool deleted = std::erase_if(keys, [&](const auto& kv) {
                         return kv.second.lease == r.leaseId;
                       }) > 0;
        revision += deleted ? 1 : 0;
        break;
      }
      default: {
        const RequestOp& op = r.op;
        ResponseOp resp;
        auto it = keys.find(op.key);
        if (op.kind == RequestOp::Kind::kPut) {
          if (op.lease != 0 && !leases.contains(op.lease)) {
            out.error = notFound;
            return out;
          }
          KeyValue kv{op.key, op.value, revision + 1, revision + 1, 1, op.lease};
          if (it != keys.end()) {
            kv.createRevision = it->second.createRevision;
            kv.version = it->second.version + 1;
          }
          keys[op.key] = kv;
          ++revision;
        } else if (op.kind == RequestOp::Kind::kRange) {
          resp.kvs.emplace();
          if (it != keys.end()) resp.kvs->push_back(it->second);
        } else {
          resp.deleted = it != keys.end() ? 1 : 0;
          if (it != keys.end()) {
            keys.erase(it);
            ++revision;
          }
        }
        out.responses.push_back(resp);
      }
    }
    if (out.error.empty()) out.revision = revision;
    return out;
  }

  /// Applies `op`; false if its observed outcome differs.
  bool check(const Operation& op) {
    EtcdResponse model = apply(op.etcd->request);
    const EtcdResponse& seen = op.etcd->response;
    if (op.outcome == Outcome::kInfo) return true;
    if (op.outcome == Outcome::kFail) return model.error == seen.error;
    if (!model.error.empty() || seen.revision != model.revision) return false;
    if (seen.leaseId && seen.leaseId != model.leaseId) return false;
    if (seen.responses.empty()) return true;
    const ResponseOp& a = seen.responses.at(0);
    const ResponseOp& b = model.responses.at(0);
    return (!a.kvs || a.kvs == b.kvs) && (!a.deleted || a.deleted == b.deleted);
  }
};

}  // namespace detcd::checkers

#pragma once
// A small etcd reference for single-key Put / Range / DeleteRange, written
// independently of checkers/EtcdModel: the global revision, create and mod
// revision, version. Used by the property tests and the benchmark to produce
// responses for generated histories.

#include <map>
#include <string>

#include "checkers/History.h"

namespace detcd::checkers {

/// Single-key etcd semantics; copyable (the brute-force oracle copies it).
struct EtcdReference {
  int64_t revision = 1;
  std::map<std::string, KeyValue> keys;

  /// Executes the request; returns the response etcd would give.
  EtcdResponse apply(const EtcdRequest& r) {
    EtcdResponse out;
    ResponseOp resp;
    const RequestOp& op = r.op;
    auto it = keys.find(op.key);
    if (op.kind == RequestOp::Kind::kPut) {
      KeyValue kv{op.key, op.value, revision + 1, revision + 1, 1, 0};
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
    out.revision = revision;
    out.responses.push_back(resp);
    return out;
  }

  /// Applies `op`; false if its observed response differs.
  bool check(const Operation& op) {
    EtcdResponse model = apply(op.etcd->request);
    if (op.outcome != Outcome::kOk) return true;
    const EtcdResponse& seen = op.etcd->response;
    if (seen.revision != model.revision) return false;
    const ResponseOp& a = seen.responses.at(0);
    const ResponseOp& b = model.responses.at(0);
    return (!a.kvs || a.kvs == b.kvs) && (!a.deleted || a.deleted == b.deleted);
  }
};

}  // namespace detcd::checkers

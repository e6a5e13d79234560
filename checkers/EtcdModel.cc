#include "checkers/EtcdModel.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <stdexcept>

#include "checkers/FlatMap.h"
#include "checkers/RegisterModel.h"

namespace detcd::checkers {

namespace {

// One entry of the key space's change log, newest first, shared between
// states (a persistent list): reads at past revisions walk it.
struct Change {
  int64_t revision;
  std::string key;
  std::optional<KeyValue> kv;  // nullopt = deleted (tombstone)
  std::shared_ptr<const Change> older;
};

struct EtcdState {
  int64_t revision = 1;  // a fresh etcd cluster reports revision 1
  int64_t compactRevision = 0;
  std::map<std::string, KeyValue> keys;
  std::map<int64_t, int64_t> leases;  // lease ID -> granted TTL (seconds)
  std::shared_ptr<const Change> log;
  uint64_t logHash = 0;  // incremental hash of the log

  bool operator==(const EtcdState& o) const {
    if (revision != o.revision || compactRevision != o.compactRevision ||
        logHash != o.logHash || keys != o.keys || leases != o.leases) {
      return false;
    }
    const Change* a = log.get();
    const Change* b = o.log.get();
    while (a != b) {
      if (a == nullptr || b == nullptr || a->revision != b->revision || a->key != b->key ||
          a->kv != b->kv) {
        return false;
      }
      a = a->older.get();
      b = b->older.get();
    }
    return true;
  }
};

struct EtcdStateHash {
  size_t operator()(const EtcdState& s) const {
    uint64_t h = s.logHash ^ mix64(static_cast<uint64_t>(s.revision) * 31 +
                                 static_cast<uint64_t>(s.compactRevision));
    for (const auto& [id, ttl] : s.leases) h = mix64(h ^ static_cast<uint64_t>(id));
    return h;
  }
};

// Executes requests on a state copy; `rev` is the revision writes get.
class Executor {
 public:
  explicit Executor(EtcdState& s) : s_(s), writeRev_(s.revision + 1) {}

  EtcdError run(const RequestOp& op, ResponseOp& out) {
    switch (op.kind) {
      case RequestOp::Kind::kRange: return range(op, out);
      case RequestOp::Kind::kPut: return put(op, out);
      case RequestOp::Kind::kDeleteRange: deleteRange(op, out); return EtcdError::kNone;
    }
    return EtcdError::kNone;
  }

  bool compare(const Compare& c) const {
    auto it = s_.keys.find(c.key);
    const KeyValue* kv = it == s_.keys.end() ? nullptr : &it->second;
    int cmp = 0;
    if (c.target == Compare::Target::kValue) {
      std::string v = kv ? kv->value : "";
      cmp = v < c.value ? -1 : v > c.value ? 1 : 0;
    } else {
      int64_t n = 0;
      if (kv) {
        switch (c.target) {
          case Compare::Target::kVersion: n = kv->version; break;
          case Compare::Target::kCreate: n = kv->createRevision; break;
          case Compare::Target::kMod: n = kv->modRevision; break;
          case Compare::Target::kLease: n = kv->lease; break;
          case Compare::Target::kValue: break;
        }
      }
      cmp = n < c.number ? -1 : n > c.number ? 1 : 0;
    }
    switch (c.result) {
      case Compare::Result::kEqual: return cmp == 0;
      case Compare::Result::kNotEqual: return cmp != 0;
      case Compare::Result::kGreater: return cmp > 0;
      case Compare::Result::kLess: return cmp < 0;
    }
    return false;
  }

  EtcdError revokeLease(int64_t id) {
    if (!s_.leases.contains(id)) return EtcdError::kLeaseNotFound;
    s_.leases.erase(id);
    for (auto it = s_.keys.begin(); it != s_.keys.end();) {
      if (it->second.lease == id) {
        record(it->first, std::nullopt);
        it = s_.keys.erase(it);
      } else {
        ++it;
      }
    }
    return EtcdError::kNone;
  }

  /// Ends the request: the revision rises once if anything was written.
  void finish() {
    if (wrote_) s_.revision = writeRev_;
  }

 private:
  EtcdError range(const RequestOp& op, ResponseOp& out) const {
    if (op.revision > s_.revision) return EtcdError::kFutureRevision;
    if (op.revision > 0 && op.revision < s_.compactRevision) return EtcdError::kCompacted;
    std::vector<KeyValue> kvs;
    if (op.revision == 0 || op.revision >= s_.revision) {
      // From the range's first key on, keys stay in range up to the first that is not.
      for (auto it = s_.keys.lower_bound(op.key);
           it != s_.keys.end() && inKeyRange(it->first, op.key, op.rangeEnd); ++it) {
        kvs.push_back(it->second);
      }
    } else {
      std::map<std::string, std::optional<KeyValue>> seen;  // newest change <= revision per key
      for (const Change* c = s_.log.get(); c != nullptr; c = c->older.get()) {
        if (c->revision <= op.revision && inKeyRange(c->key, op.key, op.rangeEnd)) {
          seen.try_emplace(c->key, c->kv);
        }
      }
      for (auto& [k, kv] : seen) {
        if (kv) kvs.push_back(*kv);
      }
    }
    out.count = static_cast<int64_t>(kvs.size());
    out.more = op.limit > 0 && static_cast<int64_t>(kvs.size()) > op.limit;
    if (*out.more) kvs.resize(static_cast<size_t>(op.limit));
    if (op.keysOnly) {
      for (KeyValue& kv : kvs) kv.value.clear();
    }
    if (op.countOnly) kvs.clear();
    out.kvs = std::move(kvs);
    return EtcdError::kNone;
  }

  EtcdError put(const RequestOp& op, ResponseOp& out) {
    if (op.lease != 0 && !s_.leases.contains(op.lease)) return EtcdError::kLeaseNotFound;
    KeyValue kv;
    kv.key = op.key;
    kv.value = op.value;
    kv.lease = op.lease;
    kv.modRevision = writeRev_;
    out.prevKvs.emplace();
    auto it = s_.keys.find(op.key);
    if (it != s_.keys.end()) {
      if (op.prevKv) out.prevKvs->push_back(it->second);
      kv.createRevision = it->second.createRevision;
      kv.version = it->second.version + 1;
    } else {
      kv.createRevision = writeRev_;
      kv.version = 1;
    }
    record(op.key, kv);
    s_.keys[op.key] = std::move(kv);
    return EtcdError::kNone;
  }

  void deleteRange(const RequestOp& op, ResponseOp& out) {
    out.prevKvs.emplace();
    int64_t deleted = 0;
    for (auto it = s_.keys.lower_bound(op.key);
         it != s_.keys.end() && inKeyRange(it->first, op.key, op.rangeEnd);) {
      if (op.prevKv) out.prevKvs->push_back(it->second);
      record(it->first, std::nullopt);
      it = s_.keys.erase(it);
      ++deleted;
    }
    out.deleted = deleted;
  }

  void record(const std::string& key, std::optional<KeyValue> kv) {
    wrote_ = true;
    uint64_t h = mix64(static_cast<uint64_t>(writeRev_)) ^ std::hash<std::string>()(key);
    if (kv) h ^= mix64(std::hash<std::string>()(kv->value) + static_cast<uint64_t>(kv->lease));
    s_.logHash = mix64(s_.logHash ^ h);
    s_.log = std::make_shared<const Change>(Change{writeRev_, key, std::move(kv), s_.log});
  }

  EtcdState& s_;
  int64_t writeRev_;
  bool wrote_ = false;
};

// Observed fields must equal the model's; fields the client did not record
// (nullopt) are not checked.
bool matches(const ResponseOp& seen, const ResponseOp& model) {
  if (seen.kvs && seen.kvs != model.kvs) return false;
  if (seen.count && seen.count != model.count) return false;
  if (seen.more && seen.more != model.more) return false;
  if (seen.deleted && seen.deleted != model.deleted) return false;
  if (seen.prevKvs && seen.prevKvs != model.prevKvs) return false;
  return true;
}

// Whether `ops` (one request, or one Txn branch) certainly raised the
// revision, judged from what the client saw: a put always writes; a delete
// only when the response shows it deleted something (`seen`: the responses,
// aligned with `ops`, or empty when not observed).
bool certainlyWrites(const std::vector<RequestOp>& ops, const std::vector<ResponseOp>& seen) {
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == RequestOp::Kind::kPut) return true;
    if (ops[i].kind != RequestOp::Kind::kDeleteRange || seen.size() != ops.size()) continue;
    const ResponseOp& r = seen[i];
    if ((r.deleted && *r.deleted > 0) || (r.prevKvs && !r.prevKvs->empty())) return true;
  }
  return false;
}

// The highest revision a state may have for `op` to still be applied with
// the result its client saw: an ok response's header revision R is the
// revision after the request, so the state before it is at R, or at R - 1
// when it certainly wrote (ModelInstance::progressBound). Unbounded for ops
// without an observed revision.
int64_t revisionBound(const Operation& op) {
  if (op.outcome != Outcome::kOk || !op.etcd->response.revision) return ModelInstance::kNoBound;
  const EtcdRequest& r = op.etcd->request;
  const EtcdResponse& seen = op.etcd->response;
  bool writes = false;
  if (r.kind == EtcdRequest::Kind::kRequestOp) {
    writes = certainlyWrites({r.op}, seen.responses);
  } else if (r.kind == EtcdRequest::Kind::kTxn) {
    if (seen.succeeded) {
      writes = certainlyWrites(*seen.succeeded ? r.success : r.failure, seen.responses);
    } else {
      writes = certainlyWrites(r.success, {}) && certainlyWrites(r.failure, {});
    }
  }
  return *seen.revision - (writes ? 1 : 0);
}

// The leases an ok `op` found alive (else it would have failed with "lease
// not found"): the lease of a keep-alive or a revoke, and of every put it
// certainly ran (a Txn's branch is known from `succeeded`; without it, only
// leases both branches put with).
std::vector<int64_t> leasesNeeded(const Operation& op) {
  const EtcdRequest& r = op.etcd->request;
  auto putLeases = [](const std::vector<RequestOp>& ops) {
    std::vector<int64_t> out;
    for (const RequestOp& o : ops) {
      if (o.kind == RequestOp::Kind::kPut && o.lease != 0) out.push_back(o.lease);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  switch (r.kind) {
    case EtcdRequest::Kind::kLeaseKeepAlive:
    case EtcdRequest::Kind::kLeaseRevoke: return {r.leaseId};
    case EtcdRequest::Kind::kRequestOp: return putLeases({r.op});
    case EtcdRequest::Kind::kTxn: {
      const std::optional<bool>& succeeded = op.etcd->response.succeeded;
      if (succeeded) return putLeases(*succeeded ? r.success : r.failure);
      std::vector<int64_t> a = putLeases(r.success), b = putLeases(r.failure), both;
      std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
      return both;
    }
    case EtcdRequest::Kind::kLeaseGrant:
    case EtcdRequest::Kind::kCompact: return {};
  }
  return {};
}

// Every lease `op` names (any outcome): a grant's (requested or granted) ID,
// a keep-alive's or revoke's lease, and the lease of any put it may run. Only
// these ops can tell whether a lease exists (the model has no lease listing).
std::vector<int64_t> leasesNamed(const Operation& op) {
  const EtcdRequest& r = op.etcd->request;
  std::vector<int64_t> out;
  auto puts = [&](const std::vector<RequestOp>& ops) {
    for (const RequestOp& o : ops) {
      if (o.kind == RequestOp::Kind::kPut && o.lease != 0) out.push_back(o.lease);
    }
  };
  switch (r.kind) {
    case EtcdRequest::Kind::kLeaseGrant:
      if (r.leaseId != 0) out.push_back(r.leaseId);
      if (op.etcd->response.leaseId) out.push_back(*op.etcd->response.leaseId);
      break;
    case EtcdRequest::Kind::kLeaseKeepAlive:
    case EtcdRequest::Kind::kLeaseRevoke: out.push_back(r.leaseId); break;
    case EtcdRequest::Kind::kRequestOp: puts({r.op}); break;
    case EtcdRequest::Kind::kTxn:
      puts(r.success);
      puts(r.failure);
      break;
    case EtcdRequest::Kind::kCompact: break;
  }
  return out;
}

class EtcdInstance : public ModelInstance {
 public:
  void prepare(const std::vector<Operation>& ops) override {
    ops_ = &ops;
    bounds_.clear();
    for (const Operation& op : ops) bounds_.push_back(revisionBound(op));
    orderLeaseRevokes(ops);
    collectObservations(ops);
  }

  bool contradicted(uint32_t state) override {
    if (state >= contradicted_.size()) contradicted_.resize(state + 1, -1);
    if (contradicted_[state] < 0) contradicted_[state] = contradicts(states_.get(state)) ? 1 : 0;
    return contradicted_[state] != 0;
  }

  uint32_t initialState() override { return states_.intern(EtcdState{}); }

  uint32_t step(uint32_t state, uint32_t i) override {
    return transitions_.transition(state, i, [&] { return compute(state, (*ops_)[i]); });
  }

  /// The revision never goes down, and an op that observed revision v needs v or v - 1 before
  /// it (v - 1 when it wrote): once the state is past v, nothing brings it back.
  bool canStillFit(uint32_t state, uint32_t i) override {
    const Operation& op = (*ops_)[i];
    if (op.outcome != Outcome::kOk || !op.etcd->response.revision) return true;
    return states_.get(state).revision <= *op.etcd->response.revision;
  }
  bool prunesReads() const override { return true; }
  bool prunesWrites() const override { return true; }
  bool resets(uint32_t /*op*/) override { return false; }

  int64_t progress(uint32_t state) const override { return states_.get(state).revision; }

  int64_t progressBound(uint32_t op) const override { return bounds_[op]; }

  std::optional<std::vector<uint32_t>> observers(uint32_t op) const override {
    const Operation& o = (*ops_)[op];
    if (o.etcd->request.kind != EtcdRequest::Kind::kLeaseRevoke) return std::nullopt;
    auto it = namers_.find(o.etcd->request.leaseId);
    return it == namers_.end() ? std::vector<uint32_t>{} : it->second;
  }

  std::vector<uint32_t> predecessors(uint32_t op) const override {
    auto it = predecessors_.find(op);
    return it == predecessors_.end() ? std::vector<uint32_t>{} : it->second;
  }

  size_t bytes() const override {
    // Each state holds its key map; the change log is shared between states.
    return states_.bytes() * 4 + transitions_.bytes();
  }

 private:
  uint32_t compute(uint32_t state, const Operation& op) {
    const EtcdCall& call = *op.etcd;
    EtcdState next = states_.get(state);
    EtcdResponse computed;
    bool observed = op.outcome != Outcome::kInfo;
    std::optional<EtcdError> error = apply(call, observed, next, computed);
    if (!error) return observed ? kInvalidState : state;  // e.g. granting an existing lease
    if (op.outcome == Outcome::kInfo) {
      return *error == EtcdError::kNone ? states_.intern(std::move(next)) : state;
    }
    if (op.outcome == Outcome::kFail) {
      return parseEtcdError(call.response.error) == error ? state : kInvalidState;
    }
    if (*error != EtcdError::kNone) return kInvalidState;
    const EtcdResponse& seen = call.response;
    if (seen.revision && seen.revision != computed.revision) return kInvalidState;
    if (seen.succeeded && seen.succeeded != computed.succeeded) return kInvalidState;
    if (seen.leaseId && seen.leaseId != computed.leaseId) return kInvalidState;
    if (!seen.responses.empty()) {
      if (seen.responses.size() != computed.responses.size()) return kInvalidState;
      for (size_t i = 0; i < seen.responses.size(); ++i) {
        if (!matches(seen.responses[i], computed.responses[i])) return kInvalidState;
      }
    }
    return states_.intern(std::move(next));
  }

 public:
  std::string describeState(uint32_t state) const override {
    const EtcdState& s = states_.get(state);
    std::string out = "revision " + std::to_string(s.revision) + " {";
    for (const auto& [k, kv] : s.keys) {
      out += " " + k + "=\"" + kv.value + "\"@" + std::to_string(kv.modRevision);
    }
    return out + " }";
  }

 private:
  // Runs the request on `s`. Returns the error the model produces, or nullopt
  // when the request cannot happen at all (granting a lease that exists).
  static std::optional<EtcdError> apply(const EtcdCall& call, bool observed, EtcdState& s,
                                        EtcdResponse& out) {
    const EtcdRequest& r = call.request;
    Executor ex(s);
    EtcdError error = EtcdError::kNone;
    switch (r.kind) {
      case EtcdRequest::Kind::kRequestOp:
        out.responses.emplace_back();
        error = ex.run(r.op, out.responses.back());
        break;
      case EtcdRequest::Kind::kTxn: {
        bool ok = std::all_of(r.compares.begin(), r.compares.end(),
                              [&](const Compare& c) { return ex.compare(c); });
        out.succeeded = ok;
        for (const RequestOp& op : ok ? r.success : r.failure) {
          out.responses.emplace_back();
          error = ex.run(op, out.responses.back());
          if (error != EtcdError::kNone) break;
        }
        break;
      }
      case EtcdRequest::Kind::kLeaseGrant: {
        int64_t id = r.leaseId != 0 ? r.leaseId : observed ? call.response.leaseId.value_or(0) : 0;
        if (id == 0) return EtcdError::kNone;  // unknown ID: nobody can use this lease
        if (s.leases.contains(id)) return std::nullopt;
        s.leases[id] = r.ttl;
        out.leaseId = id;
        break;
      }
      case EtcdRequest::Kind::kLeaseRevoke:
        error = ex.revokeLease(r.leaseId);
        break;
      case EtcdRequest::Kind::kLeaseKeepAlive:
        if (!s.leases.contains(r.leaseId)) error = EtcdError::kLeaseNotFound;
        break;
      case EtcdRequest::Kind::kCompact:
        if (r.revision > s.revision) error = EtcdError::kFutureRevision;
        else if (r.revision <= s.compactRevision) error = EtcdError::kCompacted;
        else s.compactRevision = r.revision;
        break;
    }
    if (error != EtcdError::kNone) return error;  // the caller discards `s`
    ex.finish();
    out.revision = s.revision;
    return EtcdError::kNone;
  }

  // A lease that only one grant can create is gone for good once revoked
  // (by a client or by expiry), so every revoke of it that may take effect
  // comes after every ok request that needed it alive.
  void orderLeaseRevokes(const std::vector<Operation>& ops) {
    predecessors_.clear();
    namers_.clear();
    std::map<int64_t, int> grants;
    std::map<int64_t, std::vector<uint32_t>> needers, revokes;
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation& op = ops[i];
      for (int64_t id : leasesNamed(op)) namers_[id].push_back(i);
      if (op.outcome == Outcome::kFail) continue;
      const EtcdRequest& r = op.etcd->request;
      if (r.kind == EtcdRequest::Kind::kLeaseGrant) {
        int64_t id = r.leaseId != 0 ? r.leaseId : op.etcd->response.leaseId.value_or(0);
        if (id != 0) ++grants[id];
      }
      if (r.kind == EtcdRequest::Kind::kLeaseRevoke) revokes[r.leaseId].push_back(i);
      if (op.outcome == Outcome::kOk) {
        for (int64_t id : leasesNeeded(op)) needers[id].push_back(i);
      }
    }
    for (const auto& [id, ids] : revokes) {
      if (grants[id] > 1) continue;
      for (uint32_t revoke : ids) predecessors_[revoke] = needers[id];
    }
  }

  // What ok responses show of a key over a span of revisions: the kv a read
  // returned (create revision C, mod revision M) is the key's from M to the
  // read's revision R, and the key existed in the generation created at C
  // from C on; a put's or delete's previous kv likewise up to R - 1.
  struct Observation {
    int64_t from, to;  // C and R (or R - 1)
    KeyValue kv;
  };

  void collectObservations(const std::vector<Operation>& ops) {
    observations_.clear();
    contradicted_.clear();
    for (const Operation& op : ops) {
      if (op.outcome != Outcome::kOk || !op.etcd->response.revision) continue;
      const EtcdRequest& r = op.etcd->request;
      const EtcdResponse& seen = op.etcd->response;
      int64_t revision = *seen.revision;
      const std::vector<RequestOp>* run = nullptr;
      std::vector<RequestOp> single;
      if (r.kind == EtcdRequest::Kind::kRequestOp) {
        single.push_back(r.op);
        run = &single;
      } else if (r.kind == EtcdRequest::Kind::kTxn && seen.succeeded) {
        run = *seen.succeeded ? &r.success : &r.failure;
        // Reads inside a writing Txn may see its own writes: only read-only ones.
        for (const RequestOp& o : *run) {
          if (o.kind != RequestOp::Kind::kRange) run = nullptr;
          if (run == nullptr) break;
        }
      }
      if (run == nullptr || run->size() != seen.responses.size()) continue;
      for (size_t i = 0; i < run->size(); ++i) {
        const RequestOp& o = (*run)[i];
        const ResponseOp& resp = seen.responses[i];
        if (o.kind == RequestOp::Kind::kRange && resp.kvs && o.revision == 0 && !o.keysOnly &&
            !o.countOnly) {
          for (const KeyValue& kv : *resp.kvs) observe(kv, revision);
        } else if (o.kind != RequestOp::Kind::kRange && resp.prevKvs) {
          for (const KeyValue& kv : *resp.prevKvs) observe(kv, revision - 1);
        }
      }
    }
  }

  void observe(const KeyValue& kv, int64_t to) {
    if (kv.createRevision <= kv.modRevision && kv.modRevision <= to) {
      observations_[kv.key].push_back({kv.createRevision, to, kv});
    }
  }

  // Whether a key written at the state's revision r disagrees with an
  // observation spanning r: the key must exist, be the observed kv from its
  // mod revision on, and be of the observed generation before.
  bool contradicts(const EtcdState& s) const {
    for (const Change* c = s.log.get(); c != nullptr && c->revision == s.revision;
         c = c->older.get()) {
      auto obs = observations_.find(c->key);
      if (obs == observations_.end()) continue;
      auto now = s.keys.find(c->key);
      for (const Observation& o : obs->second) {
        if (o.from > s.revision || o.to < s.revision) continue;
        if (now == s.keys.end()) return true;
        if (s.revision >= o.kv.modRevision ? now->second != o.kv
                                           : now->second.createRevision != o.kv.createRevision) {
          return true;
        }
      }
    }
    return false;
  }

  const std::vector<Operation>* ops_ = nullptr;
  std::map<std::string, std::vector<Observation>> observations_;  // key -> observations
  std::vector<int8_t> contradicted_;  // state -> contradicted(), -1 = not computed
  std::vector<int64_t> bounds_;  // op -> progressBound
  std::map<uint32_t, std::vector<uint32_t>> predecessors_;  // op -> see predecessors()
  std::map<int64_t, std::vector<uint32_t>> namers_;  // lease ID -> the ops naming it
  Interner<EtcdState, EtcdStateHash> states_;
  FlatMap transitions_;  // (state, op) -> next state
};

std::string quote(const std::string& s) { return "\"" + s + "\""; }

std::string describeRequestOp(const RequestOp& op) {
  std::string range = quote(op.key) + (op.rangeEnd.empty() ? "" : ".." + quote(op.rangeEnd));
  switch (op.kind) {
    case RequestOp::Kind::kRange:
      return "range(" + range + (op.revision ? " @" + std::to_string(op.revision) : "") + ")";
    case RequestOp::Kind::kPut:
      return "put(" + range + ", " + quote(op.value) +
             (op.lease ? " lease " + std::to_string(op.lease) : "") + ")";
    case RequestOp::Kind::kDeleteRange:
      return "delete(" + range + ")";
  }
  return "?";
}

std::string describeResponseOp(const ResponseOp& r) {
  std::string out;
  if (r.kvs) {
    out += "[";
    for (const KeyValue& kv : *r.kvs) {
      out += (out.size() > 1 ? " " : "") + kv.key + "=" + quote(kv.value) + "@" +
             std::to_string(kv.modRevision);
    }
    out += "]";
  }
  if (r.deleted) out += "deleted " + std::to_string(*r.deleted);
  return out;
}

}  // namespace

void EtcdModel::validate(const Operation& op) const {
  if (op.kind != OpKind::kEtcd || !op.etcd) {
    throw std::invalid_argument("line " + std::to_string(op.invokeLine) +
                                ": not an etcd operation (use --model register or kv)");
  }
}

bool EtcdModel::takesPart(const Operation& op) const {
  if (op.outcome != Outcome::kFail) return true;
  return parseEtcdError(op.etcd->response.error).has_value();
}

bool EtcdModel::readOnly(const Operation& op) const {
  const EtcdRequest& r = op.etcd->request;
  if (op.outcome == Outcome::kFail) return true;  // a checked error changes nothing
  if (r.kind == EtcdRequest::Kind::kLeaseKeepAlive) return true;
  auto isRange = [](const RequestOp& o) { return o.kind == RequestOp::Kind::kRange; };
  if (r.kind == EtcdRequest::Kind::kRequestOp) return isRange(r.op);
  if (r.kind == EtcdRequest::Kind::kTxn) {
    return std::all_of(r.success.begin(), r.success.end(), isRange) &&
           std::all_of(r.failure.begin(), r.failure.end(), isRange);
  }
  return false;
}

std::vector<Operation> EtcdModel::internalOperations(const std::vector<Operation>& ops) const {
  std::vector<Operation> expiries;
  for (const Operation& op : ops) {
    if (op.kind != OpKind::kEtcd || op.outcome == Outcome::kFail) continue;
    const EtcdRequest& r = op.etcd->request;
    if (r.kind != EtcdRequest::Kind::kLeaseGrant) continue;
    int64_t id = r.leaseId != 0 ? r.leaseId : op.etcd->response.leaseId.value_or(0);
    if (id == 0) continue;  // unknown ID: nothing can use the lease
    Timestamp from = op.returnTime != kNever ? op.returnTime : op.invokeTime;
    Timestamp ttl = std::max<int64_t>(r.ttl, 0) * 1'000'000'000;
    Operation expiry;
    expiry.client = -1;
    expiry.kind = OpKind::kEtcd;
    expiry.outcome = Outcome::kInfo;
    expiry.invokeTime = from > kNever - ttl ? kNever - 1
                                            : from + std::max<Timestamp>(ttl - leaseExpirySlack_, 0);
    expiry.invokeLine = op.returnLine != 0 ? op.returnLine : op.invokeLine;
    auto call = std::make_shared<EtcdCall>();
    call->request.kind = EtcdRequest::Kind::kLeaseRevoke;
    call->request.leaseId = id;
    expiry.etcd = std::move(call);
    expiries.push_back(std::move(expiry));
  }
  return expiries;
}

std::unique_ptr<ModelInstance> EtcdModel::instantiate() const {
  return std::make_unique<EtcdInstance>();
}

std::string EtcdModel::describe(const Operation& op) const {
  const EtcdRequest& r = op.etcd->request;
  const EtcdResponse& resp = op.etcd->response;
  std::string call;
  switch (r.kind) {
    case EtcdRequest::Kind::kRequestOp: call = describeRequestOp(r.op); break;
    case EtcdRequest::Kind::kTxn: {
      call = "txn(" + std::to_string(r.compares.size()) + " compares; then";
      for (const RequestOp& o : r.success) call += " " + describeRequestOp(o);
      call += "; else";
      for (const RequestOp& o : r.failure) call += " " + describeRequestOp(o);
      call += ")";
      break;
    }
    case EtcdRequest::Kind::kLeaseGrant: call = "lease_grant(ttl " + std::to_string(r.ttl) + ")"; break;
    case EtcdRequest::Kind::kLeaseRevoke:
      if (op.client < 0) return "lease " + std::to_string(r.leaseId) + " expires -> unknown";
      call = "lease_revoke(" + std::to_string(r.leaseId) + ")";
      break;
    case EtcdRequest::Kind::kLeaseKeepAlive:
      call = "lease_keepalive(" + std::to_string(r.leaseId) + ")";
      break;
    case EtcdRequest::Kind::kCompact: call = "compact(" + std::to_string(r.revision) + ")"; break;
  }
  if (op.outcome == Outcome::kInfo) return call + " -> unknown";
  if (op.outcome == Outcome::kFail) return call + " -> error \"" + resp.error + "\"";
  std::string out = call + " -> ok";
  if (resp.revision) out += " rev " + std::to_string(*resp.revision);
  if (resp.succeeded) out += *resp.succeeded ? " succeeded" : " not succeeded";
  if (resp.leaseId) out += " id " + std::to_string(*resp.leaseId);
  for (const ResponseOp& x : resp.responses) {
    std::string s = describeResponseOp(x);
    if (!s.empty()) out += " " + s;
  }
  return out;
}

}  // namespace detcd::checkers

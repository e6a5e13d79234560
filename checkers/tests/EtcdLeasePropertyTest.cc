// RapidCheck properties of the etcd model with leases, aimed at the search's
// revision bounds, lease order and unobserved-expiry rules (docs/checkers.md):
// histories generated from a sequential execution of a small lease-aware
// reference (puts with and without a lease, gets, deletes, grants, keep-alives,
// revokes, expiries the server decides after the TTL; timeouts whose request
// lands late or never) are linearizable; with one response corrupted they are
// rejected or agree with a brute-force check. A failure prints the seed;
// replay with RC_PARAMS="reproduce=<string>".

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "checkers/EtcdModel.h"
#include "checkers/Linearizability.h"
#include "checkers/tests/BruteForce.h"
#include "checkers/tests/EtcdReference.h"

namespace detcd::checkers {
namespace {

constexpr Timestamp kTick = 100'000'000;  // one generator step: 0.1 s (a TTL of 1 s = 10)

EtcdRequest randomRequest(const std::vector<int64_t>& granted, int64_t& nextLease) {
  EtcdRequest r;
  int f = *rc::gen::inRange(0, 8);
  auto someLease = [&] { return granted.empty() ? 0 : *rc::gen::elementOf(granted); };
  if (f == 5) {
    r.kind = EtcdRequest::Kind::kLeaseGrant;
    r.leaseId = nextLease++;
    r.ttl = 1;
  } else if (f == 6 && !granted.empty()) {
    r.kind = EtcdRequest::Kind::kLeaseKeepAlive;
    r.leaseId = someLease();
  } else if (f == 7 && !granted.empty()) {
    r.kind = EtcdRequest::Kind::kLeaseRevoke;
    r.leaseId = someLease();
  } else {
    r.op.kind = f <= 1 ? RequestOp::Kind::kRange
                : f <= 3 ? RequestOp::Kind::kPut : RequestOp::Kind::kDeleteRange;
    r.op.key = std::string(1, static_cast<char>('a' + *rc::gen::inRange(0, 2)));
    r.op.value = std::to_string(*rc::gen::inRange(0, 3));
    if (r.op.kind == RequestOp::Kind::kPut && *rc::gen::inRange(0, 2) == 0) {
      r.op.lease = someLease();
    }
  }
  return r;
}

// Clients issue requests; each takes effect at a random point of its interval
// (or, after a timeout, late or never); the server expires a lease at random
// once its TTL has passed since the grant's completion.
History generate(int clients, int steps) {
  History h;
  EtcdReference ref;
  std::map<int, std::pair<size_t, bool>> pending;  // client -> (op, took effect)
  std::vector<bool> retired(static_cast<size_t>(clients), false);
  std::vector<size_t> orphans;
  std::vector<int64_t> granted;
  std::map<int64_t, Timestamp> expirable;  // lease -> completion of its grant
  int64_t nextLease = 100;
  auto call = [&](size_t i) { return std::const_pointer_cast<EtcdCall>(h.operations[i].etcd); };
  for (int step = 1; step <= steps; ++step) {
    Timestamp now = step * kTick;
    if (*rc::gen::inRange(0, 6) == 0) {
      for (auto& [id, since] : expirable) {
        if (now - since > 10 * kTick && ref.leases.contains(id)) {
          EtcdRequest revoke;
          revoke.kind = EtcdRequest::Kind::kLeaseRevoke;
          revoke.leaseId = id;
          ref.apply(revoke);  // the server's expiry
          break;
        }
      }
    }
    int client = *rc::gen::inRange(0, clients);
    auto it = pending.find(client);
    int action = *rc::gen::inRange(0, 10);
    if (it == pending.end()) {
      if (retired[static_cast<size_t>(client)]) continue;
      Operation op;
      op.client = client;
      op.kind = OpKind::kEtcd;
      op.invokeTime = now;
      op.invokeLine = step;
      op.outcome = Outcome::kInfo;
      auto c = std::make_shared<EtcdCall>();
      c->request = randomRequest(granted, nextLease);
      if (c->request.kind == EtcdRequest::Kind::kLeaseGrant) granted.push_back(c->request.leaseId);
      op.etcd = c;
      pending[client] = {h.operations.size(), false};
      h.operations.push_back(std::move(op));
    } else if (!it->second.second && action < 5) {
      call(it->second.first)->response = ref.apply(call(it->second.first)->request);
      it->second.second = true;
    } else if (it->second.second && action < 8) {
      Operation& op = h.operations[it->second.first];
      op.outcome = call(it->second.first)->response.error.empty() ? Outcome::kOk : Outcome::kFail;
      op.returnTime = now;
      op.returnLine = step;
      if (op.etcd->request.kind == EtcdRequest::Kind::kLeaseGrant) {
        expirable[op.etcd->request.leaseId] = now;
      }
      pending.erase(it);
    } else if (action == 9) {
      call(it->second.first)->response = EtcdResponse{};
      h.operations[it->second.first].returnLine = step;
      if (!it->second.second) orphans.push_back(it->second.first);
      pending.erase(it);
      retired[static_cast<size_t>(client)] = true;
    } else if (action == 8 && !orphans.empty()) {
      ref.apply(h.operations[orphans.back()].etcd->request);  // a timed-out request lands late
      orphans.pop_back();
    }
  }
  for (auto& [client, p] : pending) call(p.first)->response = EtcdResponse{};
  return h;
}

// The brute-force verdict over the history's ops and the model's expiries.
bool bruteForce(const History& h) {
  EtcdModel model;
  std::vector<Operation> ops;
  for (const Operation& op : h.operations) {
    if (model.takesPart(op)) ops.push_back(op);
  }
  for (Operation& op : model.internalOperations(h.operations)) ops.push_back(std::move(op));
  std::vector<bool> done(ops.size(), false);
  return bruteForceLinearizable(ops, done, EtcdReference{});
}

RC_GTEST_PROP(EtcdLeasePropertyTest, GeneratedHistoriesAreLinearizable, ()) {
  History h = generate(*rc::gen::inRange(1, 5), *rc::gen::inRange(0, 120));
  CheckResult r = checkLinearizability(h, EtcdModel());
  RC_ASSERT(r.verdict == Verdict::kLinearizable);
  size_t leaseOps = 0, unknown = 0, notFound = 0;
  for (const Operation& op : h.operations) {
    leaseOps += op.etcd->request.kind != EtcdRequest::Kind::kRequestOp || op.etcd->request.op.lease;
    unknown += op.outcome == Outcome::kInfo;
    notFound += op.outcome == Outcome::kFail;
  }
  RC_CLASSIFY(leaseOps >= 5, "5+ lease ops");
  RC_CLASSIFY(unknown > 0, "unknown outcomes");
  RC_CLASSIFY(notFound > 0, "lease not found");
  RC_CLASSIFY(!EtcdModel().internalOperations(h.operations).empty(), "expiries");
}

RC_GTEST_PROP(EtcdLeasePropertyTest, CorruptedResponseIsRejectedOrAgreesWithBruteForce, ()) {
  History h = generate(*rc::gen::inRange(1, 4), *rc::gen::inRange(4, 40));
  std::vector<size_t> completed;
  for (size_t i = 0; i < h.operations.size(); ++i) {
    if (h.operations[i].outcome != Outcome::kInfo) completed.push_back(i);
  }
  RC_PRE(!completed.empty());
  size_t victim = *rc::gen::elementOf(completed);
  Operation& op = h.operations[victim];
  auto c = std::make_shared<EtcdCall>(*op.etcd);
  if (op.outcome == Outcome::kFail) {
    op.outcome = Outcome::kOk;  // claims the lease was found
    c->response.error.clear();
    c->response.revision = *rc::gen::inRange<int64_t>(1, 6);
    if (c->request.kind == EtcdRequest::Kind::kRequestOp) c->response.responses.emplace_back();
  } else if (*rc::gen::arbitrary<bool>() || c->response.responses.empty()) {
    *c->response.revision += *rc::gen::element<int64_t>(-1, 1);
  } else if (ResponseOp& resp = c->response.responses.at(0); resp.kvs) {
    if (resp.kvs->empty()) resp.kvs->push_back(KeyValue{c->request.op.key, "9", 2, 2, 1, 0});
    else resp.kvs->front().value += "x";
  } else if (resp.deleted) {
    *resp.deleted = 1 - *resp.deleted;
  } else {
    op.outcome = Outcome::kFail;  // claims the lease was gone
    c->response = EtcdResponse{};
    c->response.error = "etcdserver: requested lease not found";
  }
  op.etcd = c;
  CheckResult r = checkLinearizability(h, EtcdModel());
  RC_ASSERT(r.verdict != Verdict::kUnknown);
  RC_ASSERT((r.verdict == Verdict::kLinearizable) == bruteForce(h));
  RC_TAG(r.verdict == Verdict::kLinearizable ? "still linearizable" : "rejected");
}

}  // namespace
}  // namespace detcd::checkers

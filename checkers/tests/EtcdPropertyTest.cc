// RapidCheck properties of the etcd model: histories generated from a
// sequential execution of a small etcd reference (single-key put / get /
// delete, the global revision, create / mod revision, version) with random
// concurrency and timeouts are linearizable; with one response corrupted they
// are rejected or agree with a brute-force check. A failure prints the seed;
// replay with RC_PARAMS="reproduce=<string>".

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "checkers/EtcdModel.h"
#include "checkers/Linearizability.h"
#include "checkers/tests/BruteForce.h"
#include "checkers/tests/EtcdReference.h"

namespace detcd::checkers {
namespace {

History generate(int clients, int steps) {
  History h;
  EtcdReference ref;
  std::map<int, std::pair<size_t, bool>> pending;  // client -> (op, took effect)
  std::vector<bool> retired(static_cast<size_t>(clients), false);
  std::vector<size_t> orphans;
  auto call = [&](size_t i) { return std::const_pointer_cast<EtcdCall>(h.operations[i].etcd); };
  for (Timestamp now = 1; now <= steps; ++now) {
    int client = *rc::gen::inRange(0, clients);
    auto it = pending.find(client);
    int action = *rc::gen::inRange(0, 10);
    if (it == pending.end()) {
      if (retired[static_cast<size_t>(client)]) continue;
      Operation op;
      op.client = client;
      op.kind = OpKind::kEtcd;
      op.invokeTime = now;
      op.invokeLine = now;
      op.outcome = Outcome::kInfo;
      auto c = std::make_shared<EtcdCall>();
      int f = *rc::gen::inRange(0, 3);
      c->request.op.kind = f == 0 ? RequestOp::Kind::kRange
                           : f == 1 ? RequestOp::Kind::kPut : RequestOp::Kind::kDeleteRange;
      c->request.op.key = std::string(1, static_cast<char>('a' + *rc::gen::inRange(0, 2)));
      c->request.op.value = std::to_string(*rc::gen::inRange(0, 3));
      op.etcd = c;
      pending[client] = {h.operations.size(), false};
      h.operations.push_back(std::move(op));
    } else if (!it->second.second && action < 5) {
      call(it->second.first)->response = ref.apply(call(it->second.first)->request);
      it->second.second = true;
    } else if (it->second.second && action < 8) {
      Operation& op = h.operations[it->second.first];
      op.outcome = Outcome::kOk;
      op.returnTime = now;
      op.returnLine = now;
      pending.erase(it);
    } else if (action == 9) {
      Operation& op = h.operations[it->second.first];
      call(it->second.first)->response = EtcdResponse{};
      op.returnLine = now;
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

RC_GTEST_PROP(EtcdPropertyTest, GeneratedHistoriesAreLinearizable, ()) {
  History h = generate(*rc::gen::inRange(1, 5), *rc::gen::inRange(0, 80));
  CheckResult r = checkLinearizability(h, EtcdModel());
  RC_ASSERT(r.verdict == Verdict::kLinearizable);
}

RC_GTEST_PROP(EtcdPropertyTest, CorruptedResponseIsRejectedOrAgreesWithBruteForce, ()) {
  History h = generate(*rc::gen::inRange(1, 4), *rc::gen::inRange(4, 30));
  std::vector<size_t> completed;
  for (size_t i = 0; i < h.operations.size(); ++i) {
    if (h.operations[i].outcome == Outcome::kOk) completed.push_back(i);
  }
  RC_PRE(!completed.empty());
  size_t victim = *rc::gen::elementOf(completed);
  auto c = std::make_shared<EtcdCall>(*h.operations[victim].etcd);
  ResponseOp& resp = c->response.responses.at(0);
  if (*rc::gen::arbitrary<bool>() || (!resp.kvs && !resp.deleted)) {
    *c->response.revision += *rc::gen::element<int64_t>(-1, 1);
  } else if (resp.kvs) {
    if (resp.kvs->empty()) resp.kvs->push_back(KeyValue{c->request.op.key, "9", 2, 2, 1, 0});
    else resp.kvs->front().value += "x";
  } else {
    *resp.deleted = 1 - *resp.deleted;
  }
  h.operations[victim].etcd = c;
  CheckResult r = checkLinearizability(h, EtcdModel());
  RC_ASSERT(r.verdict != Verdict::kUnknown);
  std::vector<bool> done(h.operations.size(), false);
  bool expected = bruteForceLinearizable(h.operations, done, EtcdReference{});
  RC_ASSERT((r.verdict == Verdict::kLinearizable) == expected);
  RC_TAG(r.verdict == Verdict::kLinearizable ? "still linearizable" : "rejected");
}

}  // namespace
}  // namespace detcd::checkers

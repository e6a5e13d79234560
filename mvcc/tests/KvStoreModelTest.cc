// Model-based property: random operation sequences applied to KvStore and to the
// ReferenceModel (full key histories) give identical statuses and responses. RapidCheck
// prints the failing sequence and an RC_PARAMS="reproduce=..." line that replays it.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "mvcc/KvStore.h"
#include "mvcc/tests/ReferenceModel.h"

namespace detcd::mvcc {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;

const std::array<std::string, 7> kKeys = {"a", "a/1", "a/2", "b", "b/1", "c", "d"};
const std::array<std::string, 7> kEnds = {"", "", std::string(1, '\0'), "b", "a0", "z", "a/2"};

/// One generated step; fields are interpreted by kind (see apply()).
struct Step {
  int kind = 0;
  int k1 = 0;
  int k2 = 0;
  int value = 0;
  int flags = 0;
  int num = 0;
  std::vector<int> sub;
};

void showValue(const Step& s, std::ostream& os) {
  os << "{kind=" << s.kind << " k1=" << s.k1 << " k2=" << s.k2 << " value=" << s.value
     << " flags=" << s.flags << " num=" << s.num << " sub=" << s.sub.size() << "}";
}

/// Reads a step's extra integers, 0 once they run out.
struct Reader {
  const std::vector<int>& v;
  size_t i = 0;
  int next() { return i < v.size() ? v[i++] : 0; }
};

std::string keyOf(int i) { return kKeys[static_cast<size_t>(i) % kKeys.size()]; }
std::string endOf(int i) { return kEnds[static_cast<size_t>(i) % kEnds.size()]; }

/// A revision around the current one: 0, the current, older ones, and one in the future.
int64_t revAround(int x, int64_t cur) {
  switch (x % 6) {
    case 0:
      return 0;
    case 1:
      return cur + 1;
    default:
      return std::max<int64_t>(1, cur - (x % 6) + 2 - (x / 6) % 4);
  }
}

RangeRequest makeRange(int k, int e, int flags, int num, int64_t cur) {
  RangeRequest r;
  r.set_key(keyOf(k));
  r.set_range_end(endOf(e));
  r.set_revision(flags & 1 ? revAround(num, cur) : 0);
  r.set_limit((flags >> 1) & 1 ? num % 4 : 0);
  r.set_sort_order(static_cast<RangeRequest::SortOrder>((flags >> 2) % 3));
  r.set_sort_target(static_cast<RangeRequest::SortTarget>((flags >> 4) % 5));
  r.set_keys_only((flags >> 7) & 1);
  r.set_count_only(((flags >> 8) & 3) == 3);
  if ((flags >> 10) & 1) {
    r.set_min_mod_revision(cur - num % 5);
  }
  if ((flags >> 11) & 1) {
    r.set_max_mod_revision(cur - num % 3);
  }
  if ((flags >> 12) & 1) {
    r.set_min_create_revision(cur - num % 7);
  }
  if ((flags >> 13) & 1) {
    r.set_max_create_revision(cur - num % 4);
  }
  return r;
}

etcdserverpb::PutRequest makePut(int k, int v, int flags) {
  etcdserverpb::PutRequest p;
  p.set_key(keyOf(k));
  p.set_value("v" + std::to_string(v % 5));
  p.set_prev_kv(flags & 1);
  if (((flags >> 1) & 3) == 3) {
    p.set_lease(1 + (flags >> 3) % 3);
  }
  if (((flags >> 5) & 7) == 7) {
    p.set_ignore_value(true);
    p.clear_value();
  } else if (((flags >> 5) & 7) == 6) {
    p.set_ignore_lease(true);
    p.clear_lease();
  }
  return p;
}

etcdserverpb::DeleteRangeRequest makeDelete(int k, int e, int flags) {
  etcdserverpb::DeleteRangeRequest d;
  d.set_key(keyOf(k));
  d.set_range_end(flags & 2 ? endOf(e) : "");
  d.set_prev_kv(flags & 1);
  return d;
}

Compare makeCompare(Reader& r, int64_t cur) {
  Compare c;
  c.set_key(keyOf(r.next()));
  const int x = r.next();
  c.set_result(static_cast<Compare::CompareResult>(x % 4));
  c.set_target(static_cast<Compare::CompareTarget>((x / 4) % 5));
  const int v = r.next();
  switch (c.target()) {
    case Compare::VERSION:
      c.set_version(v % 3);
      break;
    case Compare::CREATE:
      c.set_create_revision(cur - v % 4);
      break;
    case Compare::MOD:
      c.set_mod_revision(cur - v % 4);
      break;
    case Compare::VALUE:
      c.set_value("v" + std::to_string(v % 5));
      break;
    case Compare::LEASE:
      c.set_lease(v % 3);
      break;
    default:
      break;
  }
  if ((x / 20) % 3 == 0) {
    c.set_range_end(endOf(v));
  }
  return c;
}

RequestOp makeOp(Reader& r, int64_t cur, bool allowNested) {
  RequestOp op;
  const int type = r.next() % (allowNested ? 4 : 3);
  const int k = r.next();
  const int v = r.next();
  const int flags = r.next();
  switch (type) {
    case 0:
      *op.mutable_request_range() = makeRange(k, v, flags & ~1, v, cur);
      break;
    case 1:
      *op.mutable_request_put() = makePut(k, v, flags & ~(7 << 5));
      break;
    case 2:
      *op.mutable_request_delete_range() = makeDelete(k, v, flags);
      break;
    default: {
      TxnRequest* t = op.mutable_request_txn();
      *t->add_compare() = makeCompare(r, cur);
      *t->add_success() = makeOp(r, cur, false);
      *t->add_failure() = makeOp(r, cur, false);
      break;
    }
  }
  return op;
}

TxnRequest makeTxn(const Step& s, int64_t cur) {
  Reader r{s.sub};
  TxnRequest t;
  for (int i = s.k1 % 3; i > 0; --i) {
    *t.add_compare() = makeCompare(r, cur);
  }
  for (int i = s.k2 % 4; i > 0; --i) {
    *t.add_success() = makeOp(r, cur, true);
  }
  for (int i = s.value % 3; i > 0; --i) {
    *t.add_failure() = makeOp(r, cur, true);
  }
  return t;
}

template <class Req, class Resp>
void expectSame(const Req& req, const Status& a, const Resp& ra, const Status& b, const Resp& rb) {
  if (!(a == b)) {
    RC_FAIL("status differs for " + req.ShortDebugString() + "\nstore: " + a.message +
            "\nmodel: " + b.message);
  }
  if (a.ok() && ra.SerializeAsString() != rb.SerializeAsString()) {
    RC_FAIL("response differs for " + req.ShortDebugString() + "\nstore: " + ra.ShortDebugString() +
            "\nmodel: " + rb.ShortDebugString());
  }
}

/// Sends `req` to the store and to the model through `call(side, req, resp)` and compares
/// their answers.
template <class Resp, class Req, class Call>
void sendBoth(const Req& req, KvStore& store, testutil::ReferenceModel& model, Call call) {
  Resp a;
  Resp b;
  const Status sa = call(store, req, &a);
  const Status sb = call(model, req, &b);
  expectSame(req, sa, a, sb, b);
}

void apply(const Step& s, KvStore& store, testutil::ReferenceModel& model) {
  const int64_t cur = store.currentRevision();
  switch (s.kind % 8) {
    case 0:
    case 1: {
      sendBoth<etcdserverpb::PutResponse>(
          makePut(s.k1, s.value, s.flags), store, model,
          [](auto& side, const auto& req, auto* resp) { return side.put(req, resp); });
      break;
    }
    case 2: {
      sendBoth<etcdserverpb::RangeResponse>(
          makeRange(s.k1, s.k2, s.flags, s.num, cur), store, model,
          [](auto& side, const auto& req, auto* resp) { return side.range(req, resp); });
      break;
    }
    case 3: {
      sendBoth<etcdserverpb::DeleteRangeResponse>(
          makeDelete(s.k1, s.k2, s.flags), store, model,
          [](auto& side, const auto& req, auto* resp) { return side.deleteRange(req, resp); });
      break;
    }
    case 4:
    case 5: {
      sendBoth<etcdserverpb::TxnResponse>(
          makeTxn(s, cur), store, model,
          [](auto& side, const auto& req, auto* resp) { return side.txn(req, resp); });
      break;
    }
    case 6: {
      etcdserverpb::CompactionRequest req;
      req.set_revision(revAround(s.num, cur));
      sendBoth<etcdserverpb::CompactionResponse>(
          req, store, model,
          [](auto& side, const auto& r, auto* resp) { return side.compact(r, resp); });
      break;
    }
    default: {
      const int64_t id = 1 + s.k1 % 3;
      if (s.flags & 1) {
        etcdserverpb::LeaseRevokeRequest req;
        req.set_id(id);
        etcdserverpb::LeaseRevokeResponse a;
        etcdserverpb::LeaseRevokeResponse b;
        const Status sa = store.leaseRevoke(req, &a);
        const Status sb = model.leaseRevoke(id, &b);
        expectSame(req, sa, a, sb, b);
      } else {
        etcdserverpb::LeaseGrantRequest req;
        req.set_id(id);
        req.set_ttl(100);
        etcdserverpb::LeaseGrantResponse a;
        RC_ASSERT(store.leaseGrant(req, 0, &a) == model.leaseGrant(id));
      }
      break;
    }
  }
  RC_ASSERT(store.currentRevision() == model.revision());
}

rc::Gen<Step> genStep() {
  return rc::gen::build<Step>(
      rc::gen::set(&Step::kind, rc::gen::inRange(0, 8)),
      rc::gen::set(&Step::k1, rc::gen::inRange(0, 1000)),
      rc::gen::set(&Step::k2, rc::gen::inRange(0, 1000)),
      rc::gen::set(&Step::value, rc::gen::inRange(0, 1000)),
      rc::gen::set(&Step::flags, rc::gen::inRange(0, 1 << 14)),
      rc::gen::set(&Step::num, rc::gen::inRange(0, 1000)),
      rc::gen::set(&Step::sub, rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 1000))));
}

/// recordBytes() recomputed from the records it summarises.
uint64_t walkedRecordBytes(const KvStore& store) {
  uint64_t bytes = 0;
  for (const auto& [rev, rec] : store.records()) bytes += rec.key.size() + rec.value.size();
  return bytes;
}

RC_GTEST_PROP(KvStoreModelTest, StoreAgreesWithReferenceModel, ()) {
  const auto steps = *rc::gen::container<std::vector<Step>>(genStep());
  KvStore store;
  testutil::ReferenceModel model;
  for (const Step& s : steps) {
    apply(s, store, model);
    // The incremental byte count follows every write, delete, revoke and compaction.
    RC_ASSERT(store.recordBytes() == walkedRecordBytes(store));
  }
  // The snapshot of the final state answers every readable revision the same way.
  KvStore restored;
  RC_ASSERT(restored.restore(store.snapshot()).ok());
  RC_ASSERT(restored.recordBytes() == store.recordBytes());
  for (int64_t rev = std::max<int64_t>(1, store.compactRevision()); rev <= store.currentRevision();
       ++rev) {
    RangeRequest all;
    all.set_key(std::string(1, '\0'));
    all.set_range_end(std::string(1, '\0'));
    all.set_revision(rev);
    etcdserverpb::RangeResponse a;
    etcdserverpb::RangeResponse b;
    etcdserverpb::RangeResponse c;
    const Status sa = store.range(all, &a);
    const Status sb = model.range(all, &b);
    const Status sc = restored.range(all, &c);
    expectSame(all, sa, a, sb, b);
    expectSame(all, sa, a, sc, c);
  }
}

}  // namespace
}  // namespace detcd::mvcc

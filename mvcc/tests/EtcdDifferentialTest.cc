// Differential test: one seeded random sequence of Put / Range / DeleteRange / Txn /
// Compact / lease / HashKV operations goes to a real etcd 3.4 (through the generated gRPC
// stubs) and to KvStore; statuses and responses are compared field by field.
//
//   DETCD_DIFF_SEED=<n> DETCD_DIFF_OPS=<count> build/tests/mvcc_etcd_diff_tests
//
// If the etcd binary is missing the test is skipped with the reason; if it is present but
// does not start, the test fails.

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mvcc/KvStore.h"
#include "mvcc/WatchHub.h"
#include "mvcc/tests/EtcdProcess.h"
#include "proto/rpc.grpc.pb.h"

namespace detcd::mvcc {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;

int64_t envInt(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoll(v, nullptr, 10) : def;
}

/// Random etcd requests over a small key space, so that ranges, compares and duplicates
/// hit often. Lease TTLs are long so that nothing expires during the run.
class RequestGen {
 public:
  explicit RequestGen(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }

  std::string key() {
    static const std::vector<std::string> keys = {"a",   "a/1", "a/2", "a/3", "b",
                                                  "b/1", "c",   "d",   "e"};
    return keys[static_cast<size_t>(pick(static_cast<int>(keys.size())))];
  }
  std::string end() {
    static const std::vector<std::string> ends = {
        std::string(1, '\0'), "b", "c", "a0", "z", "a/2", "d"};
    return ends[static_cast<size_t>(pick(static_cast<int>(ends.size())))];
  }
  std::string value() { return "v" + std::to_string(pick(6)); }
  int64_t leaseId() { return 1 + pick(4); }
  int64_t rev(int64_t cur) {
    switch (pick(6)) {
      case 0:
        return cur + 1 + pick(2);
      case 1:
        return 0;
      default:
        return std::max<int64_t>(1, cur - pick(8));
    }
  }

  RangeRequest range(int64_t cur, bool inTxn) {
    RangeRequest r;
    r.set_key(key());
    if (chance(60)) {
      r.set_range_end(end());
    }
    if (!inTxn && chance(30)) {
      r.set_revision(rev(cur));
    }
    if (chance(40)) {
      r.set_limit(pick(4));
    }
    if (chance(40)) {
      r.set_sort_order(static_cast<RangeRequest::SortOrder>(pick(3)));
    }
    if (chance(40)) {
      r.set_sort_target(static_cast<RangeRequest::SortTarget>(pick(5)));
    }
    r.set_keys_only(chance(15));
    r.set_count_only(chance(10));
    if (chance(15)) {
      r.set_min_mod_revision(cur - pick(6));
    }
    if (chance(15)) {
      r.set_max_mod_revision(cur - pick(6));
    }
    if (chance(15)) {
      r.set_min_create_revision(cur - pick(10));
    }
    if (chance(15)) {
      r.set_max_create_revision(cur - pick(10));
    }
    return r;
  }

  etcdserverpb::PutRequest put() {
    etcdserverpb::PutRequest p;
    p.set_key(key());
    p.set_value(value());
    p.set_prev_kv(chance(50));
    if (chance(20)) {
      p.set_lease(leaseId());
    }
    if (chance(8)) {
      p.set_ignore_value(true);
      p.clear_value();
    } else if (chance(8)) {
      p.set_ignore_lease(true);
      p.clear_lease();
    }
    if (chance(2)) {
      p.set_key("");  // rejected
    }
    return p;
  }

  etcdserverpb::DeleteRangeRequest del() {
    etcdserverpb::DeleteRangeRequest d;
    d.set_key(key());
    if (chance(40)) {
      d.set_range_end(end());
    }
    d.set_prev_kv(chance(50));
    return d;
  }

  Compare compare(int64_t cur) {
    Compare c;
    c.set_key(key());
    if (chance(20)) {
      c.set_range_end(end());
    }
    c.set_result(static_cast<Compare::CompareResult>(pick(4)));
    c.set_target(static_cast<Compare::CompareTarget>(pick(5)));
    switch (c.target()) {
      case Compare::VERSION:
        c.set_version(pick(4));
        break;
      case Compare::CREATE:
        c.set_create_revision(cur - pick(6));
        break;
      case Compare::MOD:
        c.set_mod_revision(cur - pick(6));
        break;
      case Compare::VALUE:
        c.set_value(value());
        break;
      default:
        c.set_lease(pick(3));
        break;
    }
    return c;
  }

  RequestOp op(int64_t cur, int depth) {
    RequestOp op;
    switch (pick(depth > 0 ? 3 : 4)) {
      case 0:
        *op.mutable_request_range() = range(cur, true);
        break;
      case 1:
        *op.mutable_request_put() = put();
        break;
      case 2:
        *op.mutable_request_delete_range() = del();
        break;
      default:
        *op.mutable_request_txn() = anyTxn(cur, depth + 1);
        break;
    }
    return op;
  }

  /// A random Txn that etcd 3.4 can apply: it panics on an ignore_value / ignore_lease put
  /// that follows a from-key delete of its key in the same Txn (detcd answers "key not
  /// found", see KvStoreTxnTest), so Txns that mix the two are drawn again.
  TxnRequest txn(int64_t cur) {
    for (;;) {
      TxnRequest t = anyTxn(cur, 0);
      bool fromKeyDelete = false;
      bool ignorePut = false;
      scan(t, fromKeyDelete, ignorePut);
      if (!(fromKeyDelete && ignorePut)) {
        return t;
      }
    }
  }

  static void scan(const TxnRequest& t, bool& fromKeyDelete, bool& ignorePut) {
    for (const auto* ops : {&t.success(), &t.failure()}) {
      for (const RequestOp& op : *ops) {
        if (op.has_request_txn()) {
          scan(op.request_txn(), fromKeyDelete, ignorePut);
        }
        fromKeyDelete =
            fromKeyDelete || (op.has_request_delete_range() &&
                              op.request_delete_range().range_end() == std::string(1, '\0'));
        ignorePut = ignorePut || (op.has_request_put() && (op.request_put().ignore_value() ||
                                                           op.request_put().ignore_lease()));
      }
    }
  }

  TxnRequest anyTxn(int64_t cur, int depth) {
    TxnRequest t;
    for (int i = pick(3); i > 0; --i) {
      *t.add_compare() = compare(cur);
    }
    for (int i = pick(4); i > 0; --i) {
      *t.add_success() = op(cur, depth);
    }
    for (int i = pick(3); i > 0; --i) {
      *t.add_failure() = op(cur, depth);
    }
    return t;
  }

 private:
  std::mt19937_64 rng_;
};

/// Drops the fields only a server knows (cluster, member, term) from every header.
void clearServerFields(google::protobuf::Message* m) {
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(*m, f); ++j) {
        clearServerFields(r->MutableRepeatedMessage(m, f, j));
      }
    } else if (r->HasField(*m, f)) {
      auto* sub = r->MutableMessage(m, f);
      if (auto* h = dynamic_cast<etcdserverpb::ResponseHeader*>(sub)) {
        h->clear_cluster_id();
        h->clear_member_id();
        h->clear_raft_term();
      } else {
        clearServerFields(sub);
      }
    }
  }
}

class EtcdDifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(testutil::EtcdProcess::binary().c_str(), X_OK) != 0) {
      GTEST_SKIP() << "SKIPPED: real etcd not installed at " << testutil::EtcdProcess::binary()
                   << " (Debian package etcd-server; `make deps` installs it)";
    }
    etcd_ = std::make_unique<testutil::EtcdProcess>();
    ASSERT_TRUE(etcd_->ok()) << "etcd did not start: " << etcd_->error();
    kv_ = etcdserverpb::KV::NewStub(etcd_->channel());
    lease_ = etcdserverpb::Lease::NewStub(etcd_->channel());
    maint_ = etcdserverpb::Maintenance::NewStub(etcd_->channel());
    store_.lessor().promote(0, 0);
  }

  /// Compares a gRPC result with a store result; returns false (and records a failure
  /// naming the step) when they differ.
  template <class Req, class Resp>
  bool same(int step, const char* what, const Req& req, const grpc::Status& gs, Resp& etcdResp,
            const Status& ds, const Resp& ourResp) {
    const std::string ctx = "step " + std::to_string(step) + " " + what + " " +
                            req.ShortDebugString() +
                            "\nreplay: DETCD_DIFF_SEED=" + std::to_string(seed_) + " " +
                            "build/tests/mvcc_etcd_diff_tests";
    if (gs.ok() != ds.ok()) {
      ADD_FAILURE() << ctx << "\netcd: " << (gs.ok() ? "ok" : gs.error_message())
                    << "\ndetcd: " << (ds.ok() ? "ok" : ds.message);
      return false;
    }
    if (!gs.ok()) {
      if (static_cast<int>(gs.error_code()) != static_cast<int>(ds.code) ||
          gs.error_message() != ds.message) {
        ADD_FAILURE() << ctx << "\netcd error: " << gs.error_code() << " " << gs.error_message()
                      << "\ndetcd error: " << static_cast<int>(ds.code) << " " << ds.message;
        return false;
      }
      ++errorsCompared_;
      return true;
    }
    clearServerFields(&etcdResp);
    if (etcdResp.SerializeAsString() != ourResp.SerializeAsString()) {
      ADD_FAILURE() << ctx << "\netcd:  " << etcdResp.ShortDebugString()
                    << "\ndetcd: " << ourResp.ShortDebugString();
      return false;
    }
    return true;
  }

  static std::unique_ptr<grpc::ClientContext> ctx() {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return c;
  }

  uint64_t seed_ = static_cast<uint64_t>(envInt("DETCD_DIFF_SEED", 20240601));
  std::unique_ptr<testutil::EtcdProcess> etcd_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maint_;
  KvStore store_;
  int errorsCompared_ = 0;
  std::unique_ptr<grpc::ClientContext> keepAliveCtx_;
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::LeaseKeepAliveRequest,
                                           etcdserverpb::LeaseKeepAliveResponse>>
      keepAlive_;

  void TearDown() override {
    if (keepAlive_) {
      keepAlive_->WritesDone();
      keepAliveCtx_->TryCancel();
    }
  }
};

TEST_F(EtcdDifferentialTest, MinimumLeaseTtlMatches) {
  etcdserverpb::LeaseGrantRequest g;
  g.set_id(424242);
  g.set_ttl(1);
  etcdserverpb::LeaseGrantResponse e;
  etcdserverpb::LeaseGrantResponse d;
  ASSERT_TRUE(lease_->LeaseGrant(ctx().get(), g, &e).ok());
  ASSERT_TRUE(store_.leaseGrant(g, 0, &d).ok());
  EXPECT_EQ(e.ttl(), d.ttl());
  EXPECT_EQ(e.id(), d.id());
  etcdserverpb::LeaseRevokeRequest r;
  r.set_id(424242);
  etcdserverpb::LeaseRevokeResponse rr;
  EXPECT_TRUE(lease_->LeaseRevoke(ctx().get(), r, &rr).ok());
  // A missing lease: TimeToLive answers TTL -1 without an error on both.
  etcdserverpb::LeaseTimeToLiveRequest t;
  t.set_id(999999);
  etcdserverpb::LeaseTimeToLiveResponse et;
  etcdserverpb::LeaseTimeToLiveResponse dt;
  ASSERT_TRUE(lease_->LeaseTimeToLive(ctx().get(), t, &et).ok());
  ASSERT_TRUE(store_.leaseTimeToLive(t, 0, &dt).ok());
  EXPECT_EQ(et.ttl(), dt.ttl());
  EXPECT_EQ(et.id(), dt.id());
}

TEST_F(EtcdDifferentialTest, RandomOperationSequenceMatchesEtcd) {
  const int64_t ops = envInt("DETCD_DIFF_OPS", 1500);
  RequestGen gen(seed_);
  std::cout << "differential seed " << seed_ << ", " << ops << " operations against etcd at "
            << etcd_->endpoint() << "\n";
  int failures = 0;
  int compared = 0;
  for (int step = 0; step < ops && failures < 5; ++step) {
    const int64_t cur = store_.currentRevision();
    const int what = gen.pick(100);
    bool ok = true;
    if (what < 25) {
      const auto req = gen.put();
      etcdserverpb::PutResponse e;
      etcdserverpb::PutResponse d;
      const grpc::Status gs = kv_->Put(ctx().get(), req, &e);
      ok = same(step, "Put", req, gs, e, store_.put(req, &d), d);
    } else if (what < 45) {
      const auto req = gen.range(cur, false);
      etcdserverpb::RangeResponse e;
      etcdserverpb::RangeResponse d;
      const grpc::Status gs = kv_->Range(ctx().get(), req, &e);
      ok = same(step, "Range", req, gs, e, store_.range(req, &d), d);
    } else if (what < 55) {
      const auto req = gen.del();
      etcdserverpb::DeleteRangeResponse e;
      etcdserverpb::DeleteRangeResponse d;
      const grpc::Status gs = kv_->DeleteRange(ctx().get(), req, &e);
      ok = same(step, "DeleteRange", req, gs, e, store_.deleteRange(req, &d), d);
    } else if (what < 80) {
      const auto req = gen.txn(cur);
      etcdserverpb::TxnResponse e;
      etcdserverpb::TxnResponse d;
      const grpc::Status gs = kv_->Txn(ctx().get(), req, &e);
      ok = same(step, "Txn", req, gs, e, store_.txn(req, &d), d);
    } else if (what < 84) {
      etcdserverpb::CompactionRequest req;
      req.set_revision(gen.chance(20) ? store_.compactRevision() : cur - gen.pick(5));
      // physical: etcd's HashKV depends on whether its background compaction has finished
      // (detcd compacts at once); waiting for it makes HashKV comparable.
      req.set_physical(true);
      etcdserverpb::CompactionResponse e;
      etcdserverpb::CompactionResponse d;
      const grpc::Status gs = kv_->Compact(ctx().get(), req, &e);
      ok = same(step, "Compact", req, gs, e, store_.compact(req, &d), d);
    } else if (what < 89) {
      etcdserverpb::LeaseGrantRequest req;
      req.set_id(gen.leaseId());
      req.set_ttl(1000 + gen.pick(1000));
      etcdserverpb::LeaseGrantResponse e;
      etcdserverpb::LeaseGrantResponse d;
      const grpc::Status gs = lease_->LeaseGrant(ctx().get(), req, &e);
      ok = same(step, "LeaseGrant", req, gs, e, store_.leaseGrant(req, 0, &d), d);
    } else if (what < 92) {
      etcdserverpb::LeaseRevokeRequest req;
      req.set_id(gen.leaseId());
      etcdserverpb::LeaseRevokeResponse e;
      etcdserverpb::LeaseRevokeResponse d;
      const grpc::Status gs = lease_->LeaseRevoke(ctx().get(), req, &e);
      ok = same(step, "LeaseRevoke", req, gs, e, store_.leaseRevoke(req, &d), d);
    } else if (what < 94) {
      etcdserverpb::LeaseTimeToLiveRequest req;
      req.set_id(gen.leaseId());
      req.set_keys(true);
      etcdserverpb::LeaseTimeToLiveResponse e;
      etcdserverpb::LeaseTimeToLiveResponse d;
      const grpc::Status gs = lease_->LeaseTimeToLive(ctx().get(), req, &e);
      const Status ds = store_.leaseTimeToLive(req, 0, &d);
      // The remaining TTL depends on each side's clock, and etcd lists keys in Go map order:
      // compare the rest, keys as a set.
      if (gs.ok() && e.ttl() > 0) {
        e.set_ttl(d.ttl());
      }
      std::sort(e.mutable_keys()->begin(), e.mutable_keys()->end());
      ok = same(step, "LeaseTimeToLive", req, gs, e, ds, d);
    } else if (what < 96) {
      // KeepAlive goes over a bidirectional stream in etcd.
      if (!keepAlive_) {
        keepAliveCtx_ = std::make_unique<grpc::ClientContext>();
        keepAlive_ = lease_->LeaseKeepAlive(keepAliveCtx_.get());
      }
      etcdserverpb::LeaseKeepAliveRequest req;
      req.set_id(gen.leaseId());
      etcdserverpb::LeaseKeepAliveResponse e;
      etcdserverpb::LeaseKeepAliveResponse d;
      const bool sent = keepAlive_->Write(req) && keepAlive_->Read(&e);
      const grpc::Status gs =
          sent ? grpc::Status::OK : grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broke");
      ok = same(step, "LeaseKeepAlive", req, gs, e, store_.leaseKeepAlive(req, 0, &d), d);
    } else if (what < 97) {
      etcdserverpb::LeaseLeasesRequest req;
      etcdserverpb::LeaseLeasesResponse e;
      etcdserverpb::LeaseLeasesResponse d;
      const grpc::Status gs = lease_->LeaseLeases(ctx().get(), req, &e);
      // etcd orders leases by expiry, which depends on its clock: compare as sets.
      auto byId = [](etcdserverpb::LeaseLeasesResponse& r) {
        std::sort(r.mutable_leases()->begin(), r.mutable_leases()->end(),
                  [](const auto& a, const auto& b) { return a.id() < b.id(); });
      };
      byId(e);
      const Status ds = store_.leaseLeases(req, &d);
      byId(d);
      ok = same(step, "LeaseLeases", req, gs, e, ds, d);
    } else {
      etcdserverpb::HashKVRequest req;
      req.set_revision(gen.chance(50) ? 0 : gen.rev(cur));
      etcdserverpb::HashKVResponse e;
      etcdserverpb::HashKVResponse d;
      const grpc::Status gs = maint_->HashKV(ctx().get(), req, &e);
      ok = same(step, "HashKV", req, gs, e, store_.hashKV(req, &d), d);
    }
    ++compared;
    failures += ok ? 0 : 1;
  }
  std::cout << "compared " << compared << " operations (" << errorsCompared_
            << " of them errors); final revision " << store_.currentRevision() << "\n";
  EXPECT_GE(compared, ops);
  EXPECT_GT(store_.currentRevision(), ops / 10);
}

/// Watchers with every option, created at random points of a random write sequence (so
/// that some start in the past, some in the future, some at a compacted revision), receive
/// the same events from etcd and from the WatchHub: compared per watcher, event by event.
TEST_F(EtcdDifferentialTest, WatchEventsMatchEtcd) {
  const int64_t ops = envInt("DETCD_DIFF_WATCH_OPS", 400);
  RequestGen gen(seed_ + 1);
  auto watchStub = etcdserverpb::Watch::NewStub(etcd_->channel());
  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto etcdStream = watchStub->Watch(&wctx);
  WatchHub hub(store_);
  const int64_t ours = hub.openStream();
  int watchers = 0;
  std::vector<std::vector<etcdserverpb::WatchResponse>> drained;
  for (int step = 0; step < ops; ++step) {
    const int64_t cur = store_.currentRevision();
    const int what = gen.pick(100);
    if (what < 8 && watchers < 24) {
      etcdserverpb::WatchRequest req;
      auto* c = req.mutable_create_request();
      c->set_key(gen.key());
      if (gen.chance(50)) {
        c->set_range_end(gen.end());
      }
      if (gen.chance(50)) {
        c->set_start_revision(std::max<int64_t>(1, cur - gen.pick(30) + 1));
      }
      if (gen.chance(20)) {
        c->add_filters(gen.chance(50) ? etcdserverpb::WatchCreateRequest::NOPUT
                                      : etcdserverpb::WatchCreateRequest::NODELETE);
      }
      c->set_prev_kv(gen.chance(40));
      ASSERT_TRUE(etcdStream->Write(req));
      hub.handle(ours, req);
      ++watchers;
      continue;
    }
    if (what < 60) {
      const auto req = gen.put();
      etcdserverpb::PutResponse e;
      etcdserverpb::PutResponse d;
      const grpc::Status gs = kv_->Put(ctx().get(), req, &e);
      ASSERT_TRUE(same(step, "Put", req, gs, e, store_.put(req, &d), d));
    } else if (what < 75) {
      const auto req = gen.del();
      etcdserverpb::DeleteRangeResponse e;
      etcdserverpb::DeleteRangeResponse d;
      const grpc::Status gs = kv_->DeleteRange(ctx().get(), req, &e);
      ASSERT_TRUE(same(step, "DeleteRange", req, gs, e, store_.deleteRange(req, &d), d));
    } else if (what < 90) {
      const auto req = gen.txn(cur);
      etcdserverpb::TxnResponse e;
      etcdserverpb::TxnResponse d;
      const grpc::Status gs = kv_->Txn(ctx().get(), req, &e);
      ASSERT_TRUE(same(step, "Txn", req, gs, e, store_.txn(req, &d), d));
    } else if (what < 93) {
      // Which watchers a compaction cancels depends on whether they caught up before it;
      // etcd catches up every 100 ms, so let both sides catch up first.
      for (int i = 0; i < 100 && hub.unsyncedWatchers() > 0; ++i) {
        hub.syncWatchers();
        drained.push_back(hub.drain(ours));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      etcdserverpb::CompactionRequest req;
      req.set_revision(cur - gen.pick(10));
      req.set_physical(true);
      etcdserverpb::CompactionResponse e;
      etcdserverpb::CompactionResponse d;
      const grpc::Status gs = kv_->Compact(ctx().get(), req, &e);
      ASSERT_TRUE(same(step, "Compact", req, gs, e, store_.compact(req, &d), d));
    } else if (what < 97) {
      etcdserverpb::LeaseGrantRequest req;
      req.set_id(gen.leaseId());
      req.set_ttl(1000);
      etcdserverpb::LeaseGrantResponse e;
      etcdserverpb::LeaseGrantResponse d;
      const grpc::Status gs = lease_->LeaseGrant(ctx().get(), req, &e);
      ASSERT_TRUE(same(step, "LeaseGrant", req, gs, e, store_.leaseGrant(req, 0, &d), d));
    } else {
      etcdserverpb::LeaseRevokeRequest req;
      req.set_id(gen.leaseId());
      etcdserverpb::LeaseRevokeResponse e;
      etcdserverpb::LeaseRevokeResponse d;
      const grpc::Status gs = lease_->LeaseRevoke(ctx().get(), req, &e);
      ASSERT_TRUE(same(step, "LeaseRevoke", req, gs, e, store_.leaseRevoke(req, &d), d));
    }
    if (gen.chance(30)) {
      hub.syncWatchers();  // etcd syncs every 100 ms, i.e. at arbitrary points
    }
    drained.push_back(hub.drain(ours));  // as the server would send them
  }
  for (int i = 0; i < 1000 && hub.unsyncedWatchers() > 0; ++i) {
    hub.syncWatchers();
    drained.push_back(hub.drain(ours));
  }
  drained.push_back(hub.drain(ours));
  // What detcd delivered, per watcher: created/canceled answers and the events.
  struct Seen {
    std::vector<std::string> events;
    std::string control;
  };
  auto record = [](std::map<int64_t, Seen>& into, const etcdserverpb::WatchResponse& r) {
    Seen& s = into[r.watch_id()];
    if (r.created() || r.canceled()) {
      s.control +=
          "created=" + std::to_string(r.created()) + " canceled=" + std::to_string(r.canceled()) +
          " compact=" + std::to_string(r.compact_revision()) + " reason=" + r.cancel_reason() + ";";
    }
    for (const auto& e : r.events()) {
      s.events.push_back(e.ShortDebugString());
    }
  };
  std::map<int64_t, Seen> want;
  size_t wantEvents = 0;
  size_t wantControls = 0;
  for (const auto& batch : drained) {
    for (const auto& r : batch) {
      record(want, r);
      wantEvents += static_cast<size_t>(r.events_size());
      wantControls += (r.created() || r.canceled()) ? 1 : 0;
    }
  }
  std::map<int64_t, Seen> got;
  size_t gotEvents = 0;
  size_t gotControls = 0;
  etcdserverpb::WatchResponse r;
  auto readOne = [&] {
    if (!etcdStream->Read(&r)) {
      return false;
    }
    record(got, r);
    gotEvents += static_cast<size_t>(r.events_size());
    gotControls += (r.created() || r.canceled()) ? 1 : 0;
    return true;
  };
  while ((gotEvents < wantEvents || gotControls < wantControls) && readOne()) {
  }
  // Whatever etcd sends beyond detcd's count (say an event detcd missed at the end) must
  // fail the comparison too: keep reading for a second, then cancel the stream to stop.
  std::thread stopper([&wctx] {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    wctx.TryCancel();
  });
  while (readOne()) {
  }
  stopper.join();
  std::cout << watchers << " watchers, " << gotEvents << " events from etcd, " << wantEvents
            << " from detcd\n";
  EXPECT_EQ(gotEvents, wantEvents) << "replay: DETCD_DIFF_SEED=" << seed_;
  EXPECT_GT(wantEvents, 0u);
  EXPECT_EQ(gotControls, wantControls) << "replay: DETCD_DIFF_SEED=" << seed_;
  for (const auto& [id, w] : want) {
    EXPECT_EQ(got[id].control, w.control) << "watch " << id;
    EXPECT_EQ(got[id].events, w.events) << "watch " << id << " replay: DETCD_DIFF_SEED=" << seed_;
  }
  for (const auto& [id, g] : got) {
    EXPECT_TRUE(want.count(id) > 0) << "etcd answered for watch " << id << ", which detcd lacks;"
                                    << " replay: DETCD_DIFF_SEED=" << seed_;
  }
}

}  // namespace
}  // namespace detcd::mvcc

#include "interop/ResultComparator.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace detcd::interop {
namespace {

using etcdserverpb::RangeRequest;

mvccpb::KeyValue kv(const std::string& key, int64_t version, const std::string& value = "") {
  mvccpb::KeyValue out;
  out.set_key(key);
  out.set_version(version);
  out.set_create_revision(2);
  out.set_mod_revision(1 + version);
  out.set_value(value);
  return out;
}

Result rangeResult(const std::vector<mvccpb::KeyValue>& kvs, int64_t revision, bool more = false) {
  Result result;
  auto* header = result.mutable_range()->mutable_header();
  header->set_revision(revision);
  header->set_cluster_id(11);
  header->set_member_id(22);
  header->set_raft_term(3);
  for (const auto& k : kvs) *result.mutable_range()->add_kvs() = k;
  result.mutable_range()->set_more(more);
  result.mutable_range()->set_count(static_cast<int64_t>(kvs.size()) + (more ? 1 : 0));
  return result;
}

// Normalises both sides of `op` and compares them.
std::string compare(const Op& op, Result a, Result b) {
  normalise(op, a);
  normalise(op, b);
  return difference(a, b);
}

Op rangeOp(RangeRequest::SortTarget target, RangeRequest::SortOrder order, int64_t limit = 0) {
  Op op;
  op.mutable_range()->set_key("a");
  op.mutable_range()->set_range_end("z");
  op.mutable_range()->set_sort_target(target);
  op.mutable_range()->set_sort_order(order);
  op.mutable_range()->set_limit(limit);
  return op;
}

TEST(ResultComparatorTest, IgnoresMemberClusterAndTerm) {
  Op op = rangeOp(RangeRequest::KEY, RangeRequest::NONE);
  Result a = rangeResult({kv("a", 1)}, 5);
  Result b = a;
  b.mutable_range()->mutable_header()->set_member_id(99);
  b.mutable_range()->mutable_header()->set_cluster_id(98);
  b.mutable_range()->mutable_header()->set_raft_term(7);
  EXPECT_EQ(compare(op, a, b), "");
}

TEST(ResultComparatorTest, RejectsAnotherRevision) {
  Op op = rangeOp(RangeRequest::KEY, RangeRequest::NONE);
  std::string diff = compare(op, rangeResult({kv("a", 1)}, 5), rangeResult({kv("a", 1)}, 6));
  EXPECT_NE(diff.find("revision"), std::string::npos) << diff;
}

TEST(ResultComparatorTest, RejectsAnotherKeyOrderWhenSortedByKey) {
  Op op = rangeOp(RangeRequest::KEY, RangeRequest::NONE);
  EXPECT_NE(compare(op, rangeResult({kv("a", 1), kv("b", 1)}, 5),
                    rangeResult({kv("b", 1), kv("a", 1)}, 5)),
            "");
}

TEST(ResultComparatorTest, TiesOfANonKeySortHaveNoOrder) {
  Op op = rangeOp(RangeRequest::VERSION, RangeRequest::DESCEND);
  Result a = rangeResult({kv("c", 3), kv("a", 1), kv("b", 1)}, 5);
  Result b = rangeResult({kv("c", 3), kv("b", 1), kv("a", 1)}, 5);
  EXPECT_EQ(compare(op, a, b), "");
  // ...but the sort values themselves must come in order.
  Result c = rangeResult({kv("a", 1), kv("c", 3), kv("b", 1)}, 5);
  EXPECT_NE(compare(op, a, c), "");
}

TEST(ResultComparatorTest, NoneOrderWithNonKeyTargetIsAscending) {
  Op op = rangeOp(RangeRequest::MOD, RangeRequest::NONE);
  Result a = rangeResult({kv("a", 1), kv("b", 2)}, 5);
  Result b = rangeResult({kv("b", 2), kv("a", 1)}, 5);
  EXPECT_NE(compare(op, a, b), "");
}

TEST(ResultComparatorTest, TiesCutByTheLimitAreNotCompared) {
  Op op = rangeOp(RangeRequest::VERSION, RangeRequest::ASCEND, 2);
  Result a = rangeResult({kv("c", 1), kv("a", 2)}, 5, true);
  Result b = rangeResult({kv("c", 1), kv("b", 2)}, 5, true);
  EXPECT_EQ(compare(op, a, b), "");
  Result c = rangeResult({kv("a", 1), kv("b", 2)}, 5, true);
  EXPECT_NE(compare(op, a, c), "");
}

TEST(ResultComparatorTest, NormalisesRangesInsideNestedTxns) {
  Op op;
  auto* inner = op.mutable_txn()->add_failure()->mutable_request_txn();
  *inner->add_success()->mutable_request_range() =
      rangeOp(RangeRequest::VALUE, RangeRequest::ASCEND).range();
  auto txnResult = [](const std::vector<mvccpb::KeyValue>& kvs) {
    Result r;
    r.mutable_txn()->set_succeeded(false);
    auto* innerResp = r.mutable_txn()->add_responses()->mutable_response_txn();
    innerResp->set_succeeded(true);
    auto* range = innerResp->add_responses()->mutable_response_range();
    range->mutable_header()->set_member_id(5);
    for (const auto& k : kvs) *range->add_kvs() = k;
    return r;
  };
  Result a = txnResult({kv("a", 1, "x"), kv("b", 1, "x")});
  Result b = txnResult({kv("b", 1, "x"), kv("a", 1, "x")});
  b.mutable_txn()->mutable_responses(0)->mutable_response_txn()->mutable_responses(0)
      ->mutable_response_range()->mutable_header()->set_member_id(6);
  EXPECT_EQ(compare(op, a, b), "");
  Result c = txnResult({kv("b", 1, "y"), kv("a", 1, "x")});
  EXPECT_NE(compare(op, a, c), "");
}

TEST(ResultComparatorTest, LeaseTtlWithinOneSecond) {
  Op op;
  op.mutable_lease_time_to_live()->set_id(101);
  op.mutable_lease_time_to_live()->set_keys(true);
  Result a;
  a.mutable_lease_time_to_live()->set_ttl(600);
  a.mutable_lease_time_to_live()->add_keys("a");
  a.mutable_lease_time_to_live()->add_keys("b");
  Result b;
  b.mutable_lease_time_to_live()->set_ttl(599);
  b.mutable_lease_time_to_live()->add_keys("b");
  b.mutable_lease_time_to_live()->add_keys("a");
  EXPECT_EQ(compare(op, a, b), "");
  b.mutable_lease_time_to_live()->set_ttl(598);
  EXPECT_NE(compare(op, a, b), "");
}

TEST(ResultComparatorTest, LeaseListOrderIgnored) {
  Op op;
  op.mutable_lease_leases();
  Result a;
  a.mutable_lease_leases()->add_leases()->set_id(1);
  a.mutable_lease_leases()->add_leases()->set_id(2);
  Result b;
  b.mutable_lease_leases()->add_leases()->set_id(2);
  b.mutable_lease_leases()->add_leases()->set_id(1);
  EXPECT_EQ(compare(op, a, b), "");
  b.mutable_lease_leases()->add_leases()->set_id(3);
  EXPECT_NE(compare(op, a, b), "");
}

TEST(ResultComparatorTest, RejectsAnotherErrorOrSuccess) {
  Op op = rangeOp(RangeRequest::KEY, RangeRequest::NONE);
  Result compacted;
  compacted.set_code(11);
  compacted.set_message("etcdserver: mvcc: required revision has been compacted");
  Result future = compacted;
  future.set_message("etcdserver: mvcc: required revision is a future revision");
  EXPECT_EQ(compare(op, compacted, compacted), "");
  EXPECT_NE(compare(op, compacted, future), "");
  EXPECT_NE(compare(op, compacted, rangeResult({}, 5)), "");
  Result otherCode = compacted;
  otherCode.set_code(3);
  EXPECT_NE(compare(op, compacted, otherCode), "");
}

TEST(ResultComparatorTest, RejectsOtherWatchEvents) {
  Op op;
  op.mutable_watch_sync()->set_watch(0);
  Result a;
  auto* event = a.mutable_watch()->add_events();
  event->mutable_kv()->set_key("a");
  event->mutable_kv()->set_mod_revision(4);
  Result b = a;
  EXPECT_EQ(compare(op, a, b), "");
  b.mutable_watch()->mutable_events(0)->set_type(mvccpb::Event::DELETE);
  EXPECT_NE(compare(op, a, b), "");
  Result c = a;
  c.mutable_watch()->set_timed_out(true);
  EXPECT_NE(compare(op, a, c), "");
}

// perturb() makes every kind of answer disagree with itself: the --perturb self-test relies on it.
TEST(ResultComparatorTest, PerturbAlwaysDisagrees) {
  std::vector<Result> results;
  results.push_back(rangeResult({kv("a", 1)}, 5));
  results.emplace_back().mutable_put()->mutable_header()->set_revision(3);
  results.emplace_back().mutable_lease_leases();
  results.emplace_back().mutable_watch_created()->set_created(true);
  results.emplace_back().mutable_watch_progress()->set_watch_id(-1);
  results.emplace_back().mutable_watch();
  Result error;
  error.set_code(3);
  error.set_message("etcdserver: key is not provided");
  results.push_back(error);
  for (const Result& original : results) {
    Result changed = original;
    perturb(changed);
    EXPECT_NE(difference(original, changed), "") << toText(original);
  }
}

TEST(ResultComparatorTest, RevisionOf) {
  EXPECT_EQ(revisionOf(rangeResult({}, 9)), 9);
  Result watch;
  watch.mutable_watch();
  EXPECT_EQ(revisionOf(watch), 0);
  EXPECT_EQ(revisionOf(Result()), 0);
}

}  // namespace
}  // namespace detcd::interop

#include "interop/OpGenerator.h"

#include <set>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace detcd::interop {
namespace {

// A stand-in reference: every write bumps the revision, every lease grant succeeds, a
// compaction fails unless it is at or below the revision.
Result fakeAnswer(const Op& op, int64_t& revision) {
  Result result;
  if (op.has_compact() && op.compact().revision() > revision) {
    result.set_code(11);
    return result;
  }
  if (op.has_put() || op.has_delete_range() || op.has_txn()) ++revision;
  switch (op.op_case()) {
    case Op::kPut: result.mutable_put()->mutable_header()->set_revision(revision); break;
    case Op::kDeleteRange:
      result.mutable_delete_range()->mutable_header()->set_revision(revision);
      break;
    case Op::kTxn: result.mutable_txn()->mutable_header()->set_revision(revision); break;
    case Op::kLeaseGrant: result.mutable_lease_grant()->set_id(op.lease_grant().id()); break;
    case Op::kWatchSync: result.mutable_watch(); break;
    default: result.mutable_range()->mutable_header()->set_revision(revision); break;
  }
  return result;
}

std::vector<Op> generate(uint64_t seed, int count) {
  OpGenerator generator(seed);
  int64_t revision = 1;
  std::vector<Op> ops;
  for (int i = 0; i < count; ++i) {
    ops.push_back(generator.next());
    generator.observe(ops.back(), fakeAnswer(ops.back(), revision));
  }
  generator.finish();
  while (generator.hasPending()) {
    ops.push_back(generator.next());
    generator.observe(ops.back(), fakeAnswer(ops.back(), revision));
  }
  return ops;
}

TEST(OpGeneratorTest, SameSeedSameOps) {
  auto first = generate(7, 500);
  auto second = generate(7, 500);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first[i], second[i])) << i;
  }
}

TEST(OpGeneratorTest, DifferentSeedsDiffer) {
  auto first = generate(7, 50);
  auto second = generate(8, 50);
  int same = 0;
  for (size_t i = 0; i < std::min(first.size(), second.size()); ++i) {
    same += google::protobuf::util::MessageDifferencer::Equals(first[i], second[i]) ? 1 : 0;
  }
  EXPECT_LT(same, 25);
}

// 1,000 ops reach every op kind and the request options and error cases the test is for.
TEST(OpGeneratorTest, CoversTheApi) {
  std::set<int> kinds;
  std::set<std::string> features;
  for (const Op& op : generate(1, 1000)) {
    kinds.insert(op.op_case());
    if (op.has_range()) {
      const auto& r = op.range();
      if (r.limit() > 0) features.insert("limit");
      if (r.revision() > 0) features.insert("revision");
      if (r.sort_target() != etcdserverpb::RangeRequest::KEY) features.insert("sort");
      if (r.keys_only()) features.insert("keys_only");
      if (r.count_only()) features.insert("count_only");
      if (r.key().empty()) features.insert("empty key");
      if (r.range_end() == std::string(1, '\0')) features.insert("from key");
    }
    if (op.has_put() && op.put().prev_kv()) features.insert("put prev_kv");
    if (op.has_put() && op.put().lease() != 0) features.insert("put lease");
    if (op.has_delete_range() && op.delete_range().prev_kv()) features.insert("delete prev_kv");
    if (op.has_txn()) {
      if (op.txn().success_size() > OpGenerator::kMaxTxnOps) features.insert("too many ops");
      for (const auto& c : op.txn().compare()) {
        features.insert("compare " + std::to_string(c.target()));
      }
      for (const auto& o : op.txn().success()) {
        if (o.has_request_txn()) features.insert("nested txn");
      }
      if (op.txn().failure_size() > 0) features.insert("failure ops");
    }
    if (op.has_compact()) features.insert("compact");
    if (op.has_watch_create() && op.watch_create().request().start_revision() > 0) {
      features.insert("watch past");
    }
    if (op.has_watch_sync() && op.watch_sync().cancel()) features.insert("watch cancel");
    if (op.has_lease_time_to_live() && op.lease_time_to_live().keys()) features.insert("ttl keys");
  }
  for (int kind = Op::kRange; kind <= Op::kWatchProgress; ++kind) {
    EXPECT_TRUE(kinds.count(kind)) << kind;
  }
  for (const char* feature :
       {"limit", "revision", "sort", "keys_only", "count_only", "empty key", "from key",
        "put prev_kv", "put lease", "delete prev_kv", "too many ops", "compare 0", "compare 1",
        "compare 2", "compare 3", "compare 4", "nested txn", "failure ops", "compact",
        "watch past", "watch cancel", "ttl keys"}) {
    EXPECT_TRUE(features.count(feature)) << feature;
  }
}

// Every watcher is canceled by the closing ops, and each sync follows a write in its range.
TEST(OpGeneratorTest, ClosingCancelsEveryWatcher) {
  std::set<int64_t> open;
  for (const Op& op : generate(3, 400)) {
    if (op.has_watch_create()) open.insert(op.watch_create().watch());
    if (op.has_watch_sync() && op.watch_sync().cancel()) open.erase(op.watch_sync().watch());
  }
  EXPECT_TRUE(open.empty());
}

TEST(OpGeneratorTest, PrefixEnd) {
  EXPECT_EQ(prefixEnd("a"), "b");
  EXPECT_EQ(prefixEnd("a/"), "a0");
  EXPECT_EQ(prefixEnd("e\xff"), "f");
  EXPECT_EQ(prefixEnd("\xff\xff"), std::string(1, '\0'));
  EXPECT_EQ(prefixEnd(""), std::string(1, '\0'));
}

}  // namespace
}  // namespace detcd::interop

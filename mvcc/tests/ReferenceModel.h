#pragma once

// A deliberately simple reference implementation of etcd's key space for model-based
// tests: every key keeps its full history as (main revision -> state) and nothing is ever
// physically removed, so each answer is computed directly from the definition. Request
// validation (RequestChecks) is shared with the store; everything else is independent.

#include <map>
#include <optional>
#include <set>
#include <string>

#include "mvcc/Status.h"
#include "proto/rpc.pb.h"

namespace detcd::mvcc::testutil {

class ReferenceModel {
 public:
  Status range(const etcdserverpb::RangeRequest& req, etcdserverpb::RangeResponse* resp) const;
  Status put(const etcdserverpb::PutRequest& req, etcdserverpb::PutResponse* resp);
  Status deleteRange(const etcdserverpb::DeleteRangeRequest& req,
                     etcdserverpb::DeleteRangeResponse* resp);
  Status txn(const etcdserverpb::TxnRequest& req, etcdserverpb::TxnResponse* resp);
  Status compact(const etcdserverpb::CompactionRequest& req,
                 etcdserverpb::CompactionResponse* resp);
  Status leaseGrant(int64_t id);
  Status leaseRevoke(int64_t id, etcdserverpb::LeaseRevokeResponse* resp);
  int64_t revision() const { return rev_; }

 private:
  struct Kv {
    std::string value;
    int64_t create = 0;
    int64_t mod = 0;
    int64_t version = 0;
    int64_t lease = 0;
  };
  /// Writes staged by the transaction in progress (visible to its own reads).
  struct Staged {
    std::map<std::string, std::optional<Kv>> writes;
  };

  std::optional<Kv> at(const std::string& key, int64_t rev, const Staged* st) const;
  std::set<std::string> keysIn(const std::string& key, const std::string& end) const;
  static bool inRange(const std::string& k, const std::string& key, const std::string& end);
  static void toProto(const std::string& key, const Kv& kv, mvccpb::KeyValue* out);

  Status doRange(const etcdserverpb::RangeRequest& req, const Staged* st,
                 etcdserverpb::RangeResponse* resp) const;
  Status doPut(const etcdserverpb::PutRequest& req, Staged& st, etcdserverpb::PutResponse* resp);
  void doDelete(const etcdserverpb::DeleteRangeRequest& req, Staged& st,
                etcdserverpb::DeleteRangeResponse* resp);
  bool compare(const etcdserverpb::Compare& c) const;
  Status precheck(const etcdserverpb::TxnRequest& req) const;
  /// False when a put of the Txn could not run (its key is gone by then).
  bool doTxn(const etcdserverpb::TxnRequest& req, Staged& st, etcdserverpb::TxnResponse* resp);
  void commit(Staged& st);

  int64_t rev_ = 1;
  int64_t compacted_ = -1;
  std::map<std::string, std::map<int64_t, std::optional<Kv>>> history_;
  std::map<int64_t, std::set<std::string>> leases_;
};

}  // namespace detcd::mvcc::testutil

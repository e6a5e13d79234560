#pragma once
// The etcd v3 model: a fresh cluster (revision 1, no keys, no leases) whose
// requests behave as etcd 3.4's mvcc and lessor do:
//  - every Put, every DeleteRange that deletes something, every Txn that
//    writes and every LeaseRevoke that deletes attached keys raises the
//    global revision by one; all writes of one request share that revision;
//  - per key: value, create revision, mod revision, version (1 at creation,
//    +1 per put), lease; a delete removes the key (its next put starts a new
//    generation);
//  - Range over [key, range_end) ("\0" = every key >= key), at a past
//    revision, with limit / count_only / keys_only; errors "required revision
//    has been compacted" (revision < compact revision) and "future revision";
//  - Txn compares version / create / mod / value / lease (a missing key
//    compares as 0 / ""), then runs the success or failure ops; reads inside
//    a Txn see its earlier writes;
//  - leases: grant (the ID the client chose or the one the response gave),
//    revoke (deletes attached keys), keep-alive, "requested lease not found";
//  - Compact(r): "future revision" if r > revision, "compacted" if r <= the
//    previous compact revision.
// The response header revision of every completed op is checked, which
// orders successful writes exactly. A granted lease may expire (be revoked by
// the server) at any time from its grant's completion plus its TTL, or never:
// keep-alives are not taken into account, which errs on the side of accepting.
// The global revision couples all keys, so the history is checked as one group.

#include "checkers/Model.h"

namespace detcd::checkers {

class EtcdModel : public Model {
 public:
  /// `leaseExpirySlack` (nanoseconds, >= 0): how much earlier than its grant's completion plus
  /// its TTL a lease may expire. etcd measures TTLs on the leader's monotonic clock, so a clock
  /// that runs fast or jumps forward (a simulated clock fault) expires leases early; 0 assumes
  /// true clocks.
  explicit EtcdModel(Timestamp leaseExpirySlack = 0) : leaseExpirySlack_(leaseExpirySlack) {}

  std::string_view name() const override { return "etcd"; }
  void validate(const Operation& op) const override;
  /// Ok and unknown ops take part; a failed op only when its error is one the
  /// model produces (EtcdError), since the client then observed the state.
  bool takesPart(const Operation& op) const override;
  std::unique_ptr<ModelInstance> instantiate() const override;
  /// Ranges, keep-alives and requests that failed with a model error.
  bool readOnly(const Operation& op) const override;
  /// One possible expiry per granted lease with a known ID: a LeaseRevoke of
  /// unknown outcome, client -1, invoked at the grant's completion time plus
  /// its TTL (seconds, as nanoseconds; a history timed by line numbers thus
  /// lets leases expire only after its end).
  std::vector<Operation> internalOperations(const std::vector<Operation>& ops) const override;
  std::string describe(const Operation& op) const override;

 private:
  Timestamp leaseExpirySlack_;
};

}  // namespace detcd::checkers

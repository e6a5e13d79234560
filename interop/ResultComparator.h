#pragma once
// How the differential test decides that two servers answered an op alike (docs/interop.md):
// normalise each Result against its Op, removing what legitimately differs between two
// servers, then compare field by field.

#include <cstdint>
#include <string>

#include <google/protobuf/message.h>

#include "interop/difftest.pb.h"

namespace detcd::interop {

/// Removes from `result` (the answer to `op`) what two correct etcd servers may answer
/// differently, in place:
/// - every ResponseHeader's cluster_id, member_id and raft_term (per cluster / member / run);
///   the revision stays, since two fresh servers given the same ops must agree on it;
/// - the order of kvs within runs of adjacent equal sort values when a range (also inside a
///   txn) is sorted on VERSION, CREATE, MOD or VALUE: etcd uses Go's unstable sort.Sort, so
///   ties have no specified order; each run is put in key order (the runs stay where they are,
///   so a wrongly sorted answer still differs). When such a range was cut by its limit
///   (more = true), the trailing run of ties is dropped, since which ties made the cut is
///   unspecified too;
/// - the order of LeaseTimeToLive keys and of LeaseLeases leases (etcd walks Go maps), which
///   are sorted.
/// Watch IDs were already replaced by creation ordinals when the result was captured.
void normalise(const Op& op, Result& result);

/// An empty string when the normalised results agree; else the differences, one per line, as
/// protobuf field paths with both values. Tolerates a LeaseTimeToLive TTL off by one second
/// (the two servers are asked at slightly different moments).
std::string difference(const Result& a, const Result& b);

/// The revision in the top-level ResponseHeader of `result`; 0 when it has none (an error, a
/// watch outcome).
int64_t revisionOf(const Result& result);

/// Debug aid for testing the test: changes one field of `result` so that it no longer agrees
/// with a correct answer (the header revision, a watcher's events, or the error message).
void perturb(Result& result);

/// Protobuf text format of `message` on one line per field, with long strings and bytes cut
/// to 200 bytes (an oversized-request op carries a 1.6 MB value).
std::string toText(const google::protobuf::Message& message);

}  // namespace detcd::interop

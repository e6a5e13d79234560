#pragma once

#include <compare>
#include <cstdint>

namespace detcd::mvcc {

/// A point in the key space's history (etcd mvcc's revision).
///
/// `main` is the revision of a write transaction: it increases by one for each transaction
/// that changes at least one key (a Put, a DeleteRange that deleted something, a Txn with
/// writes, a lease revoke with attached keys). `sub` numbers the changes inside that
/// transaction from 0. Clients only see `main`; `sub` orders the changes of one Txn.
struct Revision {
  int64_t main = 0;
  int64_t sub = 0;

  friend constexpr auto operator<=>(const Revision&, const Revision&) = default;
};

}  // namespace detcd::mvcc

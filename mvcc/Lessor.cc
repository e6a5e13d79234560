#include "mvcc/Lessor.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace detcd::mvcc {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

int64_t expiryAt(int64_t nowNs, int64_t ttlSeconds, int64_t extendNs) {
  // Saturate instead of overflowing for TTLs close to kMaxLeaseTtlSeconds.
  const int64_t room = Lessor::kNever - nowNs - extendNs;
  if (ttlSeconds >= room / kNsPerSecond) {
    return Lessor::kNever;
  }
  return nowNs + extendNs + ttlSeconds * kNsPerSecond;
}

}  // namespace

Lessor::Lessor(int64_t minTtlSeconds) : minTtlSeconds_(minTtlSeconds) {}

int64_t Lessor::minLeaseTtlSeconds(int64_t electionTicks, int64_t tickMs) {
  const int64_t minMs = ((3 * electionTicks) / 2) * tickMs;
  return (minMs + 999) / 1000;
}

Status Lessor::grant(int64_t id, int64_t ttlSeconds, int64_t nowNs) {
  if (id == 0) {
    return errors::leaseNotFound();
  }
  if (ttlSeconds > kMaxLeaseTtlSeconds) {
    return errors::leaseTtlTooLarge();
  }
  if (leases_.contains(id)) {
    return errors::leaseExists();
  }
  Lease& l = leases_[id];
  l.id = id;
  l.ttlSeconds = std::max(ttlSeconds, minTtlSeconds_);
  l.expiryNs = primary_ ? expiryAt(nowNs, l.ttlSeconds, 0) : kNever;
  return {};
}

Status Lessor::revoke(int64_t id, std::vector<std::string>* keys) {
  auto it = leases_.find(id);
  if (it == leases_.end()) {
    return errors::leaseNotFound();
  }
  keys->assign(it->second.keys.begin(), it->second.keys.end());
  leases_.erase(it);
  return {};
}

Status Lessor::renew(int64_t id, int64_t nowNs, int64_t* ttlSeconds) {
  if (!primary_) {
    return errors::notPrimary();
  }
  auto it = leases_.find(id);
  if (it == leases_.end() || it->second.expiryNs <= nowNs) {
    return errors::leaseNotFound();
  }
  it->second.expiryNs = expiryAt(nowNs, it->second.ttlSeconds, 0);
  *ttlSeconds = it->second.ttlSeconds;
  return {};
}

const Lessor::Lease* Lessor::lookup(int64_t id) const {
  auto it = leases_.find(id);
  return it == leases_.end() ? nullptr : &it->second;
}

int64_t Lessor::remainingSeconds(const Lease& lease, int64_t nowNs) {
  if (lease.expiryNs == kNever) {
    return kNever / kNsPerSecond;
  }
  return (lease.expiryNs - nowNs) / kNsPerSecond;
}

std::vector<const Lessor::Lease*> Lessor::leases() const {
  std::vector<const Lease*> out;
  out.reserve(leases_.size());
  for (const auto& [id, l] : leases_) {
    out.push_back(&l);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Lease* a, const Lease* b) { return a->expiryNs < b->expiryNs; });
  return out;
}

std::vector<int64_t> Lessor::expired(int64_t nowNs, size_t limit) const {
  std::vector<std::tuple<int64_t, int64_t>> due;
  for (const auto& [id, l] : leases_) {
    if (l.expiryNs <= nowNs) {
      due.emplace_back(l.expiryNs, id);
    }
  }
  std::sort(due.begin(), due.end());
  std::vector<int64_t> out;
  for (const auto& [expiry, id] : due) {
    if (out.size() == limit) {
      break;
    }
    out.push_back(id);
  }
  return out;
}

void Lessor::attach(int64_t id, const std::string& key) {
  auto it = leases_.find(id);
  assert(it != leases_.end());
  it->second.keys.insert(key);
}

void Lessor::detach(int64_t id, const std::string& key) {
  auto it = leases_.find(id);
  if (it != leases_.end()) {
    it->second.keys.erase(key);
  }
}

void Lessor::promote(int64_t nowNs, int64_t extendNs) {
  primary_ = true;
  for (auto& [id, l] : leases_) {
    l.expiryNs = expiryAt(nowNs, l.ttlSeconds, extendNs);
  }
  if (leases_.size() < kRevokeRatePerSecond) {
    return;  // no pile-up possible
  }
  // etcd 3.4: spread expiries so that at most 3/4 of the revoke rate falls in any one-second
  // window after the promotion; later leases of a crowded window move back.
  std::vector<Lease*> byExpiry;
  for (auto& [id, l] : leases_) {
    byExpiry.push_back(&l);
  }
  std::stable_sort(byExpiry.begin(), byExpiry.end(),
                   [](const Lease* a, const Lease* b) { return a->expiryNs < b->expiryNs; });
  const int64_t target = (3 * static_cast<int64_t>(kRevokeRatePerSecond)) / 4;
  int64_t baseWindow = byExpiry.front()->expiryNs - nowNs;
  int64_t nextWindow = baseWindow + kNsPerSecond;
  int64_t expires = 0;
  for (Lease* l : byExpiry) {
    const int64_t remaining = l->expiryNs - nowNs;
    if (remaining > nextWindow) {
      baseWindow = remaining;
      nextWindow = baseWindow + kNsPerSecond;
      expires = 1;
      continue;
    }
    ++expires;
    if (expires <= target) {
      continue;
    }
    double rateDelay = static_cast<double>(kNsPerSecond) *
                       (static_cast<double>(expires) / static_cast<double>(target));
    rateDelay -= static_cast<double>(remaining - baseWindow);
    const auto delay = static_cast<int64_t>(rateDelay);
    nextWindow = baseWindow + delay;
    l->expiryNs = expiryAt(nowNs, l->ttlSeconds, delay + extendNs);
  }
}

void Lessor::demote() {
  primary_ = false;
  for (auto& [id, l] : leases_) {
    l.expiryNs = kNever;
  }
}

void Lessor::restore(int64_t id, int64_t ttlSeconds) {
  Lease& l = leases_[id];
  l.id = id;
  l.ttlSeconds = ttlSeconds;
  l.expiryNs = kNever;
}

}  // namespace detcd::mvcc

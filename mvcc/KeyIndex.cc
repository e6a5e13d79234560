#include "mvcc/KeyIndex.h"

#include <cassert>

namespace detcd::mvcc {

KeyIndex::KeyIndex() : generations_(1) {}

void KeyIndex::put(Revision rev) {
  Generation& g = generations_.back();
  assert(g.revs.empty() || g.revs.back() < rev);
  if (g.revs.empty()) {
    g.created = rev;
  }
  g.revs.push_back(rev);
  ++g.version;
}

void KeyIndex::tombstone(Revision rev) {
  assert(live());
  put(rev);
  generations_.emplace_back();
}

void KeyIndex::restore(Revision created, Revision rev, int64_t version) {
  Generation& g = generations_.back();
  if (g.revs.empty()) {
    g.created = created;
  }
  assert(g.revs.empty() || g.revs.back() < rev);
  g.revs.push_back(rev);
  g.version = version;
}

std::optional<KeyIndex::Found> KeyIndex::get(int64_t atRev) const {
  const size_t last = generations_.size() - 1;
  for (size_t i = generations_.size(); i-- > 0;) {
    const Generation& g = generations_[i];
    if (g.revs.empty()) {
      continue;
    }
    // A closed generation whose tombstone is at or before atRev: the key was deleted then.
    if (i != last && g.revs.back().main <= atRev) {
      return std::nullopt;
    }
    if (g.revs.front().main > atRev) {
      continue;
    }
    size_t n = g.revs.size();
    while (g.revs[n - 1].main > atRev) {
      --n;
    }
    const int64_t newer = static_cast<int64_t>(g.revs.size() - n);
    return Found{g.revs[n - 1], g.created, g.version - newer};
  }
  return std::nullopt;
}

void KeyIndex::compact(int64_t atRev, std::vector<Revision>& removed) {
  size_t genIdx = 0;
  while (genIdx + 1 < generations_.size() && generations_[genIdx].revs.back().main <= atRev) {
    ++genIdx;
  }
  Generation& g = generations_[genIdx];
  if (!g.revs.empty()) {
    size_t keepFrom = g.revs.size();
    while (keepFrom > 0 && g.revs[keepFrom - 1].main > atRev) {
      --keepFrom;
    }
    // keepFrom - 1 is the newest revision <= atRev (if any): it stays, older ones go.
    if (keepFrom > 0) {
      removed.insert(removed.end(), g.revs.begin(), g.revs.begin() + (keepFrom - 1));
      g.revs.erase(g.revs.begin(), g.revs.begin() + (keepFrom - 1));
    }
    // Only the tombstone left in a closed generation: nothing readable remains.
    if (g.revs.size() == 1 && genIdx + 1 != generations_.size()) {
      removed.push_back(g.revs.front());
      g.revs.clear();
      ++genIdx;
    }
  }
  for (size_t i = 0; i < genIdx; ++i) {
    removed.insert(removed.end(), generations_[i].revs.begin(), generations_[i].revs.end());
  }
  generations_.erase(generations_.begin(), generations_.begin() + genIdx);
}

std::optional<Revision> KeyIndex::keep(int64_t atRev) const {
  if (empty()) {
    return std::nullopt;
  }
  size_t genIdx = 0;
  while (genIdx + 1 < generations_.size() && generations_[genIdx].revs.back().main <= atRev) {
    ++genIdx;
  }
  const Generation& g = generations_[genIdx];
  size_t n = g.revs.size();
  while (n > 0 && g.revs[n - 1].main > atRev) {
    --n;
  }
  // Nothing <= atRev, or only the tombstone that closes the generation.
  if (n == 0 || (n == g.revs.size() && genIdx + 1 != generations_.size())) {
    return std::nullopt;
  }
  return g.revs[n - 1];
}

std::vector<Revision> KeyIndex::revisions() const {
  std::vector<Revision> out;
  for (const Generation& g : generations_) {
    out.insert(out.end(), g.revs.begin(), g.revs.end());
  }
  return out;
}

}  // namespace detcd::mvcc

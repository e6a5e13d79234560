#pragma once
// Small hashing helpers for the checkers' hot paths.

#include <cstdint>
#include <vector>

namespace detcd::checkers {

/// splitmix64's finalizer: a cheap, well-mixing 64-bit hash.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Maps 64-bit keys (any but UINT64_MAX) to 32-bit values; open addressing,
/// load factor at most 1/2, never shrinks. Used for transition caches, where
/// std::unordered_map's node allocations cost more than the steps they save.
class FlatMap {
 public:
  FlatMap() : keys_(1024, kEmpty), values_(1024) {}

  /// The value stored for `key`, or nullptr.
  const uint32_t* find(uint64_t key) const {
    for (size_t i = mix64(key) & (keys_.size() - 1);; i = (i + 1) & (keys_.size() - 1)) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }

  /// Stores `value` for a `key` not yet present.
  void insert(uint64_t key, uint32_t value) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    size_t i = mix64(key) & (keys_.size() - 1);
    while (keys_[i] != kEmpty) i = (i + 1) & (keys_.size() - 1);
    keys_[i] = key;
    values_[i] = value;
    ++size_;
  }

  /// The next state of (state, op), computed by `next()` on first use and
  /// cached: the models' step functions are deterministic, so a transition
  /// computed once never changes.
  template <class Next>
  uint32_t transition(uint32_t state, uint32_t op, Next&& next) {
    uint64_t key = (uint64_t{state} << 32) | op;
    if (const uint32_t* found = find(key)) return *found;
    uint32_t value = next();
    insert(key, value);
    return value;
  }

  /// Footprint, doubled when the next insertion will grow the table (the
  /// old and the new table exist at once while it grows).
  size_t bytes() const {
    size_t table = keys_.size() * (sizeof(uint64_t) + sizeof(uint32_t));
    return (size_ + 1) * 2 > keys_.size() ? 3 * table : table;
  }

 private:
  static constexpr uint64_t kEmpty = UINT64_MAX;

  void grow() {
    std::vector<uint64_t> keys(keys_.size() * 2, kEmpty);
    std::vector<uint32_t> values(keys.size());
    keys.swap(keys_);
    values.swap(values_);
    size_ = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != kEmpty) insert(keys[i], values[i]);
    }
  }

  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  size_t size_ = 0;
};

}  // namespace detcd::checkers

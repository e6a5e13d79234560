#pragma once
// The memo of the linearizability search (checkers/Search.h): the set of
// (linearized set, state) configurations already explored.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace detcd::checkers {

/// The set of (linearized set, state) configurations already explored.
/// Open addressing; a slot holds the configuration's 64-bit hash and
/// state id (so most probes touch one cache line), and the index of its bitset
/// in one arena (at index * words).
class Memo {
 public:
  /// `words`: 64-bit words per linearized-set bitset.
  explicit Memo(size_t words) : words_(words), slots_(1024) {}

  /// Returns 1 if the configuration is new (now recorded), 0 if seen before,
  /// -1 if recording it would exceed `cap` bytes.
  int insert(uint64_t hash, uint32_t state, const std::vector<uint64_t>& bits, size_t cap) {
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    for (; slots_[i].index != 0; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.hash == hash && s.state == state && sameBits(s.index - 1, bits)) return 0;
    }
    if (grownBytes() > cap) return -1;
    arena_.insert(arena_.end(), bits.begin(), bits.end());
    slots_[i] = {hash, state, static_cast<uint32_t>(++size_)};
    if (size_ * 2 > slots_.size()) rehash();
    return 1;
  }

  /// Bytes held (capacities, not sizes).
  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t);
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t state = 0;
    uint32_t index = 0;  // entry index + 1, 0 = empty
  };

  bool sameBits(size_t entry, const std::vector<uint64_t>& bits) const {
    const uint64_t* stored = arena_.data() + entry * words_;
    for (size_t w = 0; w < words_; ++w) {
      if (stored[w] != bits[w]) return false;
    }
    return true;
  }

  // The peak footprint of the next insertion: a reallocation holds the old
  // and the new buffer at once.
  size_t grownBytes() const {
    size_t slots = (size_ + 1) * 2 > slots_.size() ? 3 * slots_.size() : slots_.size();
    size_t arena = arena_.size() + words_ > arena_.capacity()
                       ? arena_.capacity() + std::max(2 * arena_.capacity(), arena_.size() + words_)
                       : arena_.capacity();
    return slots * sizeof(Slot) + arena * sizeof(uint64_t);
  }

  void rehash() {
    std::vector<Slot> slots(slots_.size() * 2);
    size_t mask = slots.size() - 1;
    for (const Slot& s : slots_) {
      if (s.index == 0) continue;
      size_t i = s.hash & mask;
      while (slots[i].index != 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    slots_.swap(slots);
  }

  size_t words_;
  std::vector<Slot> slots_;
  std::vector<uint64_t> arena_;
  size_t size_ = 0;
};

}  // namespace detcd::checkers

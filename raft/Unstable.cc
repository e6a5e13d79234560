#include "raft/Unstable.h"

#include <stdexcept>
#include <string>

namespace detcd::raft {

std::optional<std::uint64_t> Unstable::maybeFirstIndex() const {
  if (snapshot_) return snapshot_->metadata().index() + 1;
  return std::nullopt;
}

std::optional<std::uint64_t> Unstable::maybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->metadata().index();
  return std::nullopt;
}

std::optional<std::uint64_t> Unstable::maybeTerm(std::uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata().index() == i) return snapshot_->metadata().term();
    return std::nullopt;
  }
  auto last = maybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  return entries_[i - offset_].term();
}

void Unstable::stableTo(std::uint64_t i, std::uint64_t t) {
  auto gt = maybeTerm(i);
  if (!gt) return;
  // Only when the entry still is the one persisted and lives in the entries (not snapshot).
  if (*gt == t && i >= offset_) {
    entries_.erase(entries_.begin(),
                   entries_.begin() + static_cast<std::ptrdiff_t>(i + 1 - offset_));
    offset_ = i + 1;
  }
}

void Unstable::stableSnapTo(std::uint64_t i) {
  if (snapshot_ && snapshot_->metadata().index() == i) snapshot_.reset();
}

void Unstable::restore(const raftpb::Snapshot& s) {
  offset_ = s.metadata().index() + 1;
  entries_.clear();
  snapshot_ = s;
}

void Unstable::truncateAndAppend(const std::vector<raftpb::Entry>& ents) {
  if (ents.empty()) return;
  std::uint64_t after = ents[0].index();
  if (after == offset_ + entries_.size()) {
    // directly after the last entry
  } else if (after <= offset_) {
    // The log is being replaced from before the unstable part: Storage still holds the
    // older entries, the new ones supersede them from `after` on.
    offset_ = after;
    entries_.clear();
  } else {
    entries_.resize(after - offset_);
  }
  entries_.insert(entries_.end(), ents.begin(), ents.end());
}

std::vector<raftpb::Entry> Unstable::slice(std::uint64_t lo, std::uint64_t hi) const {
  std::uint64_t upper = offset_ + entries_.size();
  if (lo > hi || lo < offset_ || hi > upper) {
    throw std::out_of_range("Unstable::slice: [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            ") out of bounds [" + std::to_string(offset_) + ", " +
                            std::to_string(upper) + "]");
  }
  return {entries_.begin() + static_cast<std::ptrdiff_t>(lo - offset_),
          entries_.begin() + static_cast<std::ptrdiff_t>(hi - offset_)};
}

}  // namespace detcd::raft

#include "raft/MemoryStorage.h"

#include <cassert>
#include <stdexcept>
#include <string>

namespace detcd::raft {

void limitSize(std::vector<raftpb::Entry>& ents, std::uint64_t maxSize) {
  if (ents.empty()) return;
  std::uint64_t size = ents[0].ByteSizeLong();
  std::size_t limit = 1;
  for (; limit < ents.size(); ++limit) {
    size += ents[limit].ByteSizeLong();
    if (size > maxSize) break;
  }
  ents.resize(limit);
}

MemoryStorage::MemoryStorage() : ents_(1) {}

InitialState MemoryStorage::initialState() const {
  return InitialState{hardState_, snapshot_.metadata().conf_state()};
}

std::uint64_t MemoryStorage::firstIndex() const { return ents_[0].index() + 1; }

std::uint64_t MemoryStorage::lastIndex() const { return ents_[0].index() + ents_.size() - 1; }

Result<std::vector<raftpb::Entry>> MemoryStorage::entries(std::uint64_t lo, std::uint64_t hi,
                                                          std::uint64_t maxSize) const {
  std::uint64_t offset = ents_[0].index();
  if (lo <= offset) return {{}, Error::Compacted};
  if (hi > lastIndex() + 1) {
    throw std::out_of_range("MemoryStorage::entries: hi " + std::to_string(hi) +
                            " is beyond lastIndex " + std::to_string(lastIndex()));
  }
  if (ents_.size() == 1) return {{}, Error::Unavailable};  // only the dummy entry
  std::vector<raftpb::Entry> out(ents_.begin() + static_cast<std::ptrdiff_t>(lo - offset),
                                 ents_.begin() + static_cast<std::ptrdiff_t>(hi - offset));
  limitSize(out, maxSize);
  return {std::move(out), Error::None};
}

Result<std::uint64_t> MemoryStorage::term(std::uint64_t i) const {
  std::uint64_t offset = ents_[0].index();
  if (i < offset) return {0, Error::Compacted};
  if (i - offset >= ents_.size()) return {0, Error::Unavailable};
  return {ents_[i - offset].term(), Error::None};
}

void MemoryStorage::setConfState(const raftpb::ConfState& cs) {
  if (ents_.size() != 1 || snapshot_.metadata().index() != 0) {
    throw std::logic_error("MemoryStorage::setConfState: storage is not empty");
  }
  *snapshot_.mutable_metadata()->mutable_conf_state() = cs;
}

Result<raftpb::Snapshot> MemoryStorage::snapshot() const { return {snapshot_, Error::None}; }

Error MemoryStorage::applySnapshot(const raftpb::Snapshot& snap) {
  if (snapshot_.metadata().index() >= snap.metadata().index()) return Error::SnapOutOfDate;
  snapshot_ = snap;
  ents_.assign(1, raftpb::Entry());
  ents_[0].set_index(snap.metadata().index());
  ents_[0].set_term(snap.metadata().term());
  return Error::None;
}

Result<raftpb::Snapshot> MemoryStorage::createSnapshot(std::uint64_t i, const raftpb::ConfState* cs,
                                                       std::string data) {
  if (i <= snapshot_.metadata().index()) return {{}, Error::SnapOutOfDate};
  if (i > lastIndex()) {
    throw std::out_of_range("MemoryStorage::createSnapshot: index " + std::to_string(i) +
                            " is beyond lastIndex " + std::to_string(lastIndex()));
  }
  std::uint64_t offset = ents_[0].index();
  snapshot_.mutable_metadata()->set_index(i);
  snapshot_.mutable_metadata()->set_term(ents_[i - offset].term());
  if (cs != nullptr) *snapshot_.mutable_metadata()->mutable_conf_state() = *cs;
  snapshot_.set_data(std::move(data));  // a whole store: not copied once more
  return {snapshot_, Error::None};
}

Error MemoryStorage::compact(std::uint64_t i) {
  std::uint64_t offset = ents_[0].index();
  if (i <= offset) return Error::Compacted;
  if (i > lastIndex()) {
    throw std::out_of_range("MemoryStorage::compact: index " + std::to_string(i) +
                            " is beyond lastIndex " + std::to_string(lastIndex()));
  }
  std::uint64_t k = i - offset;
  std::vector<raftpb::Entry> kept;
  kept.reserve(ents_.size() - k);
  kept.emplace_back();
  kept[0].set_index(ents_[k].index());
  kept[0].set_term(ents_[k].term());
  for (std::size_t j = k + 1; j < ents_.size(); ++j) kept.push_back(std::move(ents_[j]));
  ents_ = std::move(kept);
  return Error::None;
}

void MemoryStorage::append(const std::vector<raftpb::Entry>& ents) {
  if (ents.empty()) return;
  std::uint64_t first = firstIndex();
  std::uint64_t last = ents.back().index();
  if (last < first) return;  // everything is already compacted
  std::size_t skip = first > ents[0].index() ? first - ents[0].index() : 0;
  std::uint64_t start = ents[skip].index();
  if (start > lastIndex() + 1) {
    throw std::invalid_argument(
        "MemoryStorage::append: missing log entries [last: " + std::to_string(lastIndex()) +
        ", append at: " + std::to_string(start) + "]");
  }
  ents_.resize(start - ents_[0].index());  // drop the conflicting suffix, if any
  ents_.insert(ents_.end(), ents.begin() + static_cast<std::ptrdiff_t>(skip), ents.end());
}

}  // namespace detcd::raft

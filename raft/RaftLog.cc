#include "raft/RaftLog.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace detcd::raft {

RaftLog::RaftLog(const Storage& storage, std::uint64_t maxNextEntsSize)
    : storage_(storage),
      unstable_(storage.lastIndex() + 1),
      committed_(storage.firstIndex() - 1),
      applied_(storage.firstIndex() - 1),
      maxNextEntsSize_(maxNextEntsSize) {}

std::optional<std::uint64_t> RaftLog::maybeAppend(std::uint64_t index, std::uint64_t logTerm,
                                                  std::uint64_t committed,
                                                  const std::vector<raftpb::Entry>& ents) {
  if (!matchTerm(index, logTerm)) return std::nullopt;
  std::uint64_t lastNew = index + ents.size();
  std::uint64_t ci = findConflict(ents);
  if (ci != 0) {
    if (ci <= committed_) {
      throw std::logic_error(fmt::format(
          "raft log: entry {} conflicts with committed entry [committed({})]", ci, committed_));
    }
    std::vector<raftpb::Entry> rest(ents.begin() + static_cast<std::ptrdiff_t>(ci - index - 1),
                                    ents.end());
    append(rest);
  }
  commitTo(std::min(committed, lastNew));
  return lastNew;
}

std::uint64_t RaftLog::append(const std::vector<raftpb::Entry>& ents) {
  if (ents.empty()) return lastIndex();
  std::uint64_t after = ents[0].index() - 1;
  if (after < committed_) {
    throw std::logic_error(fmt::format("raft log: append after {} is out of range [committed({})]",
                                       after, committed_));
  }
  unstable_.truncateAndAppend(ents);
  return lastIndex();
}

std::uint64_t RaftLog::findConflict(const std::vector<raftpb::Entry>& ents) const {
  for (const auto& e : ents) {
    if (!matchTerm(e.index(), e.term())) return e.index();
  }
  return 0;
}

std::uint64_t RaftLog::findConflictByTerm(std::uint64_t index, std::uint64_t term) const {
  if (index > lastIndex()) return index;  // a stale hint beyond our log: nothing to skip
  while (index > 0) {
    auto t = this->term(index);
    if (!t.ok() || t.value <= term) break;
    --index;
  }
  return index;
}

std::vector<raftpb::Entry> RaftLog::nextEnts() const {
  std::uint64_t off = std::max(applied_ + 1, firstIndex());
  if (committed_ + 1 <= off) return {};
  auto r = slice(off, committed_ + 1, maxNextEntsSize_);
  if (!r.ok()) {
    throw std::logic_error(fmt::format("raft log: unexpected error fetching committed entries: {}",
                                       errorName(r.error)));
  }
  return r.value;
}

bool RaftLog::hasNextEnts() const { return committed_ + 1 > std::max(applied_ + 1, firstIndex()); }

Result<raftpb::Snapshot> RaftLog::snapshot() const {
  if (unstable_.snapshot()) return {*unstable_.snapshot(), Error::None};
  return storage_.snapshot();
}

std::uint64_t RaftLog::firstIndex() const {
  if (auto i = unstable_.maybeFirstIndex()) return *i;
  return storage_.firstIndex();
}

std::uint64_t RaftLog::lastIndex() const {
  if (auto i = unstable_.maybeLastIndex()) return *i;
  return storage_.lastIndex();
}

std::uint64_t RaftLog::lastTerm() const {
  auto t = term(lastIndex());
  if (!t.ok()) throw std::logic_error("raft log: term of the last entry is unavailable");
  return t.value;
}

Result<std::uint64_t> RaftLog::term(std::uint64_t i) const {
  if (i + 1 < firstIndex()) return {0, Error::Compacted};
  if (i > lastIndex()) return {0, Error::Unavailable};
  if (auto t = unstable_.maybeTerm(i)) return {*t, Error::None};
  return storage_.term(i);
}

std::uint64_t RaftLog::zeroTermOnOutOfBounds(std::uint64_t i) const {
  auto t = term(i);
  return t.ok() ? t.value : 0;
}

Result<std::vector<raftpb::Entry>> RaftLog::entries(std::uint64_t i, std::uint64_t maxSize) const {
  if (i > lastIndex()) return {};
  return slice(i, lastIndex() + 1, maxSize);
}

std::vector<raftpb::Entry> RaftLog::allEntries() const {
  auto r = entries(firstIndex(), kNoLimit);
  if (!r.ok()) throw std::logic_error("raft log: cannot read all entries");
  return r.value;
}

void RaftLog::mustCheckOutOfBounds(std::uint64_t lo, std::uint64_t hi) const {
  if (lo > hi) throw std::out_of_range(fmt::format("raft log: invalid slice {} > {}", lo, hi));
  if (hi > lastIndex() + 1) {
    throw std::out_of_range(fmt::format("raft log: slice [{}, {}) out of bound [{}, {}]", lo, hi,
                                        firstIndex(), lastIndex()));
  }
}

Result<std::vector<raftpb::Entry>> RaftLog::slice(std::uint64_t lo, std::uint64_t hi,
                                                  std::uint64_t maxSize) const {
  mustCheckOutOfBounds(lo, hi);
  if (lo < firstIndex()) return {{}, Error::Compacted};
  if (lo == hi) return {};
  std::vector<raftpb::Entry> ents;
  std::uint64_t offset = unstable_.offset();
  if (lo < offset) {
    std::uint64_t storedHi = std::min(hi, offset);
    auto stored = storage_.entries(lo, storedHi, maxSize);
    if (stored.error == Error::Compacted) return stored;
    if (!stored.ok()) {
      throw std::logic_error(fmt::format("raft log: entries [{}, {}) unavailable from storage: {}",
                                         lo, storedHi, errorName(stored.error)));
    }
    // Storage already applied the size limit: stop if it returned fewer entries.
    if (stored.value.size() < storedHi - lo) return stored;
    ents = std::move(stored.value);
  }
  if (hi > offset) {
    auto tail = unstable_.slice(std::max(lo, offset), hi);
    ents.insert(ents.end(), tail.begin(), tail.end());
  }
  limitSize(ents, maxSize);
  return {std::move(ents), Error::None};
}

bool RaftLog::isUpToDate(std::uint64_t lasti, std::uint64_t term) const {
  return term > lastTerm() || (term == lastTerm() && lasti >= lastIndex());
}

bool RaftLog::matchTerm(std::uint64_t i, std::uint64_t term) const {
  auto t = this->term(i);
  return t.ok() && t.value == term;
}

bool RaftLog::maybeCommit(std::uint64_t maxIndex, std::uint64_t term, bool countOlderTerms) {
  if (maxIndex > committed_ && (countOlderTerms || zeroTermOnOutOfBounds(maxIndex) == term)) {
    commitTo(maxIndex);
    return true;
  }
  return false;
}

void RaftLog::commitTo(std::uint64_t tocommit) {
  if (committed_ >= tocommit) return;  // never decrease commit
  if (lastIndex() < tocommit) {
    throw std::logic_error(fmt::format(
        "raft log: tocommit({}) is out of range [lastIndex({})]; was the log corrupted, "
        "truncated, or lost?",
        tocommit, lastIndex()));
  }
  committed_ = tocommit;
}

void RaftLog::appliedTo(std::uint64_t i) {
  if (i == 0) return;
  if (committed_ < i || i < applied_) {
    throw std::logic_error(
        fmt::format("raft log: applied({}) is out of range [prevApplied({}), "
                    "committed({})]",
                    i, applied_, committed_));
  }
  applied_ = i;
}

void RaftLog::restore(const raftpb::Snapshot& s) {
  committed_ = s.metadata().index();
  unstable_.restore(s);
}

}  // namespace detcd::raft

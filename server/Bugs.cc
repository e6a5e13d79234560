#include "server/Bugs.h"

namespace detcd::server {

namespace {

struct BugEntry {
  std::string_view name;
  bool Bugs::*flag;
};

constexpr BugEntry kBugs[] = {
    {"stale-read", &Bugs::staleRead},
    {"commit-previous-term", &Bugs::commitPreviousTerm},
    {"skip-fsync", &Bugs::skipFsync},
    {"double-vote", &Bugs::doubleVote},
    {"apply-twice", &Bugs::applyTwice},
    {"lost-watch-event", &Bugs::lostWatchEvent},
    {"lease-early-expiry", &Bugs::leaseEarlyExpiry},
};

}  // namespace

const std::vector<std::string_view>& bugNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& b : kBugs) out.push_back(b.name);
    return out;
  }();
  return names;
}

std::optional<Bugs> parseBug(std::string_view name) {
  for (const auto& b : kBugs) {
    if (b.name == name) {
      Bugs bugs;
      bugs.*(b.flag) = true;
      return bugs;
    }
  }
  return std::nullopt;
}

std::string bugName(const Bugs& bugs) {
  for (const auto& b : kBugs) {
    if (bugs.*(b.flag)) return std::string(b.name);
  }
  return {};
}

}  // namespace detcd::server

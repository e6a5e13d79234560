#include "raft/tests/MutationNames.h"

#include <stdexcept>

namespace detcd::raft::testing {
namespace {

struct NamedMutation {
  const char* name;
  bool Mutations::*flag;
};

constexpr NamedMutation kMutations[] = {
    {"commit-previous-term", &Mutations::commitPreviousTermReplicas},
    {"double-vote", &Mutations::grantTwoVotesPerTerm},
    {"skip-up-to-date", &Mutations::skipUpToDateCheck},
};

}  // namespace

Mutations mutationFromName(const std::string& name) {
  Mutations m;
  if (name.empty()) return m;
  for (const auto& named : kMutations) {
    if (name == named.name) {
      m.*named.flag = true;
      return m;
    }
  }
  std::string valid;
  for (const auto& named : kMutations) {
    valid += (valid.empty() ? "" : ", ") + std::string(named.name);
  }
  throw std::invalid_argument("unknown DETCD_RAFT_MUTATION '" + name + "' (" + valid + ")");
}

std::string mutationEnv(const Mutations& m) {
  std::string env;
  for (const auto& named : kMutations) {
    if (m.*named.flag) env = std::string(" DETCD_RAFT_MUTATION=") + named.name;
  }
  return env;
}

}  // namespace detcd::raft::testing

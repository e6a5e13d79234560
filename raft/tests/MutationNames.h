#pragma once
// The names of the deliberately broken rules (Config::mutations) in the DETCD_RAFT_MUTATION
// variable of the chaos tests' replay commands: "commit-previous-term" (§5.4.2),
// "double-vote" (§5.2), "skip-up-to-date" (§5.4.1).

#include <string>

#include "raft/Config.h"

namespace detcd::raft::testing {

/// The Mutations that break the rule `name`; "" breaks none. Throws std::invalid_argument naming
/// the value and the valid names for anything else.
Mutations mutationFromName(const std::string& name);

/// " DETCD_RAFT_MUTATION=<name>" for the rule `m` breaks, "" if it breaks none: the part of a
/// replay command that mutationFromName reads back. The variable names one rule; should `m`
/// break several, the last of the list above is named (as the shell keeps the last assignment).
std::string mutationEnv(const Mutations& m);

}  // namespace detcd::raft::testing

#pragma once
// The `run` and `swarm` subcommands of detcd-sim (docs/scenarios.md, "Command line").
//
//   detcd-sim run SCENARIO.yaml [--seed N] [--bug NAME] [--out DIR]
//     ends with `verdict: PASS` or `verdict: FAIL (<checks>)` and `trace-hash: <16 hex>`;
//     exit 0 PASS, 1 FAIL, 2 bad input.
//   detcd-sim swarm --seeds A..B [--duration 30s] [--bug NAME] [--shard K/N] [--jobs J]
//                   [--save-scenario DIR]
//     exit 0 when every seed passes, 1 otherwise, 2 bad input.

#include <iosfwd>

namespace CLI {
class App;
}

namespace detcd::scenarios {

/// Adds `run` to `app`; results go to `out`, errors to `err`, the exit code to *exitCode.
void addRunCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode);
/// Adds `swarm` to `app`, likewise.
void addSwarmCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode);

}  // namespace detcd::scenarios

#pragma once
// `detcd-sim check FILE... [--format detcd|jepsen|edn] [--model etcd|register|kv]
//  [--timeout SECONDS] [--max-steps N] [--stats] [--whole-map] [--explain]`
// One line per file on `out`: `FILE: linearizable`, `FILE: NOT linearizable
// (...)` or `FILE: unknown (...)`; a history with watches gets a second line,
// `FILE: watch guarantees hold` or `FILE: watch guarantees violated (...)`,
// which counts as "not". Unreadable or malformed files are reported
// on `err` with the line number. Exit code: 1 if any file is not
// linearizable, else 2 if any is unknown or bad input, else 0.

#include <iosfwd>

namespace CLI {
class App;
}

namespace detcd::checkers {

/// Adds the `check` subcommand to `app`; when it runs it writes its result
/// lines to `out`, errors to `err`, and stores the process exit code (0 all
/// linearizable, 1 any not, 2 unknown or bad input) in *exitCode. `out`,
/// `err` and `exitCode` must outlive `app`.
void addCheckCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode);

}  // namespace detcd::checkers

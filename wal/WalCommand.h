#pragma once
// `wal dump DIR`: a WAL's records, printed for diagnosis (wired into detcd-sim and detcd).

#include <iosfwd>

namespace CLI {
class App;
}

namespace detcd::wal {

/// Adds `wal dump DIR` to `app`. It reads the WAL in DIR on the real disk without changing it and
/// prints to `out` one line per record (file, offset, type, data length, CRC, and for entries
/// index/term/type/bytes, for HardState term/vote/commit, for snapshot markers index/term), then a
/// verdict: clean, a torn tail (what open() would truncate: file, offset, bytes) or damage (file,
/// offset, reason: open() would refuse). Errors go to `err`. *exitCode: 0 clean, 1 torn tail or
/// damage found, 2 bad input (no such directory, no segments).
void addWalCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode);

}  // namespace detcd::wal

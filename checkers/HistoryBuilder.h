#pragma once
// Pairs invocations with completions while a parser reads a history: each
// client has at most one pending operation (Jepsen's and detcd's rule).

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "checkers/History.h"

namespace detcd::checkers {

class HistoryBuilder {
 public:
  /// Records the invocation `op` (client, kind, arguments, invokeTime and
  /// invokeLine already set). Throws ParseError if the client has a pending op.
  void invoke(Operation op);

  /// Completes the client's pending op with `outcome` at `time` (ignored for
  /// kInfo, whose return time is kNever) and returns it so that the parser can
  /// fill in the result. Throws ParseError if the client has no pending op.
  Operation& complete(int64_t client, Outcome outcome, Timestamp time, int64_t line);

  /// Calls `read(line, number)` for every non-blank line of `text` (numbers
  /// 1-based). Any exception it throws other than a ParseError becomes a
  /// ParseError naming that line.
  void readLines(const std::string& text,
                 const std::function<void(const std::string&, int64_t)>& read);

  /// Watch records pass straight through.
  History& history() { return history_; }

  /// Returns the history; ops still pending become kInfo (outcome unknown).
  History finish();

 private:
  History history_;
  std::map<int64_t, size_t> pending_;  ///< client -> index into history_.operations
};

/// The three readers behind parseHistory (History.h); same contract.
History parseDetcdHistory(const std::string& text);
History parseJepsenLog(const std::string& text);
History parseEdnHistory(const std::string& text);

}  // namespace detcd::checkers

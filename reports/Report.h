#pragma once
// The report of one run: a directory holding the raw trace and history, the timeline (DOT and
// its SVG rendering by Graphviz `dot`, one pair per page), the history chart (SVG) and
// index.html, a page that opens from disk with no network: every SVG is inlined, nothing is
// fetched. What `detcd-sim run --report DIR` writes (docs/reports.md).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "reports/Timeline.h"

namespace detcd::reports {

/// One check's verdict, as the run printed it.
struct CheckVerdict {
  std::string name;    ///< "linearizability", "raft-safety", ...
  std::string status;  ///< "ok", "FAILED" or "skipped"
  std::string detail;       ///< one line
  std::string explanation;  ///< several lines or ""
};

/// What the run knows that the trace and history do not; filled by the caller (detcd-sim).
struct ReportInput {
  std::string scenarioName;
  std::string scenarioFile;  ///< path as given on the command line
  std::string scenarioText;  ///< the scenario file's YAML, shown as it is
  std::uint64_t seed = 0;
  std::string bug;            ///< deliberate defect turned on, "" for none
  std::string replayCommand;  ///< "detcd-sim run FILE --seed N"
  std::string verdict;        ///< "verdict: PASS" / "verdict: FAIL (...)"
  std::string traceHash;      ///< 16 hex digits
  std::vector<CheckVerdict> checks;
  std::vector<std::string> notes;
  TimelineOptions timeline;
};

/// Reads `dir`/trace.jsonl and `dir`/history.jsonl (both must exist), writes into `dir`
/// timeline.dot and timeline.svg (page 1), timeline-<k>.dot/.svg (page k >= 2),
/// history.svg and index.html, and returns the path of index.html. Throws
/// std::invalid_argument on a malformed trace or history (the line is named) and
/// std::runtime_error when a file cannot be read or written or `dot` fails.
std::filesystem::path writeReport(const ReportInput& input, const std::filesystem::path& dir);

/// Runs Graphviz `dot -q -Tsvg -o svgFile dotFile` (found on PATH; -q keeps its layout
/// warnings quiet, errors still fail) and waits for it. Throws
/// std::runtime_error when it cannot start or exits non-zero.
void renderDot(const std::filesystem::path& dotFile, const std::filesystem::path& svgFile);

/// renderDot for each (DOT file, SVG file) pair, at most `jobs` (>= 1; 0 counts as 1) dot
/// processes at a time. Waits for every one it started, then throws std::runtime_error naming
/// the first that could not start or failed.
void renderDots(const std::vector<std::pair<std::filesystem::path, std::filesystem::path>>& files,
                std::size_t jobs);

}  // namespace detcd::reports

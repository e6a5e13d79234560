#pragma once
// Scenario files: YAML <-> Scenario (the format is documented key by key in docs/scenarios.md).
// Reading validates everything a run would otherwise trip over later (ranges, member names at the
// time of each fault, time order), and every error names the line it is about.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "env/Time.h"
#include "scenarios/Scenario.h"

namespace detcd::scenarios {

/// A scenario that cannot be read. what() is "<file>: line <n>: <problem>" (the file part only
/// when reading a file, the line part only when the problem has a line, lines 1-based).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(const std::string& file, int line, const std::string& problem);

  const std::string& file() const { return file_; }  ///< "" when parsed from text
  int line() const { return line_; }                 ///< 1-based; 0 when not tied to a line
  const std::string& problem() const { return problem_; }

 private:
  std::string file_;
  int line_;
  std::string problem_;
};

/// Parses a scenario from YAML text. `name` becomes Scenario::name unless the text has a `name`
/// key. Every Fault gets the line it starts on. Throws ScenarioError (without a file) on a YAML
/// syntax error, an unknown key (listing the accepted ones), a value of the wrong type or out of
/// range, an unknown fault kind, a fault not in [0, duration) or out of time order, a member name
/// not in use at the fault's time, "leader"/"follower" where a concrete member is needed,
/// overlapping partition groups, or a malformed duration.
Scenario parseScenario(const std::string& yamlText, const std::string& name);

/// Reads and parses the file at `path`; the name is the file's stem ("scenarios/demo.yaml" ->
/// "demo") unless the file has a `name` key. Throws ScenarioError naming the file (also when it
/// cannot be read).
Scenario readScenarioFile(const std::string& path);

/// The scenario as YAML, every key written out, faults one flow map per line. For a valid scenario
/// (one that parseScenario returned or drawScenario drew) parseScenario reads it back to an equal
/// Scenario except for Fault::line (the lines of the written text). Used by
/// `detcd-sim swarm --save-scenario`.
std::string writeScenario(const Scenario& scenario);

/// Writes writeScenario(scenario) to `path` (replacing it). Throws ScenarioError naming the file
/// when it cannot be written.
void writeScenarioFile(const Scenario& scenario, const std::string& path);

/// One fault as the flow map a scenario file holds, e.g. "{at: 5s, crash: n2}" (for traces,
/// reports and messages).
std::string faultText(const Fault& fault);

/// Parses a duration: a non-negative decimal number and a unit, "ns", "us", "ms", "s", "m" or "h"
/// ("500ms", "2s", "1.5s", "1m", "30us", "100ns"). Nothing when malformed, when it is not a whole
/// number of nanoseconds or when it does not fit in env::Nanos.
std::optional<env::Nanos> parseDuration(std::string_view text);

/// The shortest exact text for a non-negative duration that parseDuration reads back: the largest
/// unit that divides it ("1500ms", "2s", "1m", "0s").
std::string formatDuration(env::Nanos duration);

/// The file-format name of a fault kind ("partition", "one-way", "clock-drift", ...).
std::string_view faultKindName(FaultKind kind);

}  // namespace detcd::scenarios

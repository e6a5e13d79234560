#include "scenarios/SimCommands.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <memory>
#include <ostream>
#include <stdexcept>

#include "reports/Report.h"
#include "scenarios/Run.h"
#include "scenarios/ScenarioFile.h"
#include "scenarios/Swarm.h"
#include "sim/Trace.h"

namespace detcd::scenarios {

namespace {

std::uint64_t parseU64(const std::string& text, const std::string& what) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(fmt::format("{}: \"{}\" is not a number", what, text));
  }
  return v;
}

/// "A..B" -> (A, B).
std::pair<std::uint64_t, std::uint64_t> parseSeedRange(const std::string& text) {
  const auto dots = text.find("..");
  if (dots == std::string::npos) {
    const std::uint64_t s = parseU64(text, "--seeds");
    return {s, s};
  }
  return {parseU64(text.substr(0, dots), "--seeds"), parseU64(text.substr(dots + 2), "--seeds")};
}

/// "K/N" -> (K, N).
std::pair<int, int> parseShard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("--shard wants K/N, e.g. 2/8");
  return {static_cast<int>(parseU64(text.substr(0, slash), "--shard")),
          static_cast<int>(parseU64(text.substr(slash + 1), "--shard"))};
}

std::string seconds(env::Nanos t) {
  return fmt::format("{:.1f} s", static_cast<double>(t.count()) / 1e9);
}

/// "a,b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

/// The timeline options of `detcd-sim run --report`: window "A..B" (durations, either side may
/// be empty), members "n1,n3" (or "1,3"), message kinds "MsgVote,MsgApp", rows per page.
reports::TimelineOptions timelineOptions(const std::string& window, const std::string& nodes,
                                         const std::string& kinds, std::size_t pageRows) {
  reports::TimelineOptions o;
  if (!window.empty()) {
    const auto dots = window.find("..");
    if (dots == std::string::npos) {
      throw std::invalid_argument("--report-window wants A..B, e.g. 4s..9s");
    }
    const auto bound = [&](const std::string& text, std::int64_t dflt) {
      if (text.empty()) return dflt;
      const auto d = parseDuration(text);
      if (!d) throw std::invalid_argument("--report-window: \"" + text + "\" is not a duration");
      return static_cast<std::int64_t>(d->count());
    };
    o.from = bound(window.substr(0, dots), o.from);
    o.to = bound(window.substr(dots + 2), o.to);
    if (o.from > o.to) throw std::invalid_argument("--report-window: the start is after the end");
  }
  for (const std::string& n : splitList(nodes)) {
    o.nodes.push_back(parseU64(n[0] == 'n' ? n.substr(1) : n, "--report-nodes"));
  }
  o.kinds = splitList(kinds);
  if (pageRows == 0) throw std::invalid_argument("--report-page-rows must be at least 1");
  o.rowsPerPage = pageRows;
  return o;
}

/// The scenario file's text for the report ("" if it cannot be read again).
std::string fileText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void addRunCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode) {
  auto* cmd = app.add_subcommand("run", "Run one scenario file on the simulator and check it");
  struct Args {
    std::string file;
    std::uint64_t seed = 1;
    std::string bug;
    std::string outDir;
    std::string reportDir;
    std::string reportWindow;
    std::string reportNodes;
    std::string reportKinds;
    std::size_t reportPageRows = reports::TimelineOptions().rowsPerPage;
    bool reportClients = false;
    bool reportUnfold = false;
    bool reportHeartbeats = false;
    std::size_t reportMaxPages = reports::TimelineOptions().maxPages;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("scenario", args->file, "Scenario file (YAML, docs/scenarios.md)")
      ->required();
  cmd->add_option("--seed", args->seed, "Seed that drives every random choice")
      ->capture_default_str();
  cmd->add_option("--bug", args->bug, "Turn on a deliberate defect (see server/Bugs.h)");
  cmd->add_option("--out", args->outDir, "Keep trace.jsonl and history.jsonl in this directory");
  cmd->add_option("--report", args->reportDir,
                  "Write the run's report (index.html, timeline, history chart) and its trace "
                  "and history into this directory (docs/reports.md)");
  cmd->add_option("--report-window", args->reportWindow,
                  "Timeline only from A to B in virtual time, e.g. 4s..9s");
  cmd->add_option("--report-nodes", args->reportNodes,
                  "Timeline only of these members, e.g. n1,n3");
  cmd->add_option("--report-kinds", args->reportKinds,
                  "Timeline arrows only of these Raft message types, e.g. MsgVote,MsgVoteResp");
  cmd->add_flag("--report-clients", args->reportClients,
               "Timeline with a lane of client operations and their results");
  cmd->add_flag("--report-unfold", args->reportUnfold,
               "Timeline with every Raft message and commit advance (no folding)");
  cmd->add_flag("--report-heartbeats", args->reportHeartbeats,
               "Trace heartbeats too and draw them in the timeline (folded unless "
               "--report-unfold); changes the trace hash");
  cmd->add_option("--report-max-pages", args->reportMaxPages,
                  "Timeline pages at most; later times are left out")
      ->capture_default_str();
  cmd->add_option("--report-page-rows", args->reportPageRows,
                  "Distinct times per timeline page")
      ->capture_default_str();
  cmd->callback([args, &out, &err, exitCode] {
    RunOptions options;
    options.seed = args->seed;
    options.outDir = args->outDir;
    options.traceHeartbeats = args->reportHeartbeats;
    Scenario scenario;
    reports::TimelineOptions timeline;
    try {
      if (!args->reportDir.empty()) {
        if (!args->outDir.empty() && args->outDir != args->reportDir) {
          throw std::invalid_argument("--out and --report name different directories");
        }
        options.outDir = args->reportDir;
        timeline = timelineOptions(args->reportWindow, args->reportNodes, args->reportKinds,
                                   args->reportPageRows);
        timeline.clients = args->reportClients;
        timeline.fold = !args->reportUnfold;
        timeline.maxPages = args->reportMaxPages;
      }
      if (!args->bug.empty()) {
        auto bugs = server::parseBug(args->bug);
        if (!bugs) throw std::invalid_argument("--bug " + args->bug + ": unknown defect");
        options.bugs = *bugs;
      }
      scenario = readScenarioFile(args->file);
    } catch (const std::exception& e) {
      err << "detcd-sim run: " << e.what() << '\n';
      *exitCode = 2;
      return;
    }
    out << fmt::format("scenario {} ({} members, {} clients, {} of faults and workload), seed {}{}\n",
                       scenario.name, scenario.cluster.members, scenario.workload.clients,
                       seconds(scenario.duration), options.seed,
                       args->bug.empty() ? "" : ", bug " + args->bug);
    const RunResult result = runScenario(scenario, options);
    for (const CheckResult& c : result.checks) {
      out << fmt::format("  {:<16} {}  {}\n", c.name,
                         c.skipped ? "skipped" : (c.passed ? "ok" : "FAILED"), c.detail);
      if (!c.passed && !c.explanation.empty()) out << c.explanation << '\n';
    }
    for (const std::string& note : result.notes) out << "  " << note << '\n';
    const RunStats& s = result.stats;
    out << fmt::format("  {} operations ({} ok, {} failed, {} unknown), {} faults, {} virtual, "
                       "{} trace events\n",
                       s.operations, s.ok, s.failed, s.unknown, s.faults, seconds(s.virtualTime),
                       s.events);
    if (!options.outDir.empty()) {
      out << fmt::format("  trace and history in {}\n", options.outDir);
    }
    // Traced heartbeats change the trace hash, so a replay with the same hash needs the flag.
    const std::string replay = fmt::format("detcd-sim run {} --seed {}{}{}", args->file,
                                           options.seed,
                                           args->bug.empty() ? "" : " --bug " + args->bug,
                                           args->reportHeartbeats ? " --report-heartbeats" : "");
    out << "replay: " << replay << '\n';
    out << result.verdictLine() << '\n';
    out << "trace-hash: " << sim::formatHash(result.traceHash) << '\n';
    *exitCode = result.passed ? 0 : 1;
    if (args->reportDir.empty()) return;
    reports::ReportInput report;
    report.scenarioName = scenario.name;
    report.scenarioFile = args->file;
    report.scenarioText = fileText(args->file);
    report.seed = options.seed;
    report.bug = args->bug;
    report.replayCommand = replay;
    report.verdict = result.verdictLine();
    report.traceHash = sim::formatHash(result.traceHash);
    for (const CheckResult& c : result.checks) {
      report.checks.push_back({c.name, c.skipped ? "skipped" : (c.passed ? "ok" : "FAILED"),
                               c.detail, c.explanation});
    }
    report.notes = result.notes;
    report.timeline = timeline;
    try {
      out << "report: " << reports::writeReport(report, args->reportDir).string() << '\n';
    } catch (const std::exception& e) {
      err << "detcd-sim run: report: " << e.what() << '\n';
      *exitCode = 2;
    }
  });
}

void addSwarmCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode) {
  auto* cmd = app.add_subcommand(
      "swarm", "Run many seeds, each with a cluster, workload and faults drawn from the seed");
  struct Args {
    std::string seeds;
    std::string duration = "30s";
    std::string bug;
    std::string shard = "1/1";
    int jobs = 1;
    std::string saveDir;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--seeds", args->seeds, "Seed range A..B (inclusive)")->required();
  cmd->add_option("--duration", args->duration, "Virtual time of each seed's fault phase")
      ->capture_default_str();
  cmd->add_option("--bug", args->bug, "Turn on a deliberate defect (see server/Bugs.h)");
  cmd->add_option("--shard", args->shard, "Run only shard K of N of the range")
      ->capture_default_str();
  cmd->add_option("--jobs", args->jobs, "Worker processes")->capture_default_str();
  cmd->add_option("--save-scenario", args->saveDir,
                  "Write each failing seed's scenario (YAML) into this directory");
  cmd->callback([args, &out, &err, exitCode] {
    SwarmOptions options;
    try {
      std::tie(options.firstSeed, options.lastSeed) = parseSeedRange(args->seeds);
      std::tie(options.shardIndex, options.shardCount) = parseShard(args->shard);
      const auto duration = parseDuration(args->duration);
      if (!duration) {
        throw std::invalid_argument("--duration " + args->duration +
                                    ": not a duration (e.g. 30s, 500ms, 2m)");
      }
      options.duration = *duration;
      options.bug = args->bug;
      options.jobs = args->jobs;
      options.saveDir = args->saveDir;
      options.progress = isatty(STDERR_FILENO) != 0;
      *exitCode = runSwarm(options, out, err);
    } catch (const std::invalid_argument& e) {
      err << "detcd-sim swarm: " << e.what() << '\n';
      *exitCode = 2;
    }
  });
}

}  // namespace detcd::scenarios

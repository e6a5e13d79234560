#include "reports/Report.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "reports/HistoryChart.h"
#include "reports/Markup.h"
#include "reports/RunModel.h"

extern char** environ;

namespace detcd::reports {

namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

/// The <svg> element of a file `dot` wrote, without its XML prologue and DOCTYPE.
std::string svgElement(const std::string& file) {
  const auto start = file.find("<svg");
  if (start == std::string::npos) throw std::runtime_error("dot wrote no <svg> element");
  return file.substr(start);
}

/// Timeline pages rendered at once: dot takes most of a report's time, pages are independent,
/// and two cores is what a developer machine (and CI here) can be assumed to have.
constexpr std::size_t kDotJobs = 2;

std::string pageName(std::size_t page, const char* ext) {
  return page == 1 ? fmt::format("timeline.{}", ext) : fmt::format("timeline-{}.{}", page, ext);
}

constexpr const char* kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
.ok { color: #2e7d32; } .FAILED { color: #c62828; font-weight: bold; } .skipped { color: #888; }
.verdict { font-size: 1.4em; font-weight: bold; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; }
td pre { max-height: 24em; max-width: 80vw; overflow: auto; }
.scroll { overflow: auto; max-height: 90vh; border: 1px solid #ddd; }
)";

/// The checks; a failed linearizability check links to the history chart when the chart
/// highlights its violation (`highlighted`).
std::string checksTable(const ReportInput& in, bool highlighted) {
  std::string html = "<table><tr><th>check</th><th>result</th><th>detail</th></tr>\n";
  for (const CheckVerdict& c : in.checks) {
    const bool link = highlighted && c.name == "linearizability" && c.status == "FAILED";
    html += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td>{}{}{}</td></tr>\n",
                        escapeXml(c.name), escapeXml(c.status), escapeXml(c.status),
                        escapeXml(c.detail),
                        link ? " (<a href=\"#history\">highlighted in the history chart</a>)"
                             : "",
                        c.explanation.empty()
                            ? std::string()
                            : "<pre>" + escapeXml(c.explanation) + "</pre>");
  }
  return html + "</table>\n";
}

std::string summaryTable(const RunModel& m) {
  const RunSummary& s = m.summary;
  std::string leaders;
  for (const auto& [term, members] : s.leadersPerTerm) {
    std::string names;
    for (std::uint64_t n : members) names += fmt::format("{}n{}", names.empty() ? "" : ", ", n);
    leaders += fmt::format("term {}: {}<br>", term, names);
  }
  std::string drops;
  for (const auto& [reason, count] : s.dropReasons) {
    drops += fmt::format("{}{} {}", drops.empty() ? " (" : ", ", count, escapeXml(reason));
  }
  if (!drops.empty()) drops += ")";
  std::uint64_t ok = 0, failed = 0, unknown = 0;
  for (const ClientOp& op : m.ops) {
    (op.outcome == Outcome::kOk ? ok : op.outcome == Outcome::kFailed ? failed : unknown) += 1;
  }
  return fmt::format(
      "<table>\n"
      "<tr><th>members</th><td>{}</td></tr>\n"
      "<tr><th>virtual time</th><td>{}</td></tr>\n"
      "<tr><th>leaders per term</th><td>{}</td></tr>\n"
      "<tr><th>elections (became candidate)</th><td>{}</td></tr>\n"
      "<tr><th>faults applied / skipped</th><td>{} / {}</td></tr>\n"
      "<tr><th>peer messages sent / dropped (heartbeats included)</th><td>{} / {}{}</td></tr>\n"
      "<tr><th>Raft messages sent / never stepped ({})</th><td>{} / {}</td></tr>\n"
      "<tr><th>fsyncs (files and directories)</th><td>{}</td></tr>\n"
      "<tr><th>snapshots saved</th><td>{}</td></tr>\n"
      "<tr><th>entries applied (all members)</th><td>{}</td></tr>\n"
      "<tr><th>client operations (ok / failed / unknown)</th><td>{} ({} / {} / {})</td></tr>\n"
      "</table>\n",
      m.nodes.size(), formatSeconds(m.endTime), leaders.empty() ? "none" : leaders, s.elections,
      s.faults, s.faultsSkipped, s.packetsSent, s.packetsDropped, drops,
      s.heartbeatsTraced == 0 ? std::string("heartbeats not traced")
                              : fmt::format("{} heartbeats included", s.heartbeatsTraced),
      s.raftSent, s.raftLost,
      s.fsyncs, s.snapshots, s.applies, m.ops.size(), ok, failed, unknown);
}

std::string finalsTable(const RunModel& m) {
  std::string html =
      "<table class=\"finals\"><tr><th>member</th><th>up</th><th>role</th><th>term</th>"
      "<th>vote</th><th>leader</th><th>commit</th><th>applied</th><th>log</th>"
      "<th>snapshot</th><th>revision (compacted)</th><th>HashKV</th>"
      "<th>hash of last applied entry</th><th>stopped</th></tr>\n";
  for (std::uint64_t n : m.nodes) {
    const auto it = m.finals.find(n);
    const NodeFinalState f = it == m.finals.end() ? NodeFinalState{} : it->second;
    // Without the runner's member-final record only the log's last index is known.
    const std::string log =
        f.hasStatus ? fmt::format("{}..{}", f.firstIndex, f.last) : fmt::format("..{}", f.last);
    const std::string revision =
        f.hasStatus ? fmt::format("{} ({})", f.revision, f.compactRevision) : "-";
    const std::string hashKv = f.hasStatus ? fmt::format("{:08x}", f.hashKv) : "-";
    html += fmt::format(
        "<tr><td>n{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:016x}</td><td>{}</td>"
        "</tr>\n",
        n, f.up ? "yes" : "no", escapeXml(f.role), f.term, f.vote, f.leader, f.commit, f.applied,
        log, f.snapshotIndex, revision, hashKv, f.appliedHash, escapeXml(f.stopped));
  }
  return html + "</table>\n";
}

}  // namespace

void renderDots(const std::vector<std::pair<fs::path, fs::path>>& files, std::size_t jobs) {
  jobs = std::max<std::size_t>(jobs, 1);
  std::deque<std::pair<pid_t, std::string>> running;  // pid, DOT file
  std::string firstError;
  const auto waitOldest = [&running, &firstError] {
    const auto [pid, dot] = running.front();
    running.pop_front();
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (firstError.empty()) {
        firstError = fmt::format("dot -Tsvg {} failed (status {})", dot, status);
      }
    }
  };
  for (const auto& [dotFile, svgFile] : files) {
    if (running.size() == jobs) waitOldest();
    const std::string svg = svgFile.string(), dot = dotFile.string();
    // -q: no warnings (a same-rank arrow of a lost message makes dot warn about spline routing).
    std::string a0 = "dot", a1 = "-q", a2 = "-Tsvg", a3 = "-o";
    std::vector<char*> argv = {a0.data(), a1.data(), a2.data(), a3.data(),
                               const_cast<char*>(svg.c_str()), const_cast<char*>(dot.c_str()),
                               nullptr};
    pid_t pid = 0;
    if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0) {
      if (firstError.empty()) firstError = "cannot run Graphviz dot (is graphviz installed?)";
      break;
    }
    running.emplace_back(pid, dot);
  }
  // Every dot started is waited for, also after a failure.
  while (!running.empty()) waitOldest();
  if (!firstError.empty()) throw std::runtime_error(firstError);
}

void renderDot(const fs::path& dotFile, const fs::path& svgFile) {
  renderDots({{dotFile, svgFile}}, 1);
}

fs::path writeReport(const ReportInput& input, const fs::path& dir) {
  RunModel model;
  readTrace(readFile(dir / "trace.jsonl"), model);
  readHistory(readFile(dir / "history.jsonl"), model);
  if (fs::exists(dir / "checks.json")) readChecks(readFile(dir / "checks.json"), model);

  const std::vector<std::string> pages = timelineDot(model, input.timeline);
  std::vector<std::pair<fs::path, fs::path>> files;
  for (std::size_t p = 1; p <= pages.size(); ++p) {
    writeFile(dir / pageName(p, "dot"), pages[p - 1]);
    files.emplace_back(dir / pageName(p, "dot"), dir / pageName(p, "svg"));
  }
  renderDots(files, kDotJobs);
  std::string timelines;
  for (std::size_t p = 1; p <= pages.size(); ++p) {
    timelines += fmt::format("<h3>page {} of {} ({})</h3>\n"
                             "<div class=\"scroll timeline\">{}</div>\n",
                             p, pages.size(), pageName(p, "svg"),
                             svgElement(readFile(dir / pageName(p, "svg"))));
  }
  const std::string chart = historyChartSvg(model);
  writeFile(dir / "history.svg", chart);

  std::string notes;
  for (const std::string& n : input.notes) notes += "<li>" + escapeXml(n) + "</li>\n";
  const std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>detcd run: {0} seed {1}</title>\n<style>{2}</style>\n</head>\n<body>\n"
      "<h1>detcd run: {0}</h1>\n"
      "<p class=\"verdict {3}\">{4}</p>\n"
      "<p>seed {1}{5}; trace hash {6}</p>\n"
      "<p>replay: <code>{7}</code></p>\n"
      "<h2>Checks</h2>\n{8}{9}\n"
      "<h2>Cluster summary</h2>\n{10}\n"
      "<h2>Members at the end</h2>\n{11}\n"
      "<h2>Timeline</h2>\n<p>Lanes: the simulator's faults, then each member; time flows down. "
      "Arrows are Raft messages: blue vote requests, green vote answers, black appends (t term, "
      "i index, +entries, c commit), gray append answers, purple snapshots, red rejections, "
      "light gray heartbeats (traced only with --report-heartbeats); a dashed arrow ending in a "
      "bar was never stepped.</p>\n{12}\n"
      "<h2 id=\"history\">History</h2>\n<p>One row per client, each operation a bar from its "
      "invocation to its completion: green ok, red failed, amber unknown. Hover a bar for the "
      "operation.</p>\n"
      "<div class=\"scroll history\">{13}</div>\n"
      "<h2>Scenario</h2>\n<p>{14}</p>\n<pre>{15}</pre>\n"
      "</body>\n</html>\n",
      escapeXml(input.scenarioName), input.seed, kStyle,
      input.verdict.find("PASS") != std::string::npos ? "ok" : "FAILED",
      escapeXml(input.verdict), input.bug.empty() ? "" : ", bug " + escapeXml(input.bug),
      escapeXml(input.traceHash), escapeXml(input.replayCommand),
      checksTable(input, model.violation.has_value()),
      notes.empty() ? "" : "<ul>" + notes + "</ul>", summaryTable(model), finalsTable(model),
      timelines, chart, escapeXml(input.scenarioFile), escapeXml(input.scenarioText));
  const fs::path index = dir / "index.html";
  writeFile(index, html);
  return index;
}

}  // namespace detcd::reports

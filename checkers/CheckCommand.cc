#include "checkers/CheckCommand.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/Linearizability.h"
#include "checkers/WatchChecker.h"

namespace detcd::checkers {

namespace {

struct CheckArgs {
  std::vector<std::string> files;
  std::string format = "auto";
  std::string model = "auto";
  double timeout = 0;
  uint64_t maxSteps = 0;
  bool wholeMap = false;
  bool stats = false;
  bool explain = false;
};

// Guesses the format from the first non-blank line: `{"` detcd JSON, `{:` EDN,
// `jepsen.util` a Jepsen log.
Format sniffFormat(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find_first_not_of(" \t\r");
    if (at == std::string::npos) continue;
    if (line.find("jepsen.util") != std::string::npos) return Format::kJepsen;
    if (line.compare(at, 2, "{:") == 0 || line.compare(at, 2, "#j") == 0) return Format::kEdn;
    return Format::kDetcd;
  }
  return Format::kDetcd;
}

std::string modelFor(const std::string& requested, const History& history) {
  if (requested != "auto") return requested;
  for (const Operation& op : history.operations) {
    if (op.kind == OpKind::kEtcd) return "etcd";
    if (op.kind == OpKind::kGet || op.kind == OpKind::kPut || op.kind == OpKind::kAppend) {
      return "kv";
    }
  }
  return history.operations.empty() ? "etcd" : "register";
}

enum class FileResult { kLinearizable, kNot, kUnknown };

FileResult checkFile(const std::string& file, const CheckArgs& args, std::ostream& out,
                     std::ostream& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << file << ": cannot read the file\n";
    return FileResult::kUnknown;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  Format format = args.format == "detcd"    ? Format::kDetcd
                  : args.format == "jepsen" ? Format::kJepsen
                  : args.format == "edn"    ? Format::kEdn
                                            : sniffFormat(text);
  try {
    History history = parseHistory(text, format);
    std::unique_ptr<Model> model = makeModel(modelFor(args.model, history), !args.wholeMap);
    CheckOptions options;
    options.timeoutSeconds = args.timeout;
    options.maxSteps = args.maxSteps;
    auto start = std::chrono::steady_clock::now();
    CheckResult r = checkLinearizability(history, *model, options);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    FileResult result = FileResult::kUnknown;
    switch (r.verdict) {
      case Verdict::kLinearizable:
        out << file << ": linearizable\n";
        result = FileResult::kLinearizable;
        break;
      case Verdict::kNotLinearizable:
        out << file << ": NOT linearizable (" << r.reason << ")\n";
        if (args.explain && r.violation) out << describeViolation(*r.violation, history, *model);
        result = FileResult::kNot;
        break;
      case Verdict::kUnknown:
        out << file << ": unknown (" << r.reason << ")\n";
        break;
    }
    if (args.stats) {
      out << fmt::format("{}: {} operations, {} groups, {} steps, peak memo {:.1f} MiB, {:.2f} s\n",
                         file, history.operations.size(), r.groups, r.steps,
                         static_cast<double>(r.peakMemoBytes) / (1 << 20), took.count());
    }
    if (!history.watches.empty()) {
      WatchCheckResult w = checkWatches(history);
      if (w.ok()) {
        out << file << ": watch guarantees hold\n";
      } else {
        const WatchViolation& v = w.violations.front();
        out << file << ": watch guarantees violated (" << w.violations.size() << "; first: "
            << guaranteeName(v.guarantee) << ", line " << v.line << ": " << v.message << ")\n";
        if (args.explain) {
          for (const WatchViolation& x : w.violations) {
            out << "  line " << x.line << "  watch " << x.watchId << "  "
                << guaranteeName(x.guarantee) << ": " << x.message << "\n";
          }
        }
        result = FileResult::kNot;
      }
    }
    return result;
  } catch (const std::exception& e) {
    err << file << ": bad input: " << e.what() << "\n";
  }
  return FileResult::kUnknown;
}

}  // namespace

void addCheckCommand(CLI::App& app, std::ostream& out, std::ostream& err, int* exitCode) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Check recorded client histories for linearizability (docs/checkers.md)");
  cmd->add_option("files", args->files, "History files")->required();
  cmd->add_option("--format", args->format,
                  "detcd (JSON lines), jepsen (log lines) or edn; default: guessed from the "
                  "first line")
      ->check(CLI::IsMember({"auto", "detcd", "jepsen", "edn"}));
  cmd->add_option("--model", args->model,
                  "etcd, register or kv; default: from the operations (detcd: etcd)")
      ->check(CLI::IsMember({"auto", "etcd", "register", "kv"}));
  cmd->add_option("--timeout", args->timeout,
                  "Seconds per file before the verdict is 'unknown'; 0 = no limit")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-steps", args->maxSteps,
                  "Search steps per file before the verdict is 'unknown' (deterministic, as "
                  "the scenario checks' linearizabilityMaxSteps); 0 = no limit");
  cmd->add_flag("--stats", args->stats,
                "After the verdict, print a line with the operations, groups, search steps, "
                "peak memo and wall time of the linearizability check");
  cmd->add_flag("--whole-map", args->wholeMap,
                "kv model: whole-map states instead of one value per key (keys are still "
                "searched apart: linearizability is local)");
  cmd->add_flag("--explain", args->explain,
                "After a NOT linearizable line, print the smallest non-linearizable window "
                "and the longest linearizable prefix");
  cmd->callback([args, &out, &err, exitCode] {
    bool anyNot = false, anyUnknown = false;
    for (const std::string& file : args->files) {
      FileResult r = checkFile(file, *args, out, err);
      anyNot = anyNot || r == FileResult::kNot;
      anyUnknown = anyUnknown || r == FileResult::kUnknown;
    }
    *exitCode = anyNot ? 1 : anyUnknown ? 2 : 0;
  });
}

}  // namespace detcd::checkers

// detcd-sim: the simulator's command line.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "checkers/CheckCommand.h"
#include "scenarios/Demo.h"
#include "sim/Trace.h"
#include "wal/WalCommand.h"

namespace {

/// `detcd-sim demo`: the built-in demonstration run.
void addDemoCommand(CLI::App& app, int* exitCode) {
  auto* cmd = app.add_subcommand(
      "demo", "Run a short simulated cluster under faults and print what happened");
  auto seed = std::make_shared<std::uint64_t>(1);
  auto outDir = std::make_shared<std::string>("build/demo");
  auto hashOnly = std::make_shared<bool>(false);
  cmd->add_option("--seed", *seed, "Seed that drives every random choice of the run")
      ->capture_default_str();
  cmd->add_option("--out", *outDir, "Directory for trace.jsonl")->capture_default_str();
  cmd->add_flag("--hash-only", *hashOnly, "Print only the trace hash (for determinism checks)");
  cmd->callback([=] {
    std::string tracePath;
    if (!*hashOnly) {
      std::filesystem::create_directories(*outDir);
      tracePath = (std::filesystem::path(*outDir) / "trace.jsonl").string();
    }
    const auto result = detcd::scenarios::runDemo(*seed, *hashOnly ? nullptr : &std::cout,
                                                  tracePath);
    if (*hashOnly) {
      std::cout << detcd::sim::formatHash(result.traceHash) << '\n';
    } else {
      std::cout << fmt::format("trace written to {}\n", tracePath);
      std::cout << fmt::format("replay: detcd-sim demo --seed {} --out {}\n", *seed, *outDir);
    }
    *exitCode = 0;
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"detcd-sim: run detcd clusters on a virtual clock, network and disk"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "detcd-sim 0.1.0");
  int exitCode = 0;
  addDemoCommand(app, &exitCode);
  detcd::wal::addWalCommand(app, std::cout, std::cerr, &exitCode);
  detcd::checkers::addCheckCommand(app, std::cout, std::cerr, &exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a wrong flag or argument is bad input: exit 2.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "detcd-sim: " << e.what() << '\n';
    return 2;
  }
  return exitCode;
}

// detcd-sim: the simulator's command line.

#include <CLI/CLI.hpp>

#include <iostream>

#include "checkers/CheckCommand.h"
#include "scenarios/SimCommands.h"
#include "wal/WalCommand.h"

int main(int argc, char** argv) {
  CLI::App app{"detcd-sim: run detcd clusters on a virtual clock, network and disk"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "detcd-sim 0.1.0");
  int exitCode = 0;
  detcd::scenarios::addRunCommand(app, std::cout, std::cerr, &exitCode);
  detcd::scenarios::addSwarmCommand(app, std::cout, std::cerr, &exitCode);
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

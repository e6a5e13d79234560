// detcd: one member of an etcd-compatible cluster (docs/server.md, "Running detcd").
#include <cstdio>
#include <iostream>

#include "server/daemon/Config.h"
#include "server/daemon/Daemon.h"
#include "server/daemon/Log.h"

int main(int argc, char** argv) {
  using namespace detcd::server::daemon;
  ParseResult parsed = parseCommandLine(argc, argv);
  if (!parsed.run) {
    (parsed.exitCode == 0 ? std::cout : std::cerr) << parsed.message
                                                   << (parsed.message.ends_with('\n') ? "" : "\n");
    return parsed.exitCode;
  }
  const LogLevel level = logLevelOf(parsed.config.settings.logLevel);
  routeLibraryLogs(parsed.config.settings.name, level);
  Log log(parsed.config.settings.name, level);
  return runDaemon(parsed.config, log);
}

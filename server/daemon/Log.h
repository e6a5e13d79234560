#pragma once
// detcd's log: one JSON object per line on stderr (as etcd's zap logger writes), with the
// level, a UTC timestamp, the member name and the message, then the event's own fields.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spdlog {
class logger;
}

namespace detcd::server::daemon {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

/// Parses "debug" / "info" / "warn" / "error" (validated by Config beforehand).
LogLevel logLevelOf(const std::string& name);

/// The JSON-lines logger. Each line: {"level","ts","name","msg", fields...}; `fields` must be a
/// JSON object (or null). Lines below the minimum level are not built. Thread-safe (spdlog's
/// _mt sink), though detcd logs from the node's loop and main() only.
class Log {
 public:
  Log(std::string memberName, LogLevel minimum);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  bool enabled(LogLevel level) const { return level >= minimum_; }
  void write(LogLevel level, std::string_view message, const nlohmann::json& fields);
  void debug(std::string_view message, const nlohmann::json& fields);
  void info(std::string_view message, const nlohmann::json& fields);
  void warn(std::string_view message, const nlohmann::json& fields);
  void error(std::string_view message, const nlohmann::json& fields);

 private:
  std::string name_;
  LogLevel minimum_;
  std::shared_ptr<spdlog::logger> logger_;
};

/// Points spdlog's default logger (what env::TcpTransport and server/http log through) and
/// gRPC's own log (gpr_log) at stderr in the same JSON lines as Log: {"level","ts","name","msg"}
/// with `memberName`, at `minimum` and above (spdlog's trace and debug are "debug", err
/// "error", critical "fatal"; gRPC's lines carry their "caller" file:line). Call once, early in
/// main(); every line the binary writes is then one JSON object.
void routeLibraryLogs(const std::string& memberName, LogLevel minimum);

}  // namespace detcd::server::daemon

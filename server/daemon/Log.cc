#include "server/daemon/Log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace detcd::server::daemon {

namespace {
const char* levelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

/// RFC 3339 UTC time with microseconds, as etcd's zap encoder prints it.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          now.time_since_epoch()).count() % 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf, n) + fmt::format(".{:06d}Z", micros);
}
}  // namespace

LogLevel logLevelOf(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

Log::Log(std::string memberName, LogLevel minimum)
    : name_(std::move(memberName)),
      minimum_(minimum),
      logger_(std::make_shared<spdlog::logger>(
          "detcd", std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
  logger_->set_pattern("%v");  // each line is the JSON object alone
  logger_->set_level(spdlog::level::trace);
  logger_->flush_on(spdlog::level::trace);
}

Log::~Log() = default;

void Log::write(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  nlohmann::ordered_json line;
  line["level"] = levelName(level);
  line["ts"] = timestamp();
  line["name"] = name_;
  line["msg"] = message;
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) line[k] = v;
  }
  logger_->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Log::debug(std::string_view m, const nlohmann::json& f) { write(LogLevel::kDebug, m, f); }
void Log::info(std::string_view m, const nlohmann::json& f) { write(LogLevel::kInfo, m, f); }
void Log::warn(std::string_view m, const nlohmann::json& f) { write(LogLevel::kWarn, m, f); }
void Log::error(std::string_view m, const nlohmann::json& f) { write(LogLevel::kError, m, f); }

}  // namespace detcd::server::daemon

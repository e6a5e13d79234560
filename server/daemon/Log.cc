#include "server/daemon/Log.h"

#include <grpc/support/log.h>
#include <spdlog/formatter.h>
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
std::string timestamp(std::chrono::system_clock::time_point now) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          now.time_since_epoch()).count() % 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf, n) + fmt::format(".{:06d}Z", micros);
}

/// The fields every line starts with, in etcd's order.
nlohmann::ordered_json lineHead(const char* level, std::chrono::system_clock::time_point time,
                                const std::string& name, std::string_view message) {
  nlohmann::ordered_json line;
  line["level"] = level;
  line["ts"] = timestamp(time);
  line["name"] = name;
  line["msg"] = message;
  return line;
}

std::string dumpLine(const nlohmann::ordered_json& line) {
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* levelName(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug: return "debug";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "fatal";
    default: return "info";
  }
}

/// spdlog's default logger's lines as Log's: the message is the "msg" field.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string name) : name_(std::move(name)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line =
        dumpLine(lineHead(levelName(msg.level), msg.time, name_,
                          std::string_view(msg.payload.data(), msg.payload.size()))) + '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(name_);
  }

 private:
  std::string name_;
};

spdlog::level::level_enum spdlogLevel(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

/// gRPC's log lines (gpr_log), through spdlog's default logger, with their source location.
void grpcLog(gpr_log_func_args* args) {
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
      : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                : spdlog::level::debug;
  spdlog::log(level, "grpc: {} ({}:{})", args->message, args->file, args->line);
}
}  // namespace

void routeLibraryLogs(const std::string& memberName, LogLevel minimum) {
  auto logger = std::make_shared<spdlog::logger>(
      "", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<JsonFormatter>(memberName));
  logger->set_level(spdlogLevel(minimum));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  gpr_set_log_function(grpcLog);
}

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
  nlohmann::ordered_json line =
      lineHead(levelName(level), std::chrono::system_clock::now(), name_, message);
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) line[k] = v;
  }
  logger_->info(dumpLine(line));
}

void Log::debug(std::string_view m, const nlohmann::json& f) { write(LogLevel::kDebug, m, f); }
void Log::info(std::string_view m, const nlohmann::json& f) { write(LogLevel::kInfo, m, f); }
void Log::warn(std::string_view m, const nlohmann::json& f) { write(LogLevel::kWarn, m, f); }
void Log::error(std::string_view m, const nlohmann::json& f) { write(LogLevel::kError, m, f); }

}  // namespace detcd::server::daemon

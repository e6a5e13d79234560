#include "server/daemon/LogTracer.h"

#include <nlohmann/json.hpp>
#include <set>

namespace detcd::server::daemon {

namespace {
const std::set<std::string_view, std::less<>> kInfoKinds{
    "node-start", "snapshot-save", "snapshot-restore", "snapshot-saved", "wal-cut",
    "wal-release", "wal-tail-truncated", "lease-expire", "alarm"};

nlohmann::json toJson(std::initializer_list<env::TraceField> fields) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : fields) {
    std::visit([&](const auto& v) {
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string_view>) {
        out[std::string(f.key)] = std::string(v);
      } else {
        out[std::string(f.key)] = v;
      }
    }, f.value);
  }
  return out;
}
}  // namespace

void LogTracer::event(std::string_view kind, std::initializer_list<env::TraceField> fields) {
  LogLevel level = LogLevel::kDebug;
  if (kind == "node-refused" || kind == "node-stopped") {
    level = LogLevel::kError;
  } else if (kInfoKinds.count(kind) != 0) {
    level = LogLevel::kInfo;
  } else if (kind == "raft-state") {
    const nlohmann::json j = toJson(fields);
    const std::string role = j.value("role", "");
    const std::uint64_t term = j.value("term", std::uint64_t{0});
    const std::uint64_t leader = j.value("leader", std::uint64_t{0});
    if (role != role_ || term != term_ || leader != leader_) level = LogLevel::kInfo;
    role_ = role;
    term_ = term;
    leader_ = leader;
    return log_.write(level, kind, j);
  }
  if (!log_.enabled(level)) return;
  log_.write(level, kind, toJson(fields));
}

}  // namespace detcd::server::daemon

#include "scenarios/ScenarioFile.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <sstream>

namespace detcd::scenarios {

ScenarioError::ScenarioError(const std::string& file, int line, const std::string& problem)
    : std::runtime_error((file.empty() ? "" : file + ": ") +
                         (line > 0 ? fmt::format("line {}: ", line) : "") + problem),
      file_(file),
      line_(line),
      problem_(problem) {}

namespace {

/// A problem at a line of the text (1-based, 0: none); the callers add the file.
struct LineError {
  int line;
  std::string problem;
};

int lineOf(const YAML::Node& node) { return node.Mark().line + 1; }  // Mark is 0-based, null -1

[[noreturn]] void fail(const YAML::Node& at, const std::string& problem) {
  throw LineError{lineOf(at), problem};
}

/// How a value that has the wrong type looks, for messages.
std::string describe(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  return "nothing";
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

/// The entries of one YAML map, checked against the keys accepted there: an unknown or
/// duplicate key is an error at its line.
class Fields {
 public:
  /// `name` names the map in messages ("cluster": "cluster.members"; "": the top level).
  Fields(const YAML::Node& map, const std::string& name, std::span<const std::string_view> accepted)
      : prefix_(name.empty() ? "" : name + ".") {
    const std::string where = name.empty() ? "the scenario" : name;
    if (!map.IsMap()) fail(map, fmt::format("{} must be a map, got {}", where, describe(map)));
    for (const auto& entry : map) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) fail(key, fmt::format("a key of {} must be a word", where));
      const std::string& k = key.Scalar();
      if (std::find(accepted.begin(), accepted.end(), k) == accepted.end()) {
        fail(key, fmt::format("unknown key '{}' in {} (accepted: {})", k, where, joined(accepted)));
      }
      for (const auto& [seen, value] : entries_) {
        if (seen == k) {
          fail(key,
               fmt::format("duplicate key '{}' in {} (first at line {})", k, where, lineOf(value)));
        }
      }
      entries_.emplace_back(k, entry.second);
    }
  }

  std::optional<YAML::Node> get(std::string_view key) const {
    for (const auto& [k, value] : entries_) {
      if (k == key) return value;
    }
    return std::nullopt;
  }

  bool has(std::string_view key) const { return get(key).has_value(); }

  /// The full name of `key` for messages ("cluster.members").
  std::string label(std::string_view key) const { return prefix_ + std::string(key); }

  const std::vector<std::pair<std::string, YAML::Node>>& entries() const { return entries_; }

 private:
  std::string prefix_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

const std::string& scalar(const YAML::Node& node, const std::string& label,
                          std::string_view expected) {
  if (!node.IsScalar()) {
    fail(node, fmt::format("{} must be {}, got {}", label, expected, describe(node)));
  }
  return node.Scalar();
}

std::int64_t integer(const YAML::Node& node, const std::string& label, std::int64_t lo,
                     std::int64_t hi) {
  const std::string& text = scalar(node, label, "an integer");
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    fail(node, fmt::format("{} is out of range, got {}", label, text));
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    fail(node, fmt::format("{} must be an integer, got '{}'", label, text));
  }
  if (value < lo || value > hi) {
    fail(node, hi == std::numeric_limits<std::int64_t>::max()
                   ? fmt::format("{} must be at least {}, got {}", label, lo, value)
                   : fmt::format("{} must be in {}..{}, got {}", label, lo, hi, value));
  }
  return value;
}

double number(const YAML::Node& node, const std::string& label) {
  const std::string& text = scalar(node, label, "a number");
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    fail(node, fmt::format("{} must be a number, got '{}'", label, text));
  }
  return value;
}

bool boolean(const YAML::Node& node, const std::string& label) {
  const std::string& text = scalar(node, label, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail(node, fmt::format("{} must be true or false, got '{}'", label, text));
}

env::Nanos duration(const YAML::Node& node, const std::string& label) {
  const std::string& text = scalar(node, label, "a duration");
  const auto value = parseDuration(text);
  if (!value) {
    fail(node, fmt::format("{}: malformed duration '{}' (a number and a unit: 500ms, 2s, 1m, "
                           "30us, 100ns)",
                           label, text));
  }
  return *value;
}

env::Nanos positiveDuration(const YAML::Node& node, const std::string& label) {
  const env::Nanos value = duration(node, label);
  if (value <= env::Nanos{0}) fail(node, fmt::format("{} must be more than 0", label));
  return value;
}

/// `[min, max]` of two durations, min <= max.
std::pair<env::Nanos, env::Nanos> durationRange(const YAML::Node& node, const std::string& label) {
  if (!node.IsSequence() || node.size() != 2) {
    fail(node, fmt::format("{} must be a list [min, max] of two durations, got {}", label,
                           describe(node)));
  }
  const env::Nanos lo = duration(node[0], label + " min");
  const env::Nanos hi = duration(node[1], label + " max");
  if (lo > hi) {
    fail(node, fmt::format("{}: min {} is more than max {}", label, formatDuration(lo),
                           formatDuration(hi)));
  }
  return {lo, hi};
}

const YAML::Node& sequence(const YAML::Node& node, const std::string& label) {
  if (!node.IsSequence())
    fail(node, fmt::format("{} must be a list, got {}", label, describe(node)));
  return node;
}

// ---------------------------------------------------------------------------------------------
// Keys.

constexpr std::array<std::string_view, 9> kTopKeys = {
    "name",           "description", "cluster", "workload",       "duration",
    "liveness-bound", "faults",      "checks",  "expect-refusal",
};
constexpr std::array<std::string_view, 12> kClusterKeys = {
    "members",        "election-ticks",   "heartbeat-ticks",
    "tick",           "snapshot-count",   "snapshot-catch-up-entries",
    "pre-vote",       "check-quorum",     "max-size-per-msg",
    "max-inflight-msgs", "latency",        "client-latency",
};
constexpr std::array<std::string_view, 7> kWorkloadKeys = {
    "clients", "rate", "keys", "request-timeout", "watchers", "lease-ttl", "mix",
};

/// The operations of the mix, with their weight in OpMix.
struct MixKey {
  std::string_view key;
  double OpMix::*weight;
};
constexpr std::array<MixKey, 11> kMixKeys = {{
    {"put", &OpMix::put},
    {"get", &OpMix::get},
    {"serializable-get", &OpMix::serializableGet},
    {"delete", &OpMix::del},
    {"txn", &OpMix::txn},
    {"range", &OpMix::range},
    {"lease-grant", &OpMix::leaseGrant},
    {"lease-put", &OpMix::leasePut},
    {"lease-revoke", &OpMix::leaseRevoke},
    {"lease-keepalive", &OpMix::leaseKeepAlive},
    {"compact", &OpMix::compact},
}};

struct CheckKey {
  std::string_view key;
  bool CheckSet::*flag;
};
constexpr std::array<CheckKey, 7> kCheckKeys = {{
    {"linearizability", &CheckSet::linearizability},
    {"watch", &CheckSet::watch},
    {"raft-safety", &CheckSet::raftSafety},
    {"durability", &CheckSet::durability},
    {"convergence", &CheckSet::convergence},
    {"liveness", &CheckSet::liveness},
    {"leases", &CheckSet::leases},
}};

struct ActionKey {
  std::string_view key;
  FaultKind kind;
};
constexpr std::array<ActionKey, 19> kActions = {{
    {"partition", FaultKind::kPartition},
    {"isolate", FaultKind::kIsolate},
    {"one-way", FaultKind::kOneWay},
    {"heal", FaultKind::kHeal},
    {"crash", FaultKind::kCrash},
    {"restart", FaultKind::kRestart},
    {"pause", FaultKind::kPause},
    {"resume", FaultKind::kResume},
    {"clock-drift", FaultKind::kClockDrift},
    {"clock-step", FaultKind::kClockStep},
    {"torn-write", FaultKind::kTornWrite},
    {"bit-flip", FaultKind::kBitFlip},
    {"fsync-error", FaultKind::kFsyncError},
    {"disk-full", FaultKind::kDiskFull},
    {"slow-disk", FaultKind::kSlowDisk},
    {"disk-heal", FaultKind::kDiskHeal},
    {"add-member", FaultKind::kAddMember},
    {"remove-member", FaultKind::kRemoveMember},
    {"transfer-leader", FaultKind::kTransferLeader},
}};

template <typename T, std::size_t N>
std::vector<std::string_view> keysOf(const std::array<T, N>& table) {
  std::vector<std::string_view> keys;
  for (const auto& entry : table) keys.push_back(entry.key);
  return keys;
}

constexpr int kMaxMembers = 7;

// ---------------------------------------------------------------------------------------------
// Sections.

void readCluster(const YAML::Node& node, ClusterSpec& c) {
  const Fields f(node, "cluster", kClusterKeys);
  if (auto v = f.get("members"))
    c.members = static_cast<int>(integer(*v, f.label("members"), 1, kMaxMembers));
  if (auto v = f.get("heartbeat-ticks")) {
    c.heartbeatTicks = static_cast<int>(integer(*v, f.label("heartbeat-ticks"), 1, 1'000'000));
  }
  if (auto v = f.get("election-ticks")) {
    c.electionTicks = static_cast<int>(integer(*v, f.label("election-ticks"), 2, 1'000'000));
  }
  if (c.electionTicks <= c.heartbeatTicks) {
    fail(f.get("election-ticks").value_or(f.get("heartbeat-ticks").value_or(node)),
         fmt::format("cluster.election-ticks ({}) must be more than cluster.heartbeat-ticks ({})",
                     c.electionTicks, c.heartbeatTicks));
  }
  if (auto v = f.get("tick")) c.tick = positiveDuration(*v, f.label("tick"));
  if (auto v = f.get("snapshot-count")) {
    c.snapshotCount = static_cast<std::uint64_t>(
        integer(*v, f.label("snapshot-count"), 1, std::numeric_limits<std::int64_t>::max()));
  }
  if (auto v = f.get("snapshot-catch-up-entries")) {
    c.snapshotCatchUpEntries = static_cast<std::uint64_t>(integer(
        *v, f.label("snapshot-catch-up-entries"), 1, std::numeric_limits<std::int64_t>::max()));
  }
  if (auto v = f.get("max-size-per-msg")) {
    c.maxSizePerMsg = static_cast<std::uint64_t>(
        integer(*v, f.label("max-size-per-msg"), 1, std::numeric_limits<std::int64_t>::max()));
  }
  if (auto v = f.get("max-inflight-msgs")) {
    c.maxInflightMsgs =
        static_cast<std::uint64_t>(integer(*v, f.label("max-inflight-msgs"), 1, 1 << 20));
  }
  if (auto v = f.get("pre-vote")) c.preVote = boolean(*v, f.label("pre-vote"));
  if (auto v = f.get("check-quorum")) c.checkQuorum = boolean(*v, f.label("check-quorum"));
  if (auto v = f.get("latency")) {
    std::tie(c.latencyMin, c.latencyMax) = durationRange(*v, f.label("latency"));
  }
  if (auto v = f.get("client-latency")) {
    std::tie(c.clientLatencyMin, c.clientLatencyMax) = durationRange(*v, f.label("client-latency"));
  }
}

void readMix(const YAML::Node& node, OpMix& mix) {
  const auto keys = keysOf(kMixKeys);
  const Fields f(node, "workload.mix", keys);
  for (const auto& [key, weight] : kMixKeys) mix.*weight = 0;  // unnamed operations: never
  for (const auto& [key, weight] : kMixKeys) {
    if (auto v = f.get(key)) {
      mix.*weight = number(*v, f.label(key));
      if (mix.*weight < 0) fail(*v, fmt::format("{} must be 0 or more", f.label(key)));
    }
  }
}

void readWorkload(const YAML::Node& node, WorkloadSpec& w) {
  const Fields f(node, "workload", kWorkloadKeys);
  if (auto v = f.get("clients"))
    w.clients = static_cast<int>(integer(*v, f.label("clients"), 0, 1000));
  if (auto v = f.get("rate")) {
    w.rate = number(*v, f.label("rate"));
    if (w.rate <= 0) fail(*v, "workload.rate must be more than 0 (operations per second)");
  }
  if (auto v = f.get("keys")) w.keys = static_cast<int>(integer(*v, f.label("keys"), 1, 1'000'000));
  if (auto v = f.get("request-timeout")) {
    w.requestTimeout = positiveDuration(*v, f.label("request-timeout"));
  }
  if (auto v = f.get("watchers"))
    w.watchers = static_cast<int>(integer(*v, f.label("watchers"), 0, 1000));
  if (auto v = f.get("lease-ttl")) {
    const env::Nanos ttl = positiveDuration(*v, f.label("lease-ttl"));
    if (ttl % env::Nanos{std::chrono::seconds(1)} != env::Nanos{0}) {
      fail(*v, "workload.lease-ttl must be a whole number of seconds (etcd lease TTLs are)");
    }
    w.leaseTtlSeconds = static_cast<int>(ttl / env::Nanos{std::chrono::seconds(1)});
  }
  if (auto v = f.get("mix")) {
    readMix(*v, w.mix);
    double total = 0;
    for (const auto& [key, weight] : kMixKeys) total += w.mix.*weight;
    if (total <= 0 && w.clients > 0) fail(*v, "workload.mix: every weight is 0");
  }
}

CheckSet readChecks(const YAML::Node& node) {
  if (node.IsScalar() && node.Scalar() == "all") return CheckSet{};
  const auto names = keysOf(kCheckKeys);
  if (!node.IsSequence()) {
    fail(node, fmt::format("checks must be 'all' or a list of checks ({}), got {}", joined(names),
                           describe(node)));
  }
  CheckSet checks;
  for (const auto& [key, flag] : kCheckKeys) checks.*flag = false;
  for (const auto& item : node) {
    const std::string& name = scalar(item, "a check", "a check name");
    if (name == "all") return CheckSet{};
    const auto it = std::find_if(kCheckKeys.begin(), kCheckKeys.end(),
                                 [&](const CheckKey& c) { return c.key == name; });
    if (it == kCheckKeys.end()) {
      fail(item, fmt::format("unknown check '{}' (accepted: all, {})", name, joined(names)));
    }
    checks.*(it->flag) = true;
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Faults.

/// The members in use as the schedule unfolds, to reject names that do not exist at a fault's
/// time: n1..nN at the start, plus add-member, minus remove-member.
class Roster {
 public:
  explicit Roster(int members) {
    for (int i = 1; i <= members; ++i) {
      current_.insert(static_cast<std::uint64_t>(i));
      ever_.insert(static_cast<std::uint64_t>(i));
    }
  }

  enum Allow { kConcrete, kOrFollower, kOrLeaderOrFollower };

  /// The member `node` names at this time ("n2"; "leader"/"follower" where `allow` says).
  std::string member(const YAML::Node& node, const std::string& label, Allow allow) const {
    const std::string& name = scalar(node, label, "a member name");
    if (name == "leader" || name == "follower") {
      if (allow == kOrLeaderOrFollower || (allow == kOrFollower && name == "follower")) {
        return name;
      }
      fail(node,
           fmt::format("{}: '{}' is not allowed here, name a member ({})", label, name, list()));
    }
    const auto id = memberIdOf(name);
    if (!id) fail(node, fmt::format("{}: '{}' is not a member name ({})", label, name, list()));
    if (auto it = removedAt_.find(*id); it != removedAt_.end()) {
      fail(node, fmt::format("{}: {} was removed at line {}", label, name, it->second));
    }
    if (!current_.contains(*id)) {
      fail(node,
           fmt::format("{}: unknown member {} (members at this time: {})", label, name, list()));
    }
    return name;
  }

  /// A list of concrete members, none twice.
  std::vector<std::string> members(const YAML::Node& node, const std::string& label) const {
    std::vector<std::string> out;
    if (!sequence(node, label).size()) fail(node, fmt::format("{} must name a member", label));
    for (const auto& item : node) {
      std::string name = member(item, label, kConcrete);
      if (std::find(out.begin(), out.end(), name) != out.end()) {
        fail(item, fmt::format("{}: {} is named twice", label, name));
      }
      out.push_back(std::move(name));
    }
    return out;
  }

  void add(const YAML::Node& node, const std::string& name) {
    const auto id = memberIdOf(name);
    if (!id) fail(node, fmt::format("add-member: '{}' is not a member name (n<number>)", name));
    if (auto it = removedAt_.find(*id); it != removedAt_.end()) {
      fail(node, fmt::format("add-member: {} was removed at line {}, and etcd never reuses a "
                             "removed member's ID",
                             name, it->second));
    }
    if (current_.contains(*id)) fail(node, fmt::format("add-member: {} is already a member", name));
    if (voters() + 1 > kMaxMembers) {
      fail(node, fmt::format("add-member: {} would make {} members (at most {})", name,
                             voters() + 1, kMaxMembers));
    }
    current_.insert(*id);
    ever_.insert(*id);
  }

  void remove(const YAML::Node& node, const std::string& name) {
    if (voters() <= 1) fail(node, fmt::format("remove-member: removing {} leaves no member", name));
    if (const auto id = memberIdOf(name)) {
      current_.erase(*id);
      removedAt_[*id] = lineOf(node);
    } else {
      ++unnamedRemovals_;  // "leader" or "follower": one member fewer, which one is known later
    }
  }

  bool everKnown(const std::string& name) const {
    const auto id = memberIdOf(name);
    return id && ever_.contains(*id);
  }

 private:
  int voters() const { return static_cast<int>(current_.size()) - unnamedRemovals_; }

  std::string list() const {
    std::string out;
    for (auto id : current_) out += (out.empty() ? "" : ", ") + memberName(id);
    return out;
  }

  std::set<std::uint64_t> current_, ever_;
  std::map<std::uint64_t, int> removedAt_;  // id -> line of its removal
  int unnamedRemovals_ = 0;
};

/// Reads the action of one fault (its kind is known) from its value `v`.
void readAction(const YAML::Node& v, const std::string& key, Roster& roster, Fault& fault) {
  using enum Roster::Allow;
  switch (fault.kind) {
    case FaultKind::kPartition: {
      if (sequence(v, key).size() < 2) {
        fail(v, "partition must list at least two groups, like [[n1, n2], [n3]]");
      }
      for (const auto& group : v) {
        fault.groups.push_back(roster.members(group, "partition group"));
        for (const auto& name : fault.groups.back()) {
          for (std::size_t g = 0; g + 1 < fault.groups.size(); ++g) {
            const auto& other = fault.groups[g];
            if (std::find(other.begin(), other.end(), name) != other.end()) {
              fail(group, fmt::format("partition: {} is in two groups", name));
            }
          }
        }
      }
      return;
    }
    case FaultKind::kOneWay: {
      constexpr std::array<std::string_view, 2> keys = {"from", "to"};
      const Fields f(v, "one-way", keys);
      if (!f.has("from") || !f.has("to")) fail(v, "one-way needs both 'from' and 'to'");
      fault.from = roster.members(*f.get("from"), "one-way.from");
      fault.to = roster.members(*f.get("to"), "one-way.to");
      for (const auto& name : fault.from) {
        if (std::find(fault.to.begin(), fault.to.end(), name) != fault.to.end()) {
          fail(v, fmt::format("one-way: {} is in both 'from' and 'to'", name));
        }
      }
      return;
    }
    case FaultKind::kHeal:
      if (!boolean(v, key)) fail(v, "heal must be true (heal: true)");
      return;
    case FaultKind::kIsolate:
    case FaultKind::kCrash:
    case FaultKind::kPause:
    case FaultKind::kTornWrite:
      fault.node = roster.member(v, key, kOrLeaderOrFollower);
      return;
    case FaultKind::kRestart:
    case FaultKind::kResume:
    case FaultKind::kDiskHeal:
      fault.node = roster.member(v, key, kConcrete);
      return;
    case FaultKind::kTransferLeader:
      fault.node = roster.member(v, key, kOrFollower);
      return;
    case FaultKind::kAddMember:
      fault.node = scalar(v, key, "a new member name");
      roster.add(v, fault.node);
      return;
    case FaultKind::kRemoveMember:
      fault.node = roster.member(v, key, kOrLeaderOrFollower);
      roster.remove(v, fault.node);
      return;
    case FaultKind::kBitFlip:
    case FaultKind::kFsyncError:
      if (v.IsScalar()) {  // short form: the node only
        fault.node = roster.member(
            v, key, fault.kind == FaultKind::kBitFlip ? kConcrete : kOrLeaderOrFollower);
        return;
      }
      [[fallthrough]];
    case FaultKind::kClockDrift:
    case FaultKind::kClockStep:
    case FaultKind::kDiskFull:
    case FaultKind::kSlowDisk:
      break;
  }
  // The faults written as a map {node: ..., <parameter>: ...}.
  std::string_view parameter;
  switch (fault.kind) {
    case FaultKind::kClockDrift:
      parameter = "ppm";
      break;
    case FaultKind::kClockStep:
      parameter = "by";
      break;
    case FaultKind::kBitFlip:
      parameter = "file";
      break;
    case FaultKind::kFsyncError:
      parameter = "probability";
      break;
    case FaultKind::kDiskFull:
      parameter = "capacity";
      break;
    default:
      parameter = "fsync";
      break;  // kSlowDisk
  }
  const std::array<std::string_view, 2> keys = {"node", parameter};
  const Fields f(v, key, keys);
  const bool optional = fault.kind == FaultKind::kBitFlip || fault.kind == FaultKind::kFsyncError;
  if (!f.has("node") || (!optional && !f.has(parameter))) {
    fail(v, fmt::format("{} needs 'node' and '{}', like {{node: n1, {}: ...}}", key, parameter,
                        parameter));
  }
  fault.node = roster.member(*f.get("node"), f.label("node"),
                             fault.kind == FaultKind::kBitFlip ? kConcrete : kOrLeaderOrFollower);
  const auto p = f.get(parameter);
  if (!p) return;
  const std::string label = f.label(parameter);
  switch (fault.kind) {
    case FaultKind::kClockDrift:
      fault.driftPpm = number(*p, label);
      if (std::abs(fault.driftPpm) >= 1e6) {
        fail(*p, fmt::format("{} must be within (-1000000, 1000000): a clock cannot stop or run "
                             "backwards",
                             label));
      }
      return;
    case FaultKind::kClockStep:
      fault.step = positiveDuration(*p, label);  // a monotonic clock only jumps forward
      return;
    case FaultKind::kBitFlip: {
      const std::string& file = scalar(*p, label, "wal, snap or any");
      if (file != "wal" && file != "snap" && file != "any") {
        fail(*p, fmt::format("{} must be wal, snap or any, got '{}'", label, file));
      }
      fault.path = file == "any" ? "" : file;
      return;
    }
    case FaultKind::kFsyncError:
      fault.probability = number(*p, label);
      if (fault.probability <= 0 || fault.probability > 1) {
        fail(*p, fmt::format("{} must be in (0, 1], got {}", label, p->Scalar()));
      }
      return;
    case FaultKind::kDiskFull:
      fault.capacityBytes = static_cast<std::uint64_t>(
          integer(*p, label, 0, std::numeric_limits<std::int64_t>::max()));
      return;
    default:  // kSlowDisk
      fault.latency = positiveDuration(*p, label);
      return;
  }
}

std::vector<Fault> readFaults(const YAML::Node& node, env::Nanos end, Roster& roster) {
  std::vector<Fault> faults;
  std::vector<std::string_view> accepted = {"at"};
  for (const auto& action : kActions) accepted.push_back(action.key);
  const std::span<const std::string_view> actions(accepted.begin() + 1, accepted.end());
  int previousLine = 0;
  for (const auto& item : sequence(node, "faults")) {
    if (!item.IsMap()) {
      fail(item, fmt::format("each fault must be a map like {{at: 5s, crash: n2}}, got {}",
                             describe(item)));
    }
    for (const auto& entry : item) {  // a misspelt action is the likely mistake: say so
      const YAML::Node& key = entry.first;
      if (key.IsScalar() &&
          std::find(accepted.begin(), accepted.end(), key.Scalar()) == accepted.end()) {
        fail(key,
             fmt::format("unknown fault kind '{}' (accepted: {})", key.Scalar(), joined(actions)));
      }
    }
    const Fields f(item, "fault", accepted);
    Fault fault;
    fault.line = lineOf(item);
    const auto at = f.get("at");
    if (!at) fail(item, "fault has no 'at' (its time, like at: 5s)");
    fault.at = duration(*at, f.label("at"));
    if (fault.at >= end) {
      fail(*at, fmt::format("fault at {} is beyond the duration ({}): faults happen in "
                            "[0, duration)",
                            formatDuration(fault.at), formatDuration(end)));
    }
    if (!faults.empty() && fault.at < faults.back().at) {
      fail(*at,
           fmt::format("faults out of time order: {} comes after {} (line {})",
                       formatDuration(fault.at), formatDuration(faults.back().at), previousLine));
    }
    std::vector<std::string> present;
    for (const auto& [key, value] : f.entries()) {
      if (key != "at") present.push_back(key);
    }
    if (present.empty()) {
      fail(item, fmt::format("fault has no action (one of: {})", joined(actions)));
    }
    if (present.size() > 1) {
      fail(item, fmt::format("fault has more than one action ({}, {}): write one fault each",
                             present[0], present[1]));
    }
    const auto action = std::find_if(kActions.begin(), kActions.end(),
                                     [&](const ActionKey& a) { return a.key == present[0]; });
    fault.kind = action->kind;
    readAction(*f.get(present[0]), present[0], roster, fault);
    previousLine = fault.line;
    faults.push_back(std::move(fault));
  }
  return faults;
}

/// Trailing spaces and newlines of a description (YAML block scalars end with one) are dropped.
std::string trimmedEnd(std::string text) {
  text.erase(text.find_last_not_of(" \t\n") + 1);
  return text;
}

Scenario readScenario(const std::string& yamlText, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(yamlText);
  } catch (const YAML::Exception& e) {
    throw LineError{e.mark.line + 1, e.msg};
  }
  if (!root.IsDefined() || root.IsNull()) {
    throw LineError{1,
                    "the scenario is empty (expected keys such as description, cluster, "
                    "workload, duration, faults)"};
  }
  const Fields f(root, "", kTopKeys);
  Scenario s;
  s.name = name;
  if (auto v = f.get("name")) s.name = scalar(*v, "name", "a word");
  if (auto v = f.get("description")) s.description = trimmedEnd(scalar(*v, "description", "text"));
  if (auto v = f.get("cluster")) readCluster(*v, s.cluster);
  if (auto v = f.get("workload")) readWorkload(*v, s.workload);
  if (auto v = f.get("duration")) s.duration = positiveDuration(*v, "duration");
  if (auto v = f.get("liveness-bound")) s.livenessBound = positiveDuration(*v, "liveness-bound");
  if (auto v = f.get("checks")) s.checks = readChecks(*v);
  Roster roster(s.cluster.members);
  if (auto v = f.get("faults"); v && !v->IsNull()) s.faults = readFaults(*v, s.duration, roster);
  if (auto v = f.get("expect-refusal")) {
    for (const auto& item : sequence(*v, "expect-refusal")) {
      const std::string& member = scalar(item, "expect-refusal", "a member name");
      if (!roster.everKnown(member)) {
        fail(item, fmt::format("expect-refusal: {} is never a member", member));
      }
      if (std::find(s.expectRefusal.begin(), s.expectRefusal.end(), member) !=
          s.expectRefusal.end()) {
        fail(item, fmt::format("expect-refusal: {} is named twice", member));
      }
      s.expectRefusal.push_back(member);
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// The shortest text that reads back to the same double.
std::string numberText(double value) {
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return std::string(buf.data(), end);
}

void writeNames(YAML::Emitter& out, const std::vector<std::string>& names) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const auto& name : names) out << name;
  out << YAML::EndSeq;
}

void writeFault(YAML::Emitter& out, const Fault& fault) {
  out << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "at" << YAML::Value << formatDuration(fault.at);
  out << YAML::Key << std::string(faultKindName(fault.kind)) << YAML::Value;
  const auto withParameter = [&](std::string_view key, const std::string& value) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "node" << YAML::Value << fault.node
        << YAML::Key << std::string(key) << YAML::Value << value << YAML::EndMap;
  };
  switch (fault.kind) {
    case FaultKind::kPartition:
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& group : fault.groups) writeNames(out, group);
      out << YAML::EndSeq;
      break;
    case FaultKind::kOneWay:
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "from" << YAML::Value;
      writeNames(out, fault.from);
      out << YAML::Key << "to" << YAML::Value;
      writeNames(out, fault.to);
      out << YAML::EndMap;
      break;
    case FaultKind::kHeal:
      out << "true";
      break;
    case FaultKind::kClockDrift:
      withParameter("ppm", numberText(fault.driftPpm));
      break;
    case FaultKind::kClockStep:
      withParameter("by", formatDuration(fault.step));
      break;
    case FaultKind::kBitFlip:
      if (fault.path.empty()) {
        out << fault.node;
      } else {
        withParameter("file", fault.path);
      }
      break;
    case FaultKind::kFsyncError:
      withParameter("probability", numberText(fault.probability));
      break;
    case FaultKind::kDiskFull:
      withParameter("capacity", std::to_string(fault.capacityBytes));
      break;
    case FaultKind::kSlowDisk:
      withParameter("fsync", formatDuration(fault.latency));
      break;
    default:
      out << fault.node;
      break;  // the faults whose value is their member
  }
  out << YAML::EndMap;
}

void writeRange(YAML::Emitter& out, const char* key, env::Nanos lo, env::Nanos hi) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq << formatDuration(lo)
      << formatDuration(hi) << YAML::EndSeq;
}

}  // namespace

Scenario parseScenario(const std::string& yamlText, const std::string& name) {
  try {
    return readScenario(yamlText, name);
  } catch (const LineError& e) {
    throw ScenarioError("", e.line, e.problem);
  }
}

Scenario readScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, fmt::format("cannot read: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return readScenario(text.str(), std::filesystem::path(path).stem().string());
  } catch (const LineError& e) {
    throw ScenarioError(path, e.line, e.problem);
  }
}

std::string faultText(const Fault& fault) {
  YAML::Emitter out;
  writeFault(out, fault);
  return out.c_str();
}

std::string writeScenario(const Scenario& s) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << s.name;
  out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << s.description;

  const ClusterSpec& c = s.cluster;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "members" << YAML::Value << c.members;
  out << YAML::Key << "election-ticks" << YAML::Value << c.electionTicks;
  out << YAML::Key << "heartbeat-ticks" << YAML::Value << c.heartbeatTicks;
  out << YAML::Key << "tick" << YAML::Value << formatDuration(c.tick);
  out << YAML::Key << "snapshot-count" << YAML::Value << c.snapshotCount;
  out << YAML::Key << "snapshot-catch-up-entries" << YAML::Value << c.snapshotCatchUpEntries;
  out << YAML::Key << "pre-vote" << YAML::Value << (c.preVote ? "true" : "false");
  out << YAML::Key << "check-quorum" << YAML::Value << (c.checkQuorum ? "true" : "false");
  out << YAML::Key << "max-size-per-msg" << YAML::Value << c.maxSizePerMsg;
  out << YAML::Key << "max-inflight-msgs" << YAML::Value << c.maxInflightMsgs;
  writeRange(out, "latency", c.latencyMin, c.latencyMax);
  writeRange(out, "client-latency", c.clientLatencyMin, c.clientLatencyMax);
  out << YAML::EndMap;

  const WorkloadSpec& w = s.workload;
  out << YAML::Key << "workload" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "clients" << YAML::Value << w.clients;
  out << YAML::Key << "rate" << YAML::Value << numberText(w.rate);
  out << YAML::Key << "keys" << YAML::Value << w.keys;
  out << YAML::Key << "request-timeout" << YAML::Value << formatDuration(w.requestTimeout);
  out << YAML::Key << "watchers" << YAML::Value << w.watchers;
  out << YAML::Key << "lease-ttl" << YAML::Value
      << formatDuration(std::chrono::seconds(w.leaseTtlSeconds));
  out << YAML::Key << "mix" << YAML::Value << YAML::BeginMap;
  for (const auto& [key, weight] : kMixKeys) {
    out << YAML::Key << std::string(key) << YAML::Value << numberText(w.mix.*weight);
  }
  out << YAML::EndMap << YAML::EndMap;

  out << YAML::Key << "duration" << YAML::Value << formatDuration(s.duration);
  out << YAML::Key << "liveness-bound" << YAML::Value << formatDuration(s.livenessBound);
  out << YAML::Key << "faults" << YAML::Value << YAML::BeginSeq;
  for (const auto& fault : s.faults) writeFault(out, fault);
  out << YAML::EndSeq;

  out << YAML::Key << "checks" << YAML::Value;
  if (s.checks == CheckSet{}) {
    out << "all";
  } else {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& [key, flag] : kCheckKeys) {
      if (s.checks.*flag) out << std::string(key);
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "expect-refusal" << YAML::Value;
  writeNames(out, s.expectRefusal);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void writeScenarioFile(const Scenario& scenario, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out << writeScenario(scenario);
  if (out) out.flush();
  if (!out) throw ScenarioError(path, 0, fmt::format("cannot write: {}", std::strerror(errno)));
}

std::optional<env::Nanos> parseDuration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    std::int64_t nanos;
  };
  // "ms" before "m" and "s", "ns"/"us" before "s": the first suffix that matches wins.
  static constexpr std::array<Unit, 6> kUnits = {{{"ns", 1},
                                                  {"us", 1'000},
                                                  {"ms", 1'000'000},
                                                  {"s", 1'000'000'000},
                                                  {"m", 60'000'000'000},
                                                  {"h", 3'600'000'000'000}}};
  const Unit* unit = nullptr;
  for (const auto& u : kUnits) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      unit = &u;
      break;
    }
  }
  if (!unit) return std::nullopt;
  const std::string_view number = text.substr(0, text.size() - unit->suffix.size());
  const std::size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  };
  if (whole.empty() || !digits(whole) || !digits(fraction) || fraction.size() > 18 ||
      (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  std::int64_t w = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), w).ec != std::errc()) {
    return std::nullopt;
  }
  std::int64_t total = 0;
  if (__builtin_mul_overflow(w, unit->nanos, &total)) return std::nullopt;
  if (!fraction.empty()) {
    // fraction/10^k of a unit is exact iff (10^k / gcd) divides the fraction's digits.
    std::int64_t f = 0;
    std::from_chars(fraction.data(), fraction.data() + fraction.size(), f);
    std::int64_t scale = 1;
    for (std::size_t i = 0; i < fraction.size(); ++i) scale *= 10;
    const std::int64_t g = std::gcd(scale, unit->nanos);
    if (f % (scale / g) != 0) return std::nullopt;  // not a whole number of nanoseconds
    if (__builtin_add_overflow(total, f / (scale / g) * (unit->nanos / g), &total)) {
      return std::nullopt;
    }
  }
  return env::Nanos{total};
}

std::string formatDuration(env::Nanos duration) {
  const std::int64_t n = duration.count();
  if (n == 0) return "0s";
  static constexpr std::array<std::pair<std::int64_t, std::string_view>, 5> kUnits = {{
      {3'600'000'000'000, "h"},
      {60'000'000'000, "m"},
      {1'000'000'000, "s"},
      {1'000'000, "ms"},
      {1'000, "us"},
  }};
  for (const auto& [nanos, suffix] : kUnits) {
    if (n % nanos == 0) return fmt::format("{}{}", n / nanos, suffix);
  }
  return fmt::format("{}ns", n);
}

std::string_view faultKindName(FaultKind kind) {
  for (const auto& action : kActions) {
    if (action.kind == kind) return action.key;
  }
  return "unknown";
}

}  // namespace detcd::scenarios

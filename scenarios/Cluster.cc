#include "scenarios/Cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "scenarios/ScenarioFile.h"
#include "sim/Latency.h"
#include "sim/Network.h"

namespace detcd::scenarios {

using env::Nanos;
using env::NodeId;

namespace {

constexpr Nanos kMembershipRetry{1'000'000'000};

/// Where a member keeps its data on its disk (NodeConfig::dataDir).
constexpr const char* kDataDir = "member";

}  // namespace

/// The program of a simulated member: one server::Node over the host's Env. Destroyed abruptly
/// at a crash (the Node's destructor flushes nothing).
class Cluster::NodeProcess final : public sim::Process {
 public:
  NodeProcess(env::Env& env, const server::NodeConfig& config)
      : node_(std::make_unique<server::Node>(env, config)) {}
  server::Node& node() { return *node_; }

 private:
  std::unique_ptr<server::Node> node_;
};

Cluster::Cluster(sim::Simulation& sim, const Scenario& scenario, const server::Bugs& bugs,
                 bool traceHeartbeats)
    : sim_(sim),
      scenario_(scenario),
      bugs_(bugs),
      traceHeartbeats_(traceHeartbeats),
      clientNet_(sim.seeds().stream("client-network")) {
  const ClusterSpec& c = scenario_.cluster;
  sim::LinkConfig link;
  link.latency = sim::Latency::uniform(c.latencyMin, c.latencyMax);
  sim_.network().setDefaultLink(link);
  for (int i = 1; i <= c.members; ++i) addMember(static_cast<std::uint64_t>(i), false);
}

Cluster::~Cluster() = default;

server::NodeConfig Cluster::configFor(std::uint64_t id, bool join) const {
  const ClusterSpec& c = scenario_.cluster;
  server::NodeConfig config;
  config.id = id;
  config.name = memberName(id);
  config.dataDir = kDataDir;
  config.join = join;
  for (int i = 1; i <= c.members; ++i) {
    const auto member = static_cast<std::uint64_t>(i);
    config.initialCluster.push_back({member, memberName(member), ""});
  }
  config.clusterId = 0x5eed0000 + static_cast<std::uint64_t>(c.members);
  config.tick = c.tick;
  config.heartbeatTicks = c.heartbeatTicks;
  config.electionTicks = c.electionTicks;
  config.preVote = c.preVote;
  config.checkQuorum = c.checkQuorum;
  config.snapshotCount = c.snapshotCount;
  config.snapshotCatchUpEntries = c.snapshotCatchUpEntries;
  config.maxSizePerMsg = c.maxSizePerMsg;
  config.maxInflightMsgs = c.maxInflightMsgs;
  // etcd: 5 s + 2 × election timeout; shorter than the clients' own timeout would be useless.
  config.requestTimeout = Nanos{5'000'000'000} + 2 * c.electionTicks * c.tick;
  // Small segments so that runs of a few thousand entries cut and release segments.
  config.walSegmentBytes = std::uint64_t{64} << 10;
  config.bugs = bugs_;
  config.traceHeartbeats = traceHeartbeats_;
  return config;
}

sim::Host& Cluster::addMember(std::uint64_t id, bool join) {
  const server::NodeConfig config = configFor(id, join);
  sim::HostOptions options;
  // Clocks start at different readings: nothing may rely on equal clocks.
  options.clockOffset = Nanos{static_cast<std::int64_t>(
      sim_.seeds().stream(fmt::format("clock-offset/{}", id)).below(1'000'000'000'000))};
  auto factory = [this, config](env::Env& env) -> std::unique_ptr<sim::Process> {
    auto process = std::make_unique<NodeProcess>(env, config);
    if (process->node().stopped()) {
      // Refusal at start: recorded after the constructor (we are inside the host's handler).
      sim_.scheduler().after(Nanos{0}, [this, member = config.id] { noteRefusal(member); });
    }
    return process;
  };
  records_[id].id = id;
  return sim_.addHost(id, std::move(factory), options);
}

void Cluster::noteRefusal(std::uint64_t id) {
  const server::Node* n = node(id);
  if (n == nullptr) return;
  const server::NodeStatus s = n->status();
  if (!s.refused) return;  // stopped at start for another reason (e.g. it had been removed)
  MemberRecord& r = records_[id];
  r.refused = true;
  r.refusal = s.stopReason;
}

void Cluster::startHost(sim::Host& host) {
  records_[host.id()].started = true;
  if (host.state() == sim::NodeState::kDown) host.start();
}

void Cluster::startAll() {
  for (auto& [id, record] : records_) startHost(sim_.host(id));
}

bool Cluster::running(std::uint64_t id) const {
  if (!records_.count(id)) return false;
  const auto& hosts = sim_.hosts();
  auto it = hosts.find(id);
  return it != hosts.end() && it->second->state() != sim::NodeState::kDown;
}

server::Node* Cluster::node(std::uint64_t id) {
  if (!running(id)) return nullptr;
  auto* process = dynamic_cast<NodeProcess*>(sim_.host(id).process());
  return process ? &process->node() : nullptr;
}

const server::Node* Cluster::node(std::uint64_t id) const {
  return const_cast<Cluster*>(this)->node(id);
}

std::optional<std::uint64_t> Cluster::leader() const {
  std::optional<std::uint64_t> best;
  std::uint64_t bestTerm = 0;
  for (const auto& [id, record] : records_) {
    const server::Node* n = node(id);
    if (n == nullptr || n->stopped()) continue;
    const server::NodeStatus s = n->status();
    if (s.role == "leader" && (!best || s.term > bestTerm)) {
      best = id;
      bestTerm = s.term;
    }
  }
  return best;
}

std::vector<env::NodeId> Cluster::liveIds() const {
  std::vector<env::NodeId> out;
  for (const auto& [id, record] : records_) {
    if (!record.removed && record.started) out.push_back(id);
  }
  return out;
}

std::vector<std::uint64_t> Cluster::members() const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, record] : records_) {
    if (!record.removed) out.push_back(id);
  }
  return out;
}

std::vector<env::NodeId> Cluster::ids(const std::vector<std::string>& names) const {
  std::vector<env::NodeId> out;
  for (const std::string& name : names) {
    auto id = memberIdOf(name);
    if (!id) throw std::invalid_argument("not a member name: " + name);
    out.push_back(*id);
  }
  return out;
}

std::optional<std::uint64_t> Cluster::resolve(const Fault& fault) const {
  if (fault.node == "leader") return leader();
  if (fault.node == "follower") {
    const auto lead = leader();
    for (const auto& [id, record] : records_) {
      const server::Node* n = node(id);
      if (n != nullptr && !n->stopped() && id != lead) return id;
    }
    return std::nullopt;
  }
  auto id = memberIdOf(fault.node);
  if (!id || !records_.count(*id)) return std::nullopt;
  return id;
}

bool Cluster::onNode(std::uint64_t id, const std::function<void(server::Node&)>& body) {
  server::Node* n = node(id);
  if (n == nullptr || n->stopped()) return false;
  sim::Host& host = sim_.host(id);
  if (host.loop().admit(host.incarnation()) != sim::NodeLoop::Admission::kRun) return false;
  host.loop().runHandler([&] { body(*n); });
  return true;
}

void Cluster::apply(const Fault& fault) {
  sim::Network& net = sim_.network();
  const std::string name(faultKindName(fault.kind));
  auto skip = [&](const std::string& why) {
    sim_.trace().record(sim_.now(), 0, "fault-skipped", {{"fault", name}, {"why", why}});
  };
  // Faults on one member.
  std::optional<std::uint64_t> target;
  auto traceFault = [&] {
    sim_.trace().record(sim_.now(), 0, "fault",
                        {{"fault", std::string_view(faultText(fault))},
                         {"member", target.value_or(0)}});
  };
  switch (fault.kind) {
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kHeal:
      break;
    case FaultKind::kAddMember:
      target = memberIdOf(fault.node);
      break;
    default:
      target = resolve(fault);
      if (!target) return skip(fault.node + " names no member now");
  }
  traceFault();
  switch (fault.kind) {
    case FaultKind::kPartition: {
      std::vector<std::vector<env::NodeId>> groups;
      for (const auto& g : fault.groups) groups.push_back(ids(g));
      net.partition(sim::partitions::groups(groups), "partition");
      return;
    }
    case FaultKind::kIsolate:
      net.partition(sim::partitions::isolate(members(), *target), "isolate");
      return;
    case FaultKind::kOneWay:
      net.partition(sim::partitions::oneWay(ids(fault.from), ids(fault.to)), "one-way");
      return;
    case FaultKind::kHeal:
      net.heal();
      return;
    case FaultKind::kCrash:
    case FaultKind::kTornWrite: {
      sim::Host& host = sim_.host(*target);
      if (host.state() == sim::NodeState::kDown) return skip(fault.node + " is down");
      if (fault.kind == FaultKind::kTornWrite) host.disk().setCrashMode(sim::CrashMode::kTorn);
      host.crash();
      host.disk().setCrashMode(sim::CrashMode::kRandom);
      ++records_[*target].crashes;
      return;
    }
    case FaultKind::kRestart: {
      sim::Host& host = sim_.host(*target);
      if (host.state() != sim::NodeState::kDown) return skip(fault.node + " is not down");
      if (records_[*target].removed) return skip(fault.node + " was removed");
      startHost(host);
      return;
    }
    case FaultKind::kPause: {
      sim::Host& host = sim_.host(*target);
      if (host.state() != sim::NodeState::kRunning) return skip(fault.node + " is not running");
      host.pause();
      return;
    }
    case FaultKind::kResume: {
      sim::Host& host = sim_.host(*target);
      if (host.state() != sim::NodeState::kPaused) return skip(fault.node + " is not paused");
      host.resume();
      return;
    }
    case FaultKind::kClockDrift:
      sim_.host(*target).clock().setDrift(fault.driftPpm);
      return;
    case FaultKind::kClockStep:
      sim_.host(*target).clock().step(fault.step);
      return;
    case FaultKind::kBitFlip: {
      sim::SimDisk& disk = sim_.host(*target).disk();
      std::vector<std::string> files;
      for (const char* dir : {"wal", "snap"}) {
        if (!fault.path.empty() && fault.path != dir) continue;
        const std::string path = std::string(kDataDir) + "/" + dir;
        auto listed = disk.list(path);
        if (!listed) continue;
        for (const std::string& f : *listed) files.push_back(path + "/" + f);
      }
      std::sort(files.begin(), files.end());
      sim::Rng rng = sim_.seeds().stream(fmt::format("bit-flip/{}", sim_.now().count()));
      while (!files.empty()) {
        const std::size_t pick = rng.below(files.size());
        if (disk.flipSyncedBit(files[pick])) {
          records_[*target].corrupted = true;
          return;
        }
        files.erase(files.begin() + static_cast<std::ptrdiff_t>(pick));
      }
      return skip("no durable sector to flip on " + fault.node);
    }
    case FaultKind::kFsyncError: {
      sim::SimDisk& disk = sim_.host(*target).disk();
      sim::DiskFaults faults = disk.faults();
      faults.fsyncEio = fault.probability;
      disk.setFaults(faults);
      return;
    }
    case FaultKind::kDiskFull: {
      sim::SimDisk& disk = sim_.host(*target).disk();
      sim::DiskFaults faults = disk.faults();
      faults.capacity = fault.capacityBytes;
      disk.setFaults(faults);
      return;
    }
    case FaultKind::kSlowDisk: {
      sim::SimDisk& disk = sim_.host(*target).disk();
      sim::DiskFaults faults = disk.faults();
      faults.fsyncLatency = sim::Latency::constant(fault.latency);
      disk.setFaults(faults);
      return;
    }
    case FaultKind::kDiskHeal:
      sim_.host(*target).disk().setFaults({});
      return;
    case FaultKind::kAddMember:
      if (!target || records_.count(*target)) return skip(fault.node + " exists already");
      changeMembership(*target, true, 0);
      return;
    case FaultKind::kRemoveMember:
      if (records_[*target].removed) return skip(fault.node + " was removed already");
      records_[*target].removed = true;
      changeMembership(*target, false, 0);
      return;
    case FaultKind::kTransferLeader: {
      const auto lead = leader();
      if (!lead || *lead == *target) return skip("no leader, or it leads already");
      const std::uint64_t to = *target;
      onNode(*lead, [to](server::Node& n) {
        n.moveLeader(to, [](const mvcc::Status&, const etcdserverpb::MoveLeaderResponse&) {});
      });
      return;
    }
  }
}

void Cluster::changeMembership(std::uint64_t target, bool add, int attempt) {
  auto retry = [this, target, add, attempt] {
    if (sim_.now() + kMembershipRetry >= scenario_.duration) {
      sim_.trace().record(sim_.now(), 0, "membership-gave-up",
                          {{"member", target}, {"add", add}});
      return;
    }
    sim_.scheduler().after(kMembershipRetry,
                           [this, target, add, attempt] { changeMembership(target, add, attempt + 1); });
  };
  std::optional<std::uint64_t> via = leader();
  if (!via) {
    for (std::uint64_t id : members()) {
      const server::Node* n = node(id);
      if (id != target && n != nullptr && !n->stopped()) {
        via = id;
        break;
      }
    }
  }
  bool sent = false;
  if (via) {
    auto done = [this, target, add, retry](const mvcc::Status& status) {
      // Runs inside the member's handler: act on other hosts from a fresh event.
      sim_.scheduler().after(Nanos{0}, [this, target, add, retry, status] {
        const bool exists = status.message.find("already exist") != std::string::npos;
        const bool gone = status.message.find("member not found") != std::string::npos;
        if (!status.ok() && !(add && exists) && !(!add && gone)) return retry();
        sim_.trace().record(sim_.now(), 0, add ? "member-added" : "member-removed",
                            {{"member", target}});
        if (add) startHost(addMember(target, true));
      });
    };
    sent = onNode(*via, [target, add, done](server::Node& n) {
      if (add) {
        n.memberAdd(target, "", false,
                    [done](const mvcc::Status& s, const etcdserverpb::MemberAddResponse&) { done(s); });
      } else {
        n.memberRemove(target, [done](const mvcc::Status& s,
                                      const etcdserverpb::MemberRemoveResponse&) { done(s); });
      }
    });
  }
  if (!sent) retry();
}

void Cluster::healAll() {
  sim_.trace().record(sim_.now(), 0, "heal-all", {});
  sim_.network().heal();
  for (auto& [id, record] : records_) {
    sim::Host& host = sim_.host(id);
    host.disk().setFaults({});
    host.clock().setDrift(0);
    if (!record.started || record.removed || record.refused) continue;
    if (host.state() == sim::NodeState::kPaused) host.resume();
    const server::Node* n = node(id);
    if (n != nullptr && n->stopped()) {
      // An operator restarts a member that stopped on a disk error.
      host.crash();
      ++record.crashes;
    }
    if (host.state() == sim::NodeState::kDown) host.start();
  }
}

void Cluster::crashAndRestartAll() {
  sim_.trace().record(sim_.now(), 0, "crash-restart-all", {});
  for (auto& [id, record] : records_) {
    sim::Host& host = sim_.host(id);
    if (host.state() == sim::NodeState::kDown) continue;
    host.crash();
    ++record.crashes;
  }
  for (auto& [id, record] : records_) {
    if (!record.started || record.removed || record.refused) continue;
    sim_.host(id).start();
  }
}

bool Cluster::converged(std::uint64_t index) const {
  std::optional<std::uint64_t> applied;
  for (const auto& [id, record] : records_) {
    if (!record.started || record.removed || record.refused) continue;
    const server::Node* n = node(id);
    if (n == nullptr || n->stopped()) return false;
    const std::uint64_t a = n->status().appliedIndex;
    if (a < index || (applied && *applied != a)) return false;
    applied = a;
  }
  return true;
}

env::Nanos Cluster::clientDelay() {
  const ClusterSpec& c = scenario_.cluster;
  return Nanos{clientNet_.between(c.clientLatencyMin.count(), c.clientLatencyMax.count())};
}

void Cluster::send(std::uint64_t id, std::function<void(server::Node&)> call,
                   std::function<void()> refused) {
  sim_.scheduler().after(clientDelay(), [this, id, call = std::move(call),
                                         refused = std::move(refused)]() mutable {
    deliverCall(id, std::move(call), std::move(refused));
  });
}

void Cluster::deliverCall(std::uint64_t id, std::function<void(server::Node&)> call,
                          std::function<void()> refused) {
  server::Node* n = node(id);
  if (n == nullptr || n->stopped() || records_[id].removed) return refused();
  sim::Host& host = sim_.host(id);
  switch (host.loop().admit(host.incarnation())) {
    case sim::NodeLoop::Admission::kRun:
      host.loop().runHandler([&] { call(*n); });
      return;
    case sim::NodeLoop::Admission::kWait:
      // Busy or paused: the request waits in the member's queue; dropped if it crashes.
      host.loop().defer([this, id, call = std::move(call), refused = std::move(refused)]() mutable {
        deliverCall(id, std::move(call), std::move(refused));
      });
      return;
    case sim::NodeLoop::Admission::kDrop:
      return refused();
  }
}

void Cluster::toClient(std::function<void()> deliver) {
  sim_.scheduler().after(clientDelay(), std::move(deliver));
}

void Cluster::after(env::Nanos delay, std::function<void()> fn) {
  sim_.scheduler().after(delay, std::move(fn));
}

std::uint64_t Cluster::incarnation(std::uint64_t id) const {
  const server::Node* n = node(id);
  if (n == nullptr || n->stopped()) return 0;
  return sim_.hosts().at(id)->incarnation();
}

}  // namespace detcd::scenarios

#pragma once
// A simulated detcd cluster: one sim::Host per member running a server::Node, the scenario's
// faults applied to hosts, disks, clocks and the network, and the client side of the simulated
// network (MemberAccess) through which Clients reach the members.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/MemberAccess.h"
#include "scenarios/Scenario.h"
#include "server/Bugs.h"
#include "server/Node.h"
#include "sim/Rng.h"
#include "sim/Simulation.h"

namespace detcd::scenarios {

/// What happened to one member, for the checks and the summary.
struct MemberRecord {
  std::uint64_t id = 0;
  bool started = false;   ///< its host has been started at least once
  bool removed = false;   ///< a remove-member fault removed it (or is removing it)
  bool refused = false;   ///< its node refused to start (corruption found on its disk)
  std::string refusal;    ///< the node's reason
  bool corrupted = false;  ///< a bit flip was injected into its disk
  std::uint64_t crashes = 0;
};

/// The members of one run, on `sim`. Member n<i> has ID i. Single-threaded like the simulation.
///
/// Invariant: a member's Node exists exactly while its host is running or paused; a Node that
/// stopped by itself (removed, WAL failure, refusal) stays in its host until the host crashes.
class Cluster final : public MemberAccess {
 public:
  /// Adds a host for each of the scenario's initial members (not started yet). `bugs` and
  /// `traceHeartbeats` go into every member's NodeConfig.
  Cluster(sim::Simulation& sim, const Scenario& scenario, const server::Bugs& bugs,
          bool traceHeartbeats = false);
  ~Cluster() override;
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Starts every initial member.
  void startAll();

  /// Applies one scheduled fault now. Faults naming a member that cannot take them (crash of a
  /// member that is down, "leader" while none leads) do nothing but are traced as skipped.
  void apply(const Fault& fault);

  /// The liveness phase's repair: heals the network, resumes paused members, clears disk faults
  /// and clock drift, restarts members that are down or stopped (except removed and refused
  /// ones). Traced as "heal-all".
  void healAll();

  /// Power loss on every running member at once, then a restart of each (the durability check's
  /// "after every node has been restarted"). Refused and removed members stay down.
  void crashAndRestartAll();

  /// The member that leads in the highest term among running, not stopped members.
  std::optional<std::uint64_t> leader() const;

  /// The Node of a running (or paused) member; nullptr when down.
  server::Node* node(std::uint64_t id);
  const server::Node* node(std::uint64_t id) const;

  /// True when every member that should run (started, not removed, not refused) runs a node that
  /// has not stopped, and all of them report the same applied index, which is at least `index`.
  bool converged(std::uint64_t index) const;

  /// Every member ever created, by ID.
  const std::map<std::uint64_t, MemberRecord>& records() const { return records_; }

  // MemberAccess
  std::vector<std::uint64_t> members() const override;
  void send(std::uint64_t id, std::function<void(server::Node& node)> call,
            std::function<void()> refused) override;
  void toClient(std::function<void()> deliver) override;
  env::Nanos now() const override { return sim_.now(); }
  void after(env::Nanos delay, std::function<void()> fn) override;
  std::uint64_t incarnation(std::uint64_t id) const override;

 private:
  class NodeProcess;

  server::NodeConfig configFor(std::uint64_t id, bool join) const;
  sim::Host& addMember(std::uint64_t id, bool join);
  void startHost(sim::Host& host);
  /// Resolves a fault's member: a name, "leader" or "follower"; nullopt when there is none.
  std::optional<std::uint64_t> resolve(const Fault& fault) const;
  std::vector<env::NodeId> ids(const std::vector<std::string>& names) const;
  std::vector<env::NodeId> liveIds() const;
  bool running(std::uint64_t id) const;
  /// Runs `body` with member `id`'s Node inside its event loop if it can run now.
  bool onNode(std::uint64_t id, const std::function<void(server::Node&)>& body);
  /// Proposes a membership change through a live member, retrying every second until it is
  /// acknowledged or the run ends (an operator's etcdctl member add/remove).
  void changeMembership(std::uint64_t target, bool add, int attempt);
  void noteRefusal(std::uint64_t id);
  /// The arrival of a client request at member `id` (see send()).
  void deliverCall(std::uint64_t id, std::function<void(server::Node& node)> call,
                   std::function<void()> refused);
  env::Nanos clientDelay();

  sim::Simulation& sim_;
  const Scenario& scenario_;
  server::Bugs bugs_;
  bool traceHeartbeats_;
  sim::Rng clientNet_;
  std::map<std::uint64_t, MemberRecord> records_;
};

}  // namespace detcd::scenarios

#pragma once
// The swarm's scenarios: a whole Scenario drawn from one seed, so that `detcd-sim swarm` can
// explore cluster shapes, timeouts, workloads and fault schedules that nobody wrote by hand
// (swarm testing in the style of FoundationDB's simulation and TigerBeetle's VOPR).

#include <cstdint>

#include "env/Time.h"
#include "scenarios/Scenario.h"

namespace detcd::scenarios {

/// Draws the scenario of swarm seed `seed` for a safety phase of `duration` of virtual time.
/// A pure function of (seed, duration): every draw comes from sim::SeedTree(seed), stream "swarm".
/// Throws std::invalid_argument when `duration` is not positive.
///
/// What is drawn:
/// - cluster: 1, 3 or 5 members; heartbeat 1-2 ticks, election 5-10 heartbeats; a tick of 10, 20,
///   50 or 100 ms; member latency up to 5 ms; snapshot count small (20-300) half of the time so
///   that snapshots and catch-up by snapshot are exercised; PreVote on or off; CheckQuorum always
///   on (leases and the stale-read check rely on a deposed leader stepping down);
/// - workload: 1-10 clients, 5-100 operations/s in total, 1-20 keys, 0-2 watchers, a random op
///   mix (puts always), a request timeout of at least three election timeouts and a lease TTL
///   above etcd's minimum (1.5 election timeouts);
/// - faults: a subset of the fault kinds is enabled per seed, then a schedule is drawn in time
///   order inside [0, duration), at whole milliseconds, keeping every fault valid at its time:
///   crashes and pauses of concrete members later undone by restart/resume (a third of them
///   preceded by a transfer of leadership to the victim, so that leaders are hit), one network
///   fault (partition, isolate, one-way) at a time until a heal, disk faults (fsync error, disk
///   full, slow disk) on one node at a time until a disk-heal, corruption (bit flip; fsync error
///   and disk full count while in force) on a strict minority of the members, add-member and
///   remove-member only while no member is down and keeping at least one voter, at most 7.
///   Faults left undone at the end are undone by the runner's liveness phase.
/// - checks: all; expect-refusal: the members given a bit flip.
/// The result is accepted by parseScenario(writeScenario(result)). Name "swarm-<seed>".
Scenario drawScenario(std::uint64_t seed, env::Nanos duration);

}  // namespace detcd::scenarios

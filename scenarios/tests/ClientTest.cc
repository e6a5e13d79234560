#include "scenarios/Client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

#include "checkers/History.h"
#include "scenarios/RaftSafetyMonitor.h"
#include "scenarios/RunChecks.h"
#include "scenarios/Workload.h"
#include "scenarios/tests/WorkloadFakes.h"

namespace detcd::scenarios {
namespace {

using env::Nanos;
using fakes::FakeCluster;

constexpr Nanos kSecond{1'000'000'000};

WorkloadSpec busySpec() {
  WorkloadSpec spec;
  spec.clients = 5;
  spec.rate = 200;
  spec.keys = 5;
  spec.watchers = 1;
  spec.leaseTtlSeconds = 2;
  spec.requestTimeout = kSecond;
  spec.mix.compact = 1;
  return spec;
}

/// Puts and gets only: every failure is one the test caused.
WorkloadSpec plainSpec() {
  WorkloadSpec spec = busySpec();
  spec.mix = OpMix{};
  spec.mix.serializableGet = spec.mix.del = spec.mix.txn = spec.mix.range = 0;
  spec.mix.leaseGrant = spec.mix.leasePut = spec.mix.leaseRevoke = spec.mix.leaseKeepAlive = 0;
  return spec;
}

struct WorkloadRun {
  std::string history;
  ClientStats totals;
  std::vector<CheckResult> checks;
  std::uint64_t watchOpens = 0;
};

/// Runs `spec` on `cluster` for `duration`, calling `during(cluster)` at half time, then checks
/// the history against the cluster's store.
WorkloadRun runWorkload(FakeCluster& cluster, const WorkloadSpec& spec, std::uint64_t seed,
                Nanos duration, const std::function<void(FakeCluster&)>& during = {}) {
  HistoryRecorder recorder;
  LeaseMonitor leases;
  cluster.setLeaseMonitor(&leases);
  Workload workload(spec, sim::SeedTree(seed), cluster, cluster, recorder);
  workload.start();
  cluster.scheduler().runUntil(duration / 2);
  if (during) during(cluster);
  cluster.scheduler().runUntil(duration);
  workload.stop();
  cluster.scheduler().runUntil(duration + 2 * spec.requestTimeout);
  WorkloadRun run;
  run.history = recorder.text();
  run.totals = workload.totals();
  for (const auto& w : workload.watchers()) run.watchOpens += w->opens();

  Scenario scenario;
  scenario.checks.raftSafety = false;  // no Raft under the fake
  MemberFinal member;
  member.id = 1;
  member.live = true;
  member.store = &cluster.store();
  CheckInput input;
  input.scenario = &scenario;
  input.history = run.history;
  input.members = {member};
  input.leases = &leases;
  run.checks = runChecks(input);
  cluster.setLeaseMonitor(nullptr);
  return run;
}

std::string describe(const std::vector<CheckResult>& checks) {
  std::string out;
  for (const auto& c : checks) out += c.name + ": " + c.detail + "\n" + c.explanation;
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ClientTest, AHealthyClusterPassesEveryCheckWithEveryOpKind) {
  FakeCluster cluster(3);
  WorkloadRun run = runWorkload(cluster, busySpec(), 1, 20 * kSecond);
  EXPECT_TRUE(allPassed(run.checks)) << describe(run.checks);
  EXPECT_GT(run.totals.ok, 2000u);
  for (const char* op : {"\"op\":\"put\"", "\"op\":\"get\"", "\"serializable\":true",
                         "\"op\":\"delete\"", "\"op\":\"txn\"", "\"op\":\"range\"",
                         "\"op\":\"lease_grant\"", "\"op\":\"lease_revoke\"",
                         "\"op\":\"lease_keepalive\"", "\"op\":\"compact\"", "\"lease\":",
                         "\"succeeded\":true", "\"succeeded\":false", "\"type\":\"watch\"",
                         "\"type\":\"watch_response\"", "\"prev_kv\":"}) {
    EXPECT_TRUE(contains(run.history, op)) << op;
  }
  checkers::History h = checkers::parseHistory(run.history, checkers::Format::kDetcd);
  EXPECT_GT(h.watchResponses.size(), 500u);
}

TEST(ClientTest, OneSeedGivesOneHistory) {
  FakeCluster a(3), b(3), c(3);
  WorkloadSpec spec = busySpec();
  std::string first = runWorkload(a, spec, 7, 5 * kSecond).history;
  EXPECT_EQ(first, runWorkload(b, spec, 7, 5 * kSecond).history) << "replay: seed 7";
  EXPECT_NE(first, runWorkload(c, spec, 8, 5 * kSecond).history);
}

TEST(ClientTest, TheRateIsSharedByAllClients) {
  FakeCluster cluster(3);
  WorkloadSpec spec = busySpec();
  spec.rate = 50;
  WorkloadRun run = runWorkload(cluster, spec, 3, 20 * kSecond);
  // 50 ops/s for 20 s, minus request latency: between 800 and 1,100.
  EXPECT_GT(run.totals.invoked, 800u);
  EXPECT_LT(run.totals.invoked, 1100u);
}

TEST(ClientTest, MovesToTheNextMemberOnNoLeaderAndRecordsTheFailure) {
  FakeCluster cluster(3);
  cluster.failWith(1, "etcdserver: no leader");
  HistoryRecorder recorder;
  Client client(1, sim::Rng(1), plainSpec(), cluster, cluster, recorder);
  EXPECT_EQ(client.member(), 1u);
  client.start();
  cluster.scheduler().runUntil(5 * kSecond);
  EXPECT_EQ(client.member(), 2u);  // stays on the healthy member
  EXPECT_EQ(client.stats().failed, 1u);
  EXPECT_GT(client.stats().ok, 10u);
  EXPECT_TRUE(contains(recorder.text(), R"("type":"fail","client":1,)"));
  EXPECT_TRUE(contains(recorder.text(), R"("error":"etcdserver: no leader")"));
}

TEST(ClientTest, ARefusedConnectionFailsAndMovesOnWrappingAround) {
  FakeCluster cluster(3);
  cluster.crash(3);
  cluster.crash(1);
  HistoryRecorder recorder;
  Client client(3, sim::Rng(1), plainSpec(), cluster, cluster, recorder);
  EXPECT_EQ(client.member(), 3u);
  client.start();
  cluster.scheduler().runUntil(5 * kSecond);
  EXPECT_EQ(client.member(), 2u);  // 3 -> 1 (wrapped) -> 2
  EXPECT_EQ(client.stats().failed, 2u);
  EXPECT_TRUE(contains(recorder.text(), R"("error":"connection refused")"));
}

TEST(ClientTest, ServerTimeoutsAreUnknownOutcomesAndStayLinearizable) {
  FakeCluster cluster(3);
  cluster.applyThenFail(1, "etcdserver: request timed out");  // applied, yet "timed out"
  cluster.applyThenFail(2, "etcdserver: server stopped");
  WorkloadSpec spec = busySpec();
  spec.rate = 50;
  WorkloadRun run = runWorkload(cluster, spec, 5, 4 * kSecond, [](FakeCluster& c) {
    c.applyThenFail(1, "");
    c.applyThenFail(2, "");
  });
  EXPECT_GE(run.totals.unknown, 4u);  // each client that starts on n1 or n2, once
  EXPECT_TRUE(contains(run.history, R"("type":"info","client":1,)"));
  EXPECT_TRUE(contains(run.history, R"("error":"etcdserver: server stopped")"));
  EXPECT_TRUE(allPassed(run.checks)) << describe(run.checks);
}

TEST(ClientTest, LostAnswersTimeOutAsInfoAndMoveOn) {
  FakeCluster cluster(3);
  cluster.loseAnswers(0.2);
  WorkloadRun run = runWorkload(cluster, busySpec(), 6, 10 * kSecond);
  EXPECT_GT(run.totals.unknown, 20u);
  EXPECT_TRUE(contains(run.history, R"("error":"context deadline exceeded")"));
  EXPECT_TRUE(allPassed(run.checks)) << describe(run.checks);
}

TEST(ClientTest, LateAnswersAreIgnored) {
  FakeCluster cluster(3);
  cluster.delayAnswers(3 * kSecond);  // beyond the 1 s timeout
  HistoryRecorder recorder;
  Client client(1, sim::Rng(1), busySpec(), cluster, cluster, recorder);
  client.start();
  cluster.scheduler().runUntil(20 * kSecond);
  EXPECT_EQ(client.stats().ok, 0u);
  EXPECT_GT(client.stats().unknown, 5u);
  // Every invoke is completed exactly once: the history parses.
  checkers::History h = checkers::parseHistory(recorder.text(), checkers::Format::kDetcd);
  for (const auto& op : h.operations) EXPECT_EQ(op.outcome, checkers::Outcome::kInfo);
}

TEST(ClientTest, AClientHoldsAtMostTwoLeases) {
  FakeCluster cluster(3);
  WorkloadSpec spec = plainSpec();
  spec.mix = OpMix{};
  spec.mix.put = spec.mix.get = spec.mix.serializableGet = spec.mix.del = spec.mix.txn = 0;
  spec.mix.range = spec.mix.leasePut = spec.mix.leaseRevoke = spec.mix.leaseKeepAlive = 0;
  spec.mix.leaseGrant = 1;
  HistoryRecorder recorder;
  Client client(1, sim::Rng(1), spec, cluster, cluster, recorder);
  client.start();
  cluster.scheduler().runUntil(kSecond);
  checkers::History h = checkers::parseHistory(recorder.text(), checkers::Format::kDetcd);
  ASSERT_GT(h.operations.size(), 6u);
  int held = 0;
  for (const auto& op : h.operations) {
    bool grant = op.etcd->request.kind == checkers::EtcdRequest::Kind::kLeaseGrant;
    held += grant ? 1 : -1;
    EXPECT_LE(held, 2);
    EXPECT_GE(held, 0);
  }
}

TEST(ClientTest, StopEndsTheLoop) {
  FakeCluster cluster(3);
  HistoryRecorder recorder;
  Client client(1, sim::Rng(1), busySpec(), cluster, cluster, recorder);
  client.start();
  cluster.scheduler().runUntil(2 * kSecond);
  client.stop();
  cluster.scheduler().runUntil(3 * kSecond);
  std::uint64_t invoked = client.stats().invoked;
  EXPECT_EQ(client.stats().ok + client.stats().failed + client.stats().unknown, invoked);
  cluster.scheduler().runUntil(10 * kSecond);
  EXPECT_EQ(client.stats().invoked, invoked);
}

TEST(ClientTest, AClientMayBeDestroyedWithARequestInFlight) {
  FakeCluster cluster(3);
  HistoryRecorder recorder;
  {
    Client client(1, sim::Rng(1), busySpec(), cluster, cluster, recorder);
    client.start();
    cluster.scheduler().runUntil(Nanos(30'000'000));
  }
  cluster.scheduler().runUntil(5 * kSecond);  // its timers and answers find it gone
  SUCCEED();
}

TEST(ClientTest, TheWatcherResumesOnAnotherMemberAfterACrash) {
  FakeCluster cluster(3);
  WorkloadSpec spec = busySpec();
  WorkloadRun run = runWorkload(cluster, spec, 9, 10 * kSecond, [](FakeCluster& c) {
    c.crash(1);
    c.crash(2);
    c.crash(3);
    c.restart(1);
    c.restart(2);
    c.restart(3);
  });
  EXPECT_GE(run.watchOpens, 2u);
  EXPECT_TRUE(contains(run.history, R"("watch_id":2)"));
  EXPECT_TRUE(allPassed(run.checks)) << describe(run.checks);
  checkers::History h = checkers::parseHistory(run.history, checkers::Format::kDetcd);
  ASSERT_GE(h.watches.size(), 2u);
  EXPECT_GT(h.watches[1].startRevision, 1);  // resumed after the last event seen
}

TEST(ClientTest, StaleReadsAreCaughtByTheLinearizabilityCheck) {
  FakeCluster cluster(3);
  WorkloadRun run = runWorkload(cluster, busySpec(), 11, 4 * kSecond, [](FakeCluster& c) {
    for (std::uint64_t m : {1, 2, 3}) c.serveStaleReads(m);
  });
  EXPECT_EQ(failedChecks(run.checks), "linearizability") << describe(run.checks);
}

TEST(ClientTest, ALostWatchEventIsCaughtByTheWatchCheck) {
  FakeCluster cluster(3);
  cluster.loseWatchResponse(100);
  WorkloadRun run = runWorkload(cluster, busySpec(), 12, 10 * kSecond);
  EXPECT_EQ(failedChecks(run.checks), "watch") << describe(run.checks);
}

/// Every 300 ms one random fault or repair: a member crashes or restarts, starts or stops
/// answering "no leader", answers get lost or stop getting lost.
void randomFaults(FakeCluster& cluster, sim::Rng& rng, Nanos until) {
  if (cluster.now() >= until) return;
  std::uint64_t member = 1 + rng.below(3);
  switch (rng.below(6)) {
    case 0: cluster.crash(member); break;
    case 1: cluster.restart(member); break;
    case 2: cluster.failWith(member, "etcdserver: no leader"); break;
    case 3: cluster.failWith(member, ""); break;
    case 4: cluster.loseAnswers(0.1); break;
    default: cluster.loseAnswers(0); break;
  }
  cluster.after(Nanos(300'000'000), [&cluster, &rng, until] { randomFaults(cluster, rng, until); });
}

TEST(ClientTest, RandomFaultsOnACorrectStoreNeverFailACheck) {
  std::uint64_t first = 1, last = 30;
  ClientStats all;
  if (const char* seed = std::getenv("DETCD_CLIENT_SEED")) first = last = std::stoull(seed);
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    FakeCluster cluster(3);
    sim::Rng rng(seed);
    WorkloadSpec spec = busySpec();
    spec.rate = 100;
    randomFaults(cluster, rng, 4 * kSecond);
    WorkloadRun run = runWorkload(cluster, spec, seed, 6 * kSecond, [](FakeCluster& c) {
      for (std::uint64_t m : {1, 2, 3}) {
        c.restart(m);
        c.failWith(m, "");
      }
      c.loseAnswers(0);
    });
    EXPECT_TRUE(allPassed(run.checks))
        << "seed " << seed << "; replay: DETCD_CLIENT_SEED=" << seed
        << " build/tests/scenario_checks_test --gtest_filter=ClientTest.RandomFaults*\n"
        << describe(run.checks);
    EXPECT_GT(run.totals.ok, 100u) << "seed " << seed;
    all.failed += run.totals.failed;
    all.unknown += run.totals.unknown;
  }
  EXPECT_GT(all.failed, 10 * (last - first + 1)) << "the faults made requests fail";
  EXPECT_GT(all.unknown, 5 * (last - first + 1)) << "the faults left outcomes unknown";
}

}  // namespace
}  // namespace detcd::scenarios

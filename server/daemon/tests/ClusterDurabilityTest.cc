// Three detcd processes on loopback under a gRPC write load: kill -9 of one member, of all three,
// of the leader, and rounds of these with frequent snapshots; then every acknowledged put is there
// with the revision it was answered with, the members converge (HashKV) and revisions never go
// backwards. A member with a damaged WAL refuses to start while the others serve; bad input (a
// peer of another cluster, garbage on the peer and client ports, an unknown member ID, an
// oversized or malformed request) gets a clear error and the cluster stays up. Issue 9,
// "Durability" and "Bad input".
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "proto/rpc.grpc.pb.h"
#include "server/daemon/tests/Servers.h"

namespace detcd::server::daemon::testing {
namespace {

namespace fs = std::filesystem;
namespace pb = etcdserverpb;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// Bounds for a loaded two-core machine, not speed checks.
constexpr auto kRpcDeadline = 10s;
constexpr auto kRecoveryTimeout = 45s;

/// Runs `method` on a fresh stub call with the test's deadline.
template <typename Stub, typename Req, typename Resp>
grpc::Status call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                  Stub& stub, const Req& req, Resp* resp,
                  std::chrono::milliseconds deadline = kRpcDeadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  return (stub.*method)(&ctx, req, resp);
}

/// A gRPC channel that reconnects quickly to a restarted member (gRPC's default backoff grows to
/// two minutes) and may send requests larger than the server accepts.
std::shared_ptr<grpc::Channel> channelTo(int clientPort) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetMaxSendMessageSize(INT_MAX);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(clientPort),
                                   grpc::InsecureChannelCredentials(), args);
}

/// Writes `bytes` to 127.0.0.1:`port` on a plain TCP connection, waits up to `linger` for the
/// server to answer or close, then closes. True when the connection was made.
bool sendRaw(int port, const std::string& bytes, std::chrono::milliseconds linger) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return false;
  }
  const ssize_t written = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  timeval tv{};
  tv.tv_sec = static_cast<long>(linger.count() / 1000);
  tv.tv_usec = static_cast<long>((linger.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd);
  return written > 0;
}

/// One put the cluster acknowledged: its key, value and the revision in the response header.
struct Ack {
  std::string key;
  std::string value;
  std::int64_t revision = 0;
};

/// Writer threads, each putting distinct keys "w<writer>/<seq>" through one member (writer w uses
/// member w % members) and recording every acknowledged put. A writer whose put fails (member
/// down, no leader) moves on to its next key: a put with an unknown outcome is never counted.
/// Each writer's puts are sequential, so linearizability requires its acknowledged revisions to
/// increase strictly; a violation is recorded.
class WriteLoad {
 public:
  WriteLoad(const std::vector<std::shared_ptr<grpc::Channel>>& channels, int writers) {
    for (int w = 0; w < writers; ++w) {
      threads_.emplace_back(
          [this, w, channel = channels[w % channels.size()]] { run(w, channel); });
    }
  }
  ~WriteLoad() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  std::size_t acked() const {
    std::lock_guard lock(mu_);
    return acks_.size();
  }

  /// Waits until `more` puts beyond `from` were acknowledged; false after `timeout`.
  bool waitAcked(std::size_t from, std::size_t more, std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (acked() < from + more) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  std::vector<Ack> acks() const {
    std::lock_guard lock(mu_);
    return acks_;
  }
  std::vector<std::string> violations() const {
    std::lock_guard lock(mu_);
    return violations_;
  }
  std::int64_t maxRevision() const {
    std::lock_guard lock(mu_);
    std::int64_t r = 0;
    for (const auto& a : acks_) r = std::max(r, a.revision);
    return r;
  }

 private:
  void run(int w, const std::shared_ptr<grpc::Channel>& channel) {
    auto kv = pb::KV::NewStub(channel);
    std::int64_t last = 0;
    for (int seq = 0; !stop_; ++seq) {
      pb::PutRequest req;
      req.set_key("w" + std::to_string(w) + "/" + std::to_string(seq));
      req.set_value("value of writer " + std::to_string(w) + " put " + std::to_string(seq));
      pb::PutResponse resp;
      if (!call(&pb::KV::Stub::Put, *kv, req, &resp).ok()) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      std::lock_guard lock(mu_);
      const std::int64_t rev = resp.header().revision();
      if (rev <= last) {
        violations_.push_back("writer " + std::to_string(w) + ": put of " + req.key() +
                              " answered revision " + std::to_string(rev) +
                              " after its previous put was answered " + std::to_string(last));
      }
      last = rev;
      acks_.push_back({req.key(), req.value(), rev});
    }
  }

  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Ack> acks_;
  std::vector<std::string> violations_;
  std::vector<std::thread> threads_;
};

/// Three detcd members on free loopback ports, each with its data in dir_/<name>/data and its log
/// in dir_/<name>.<start>.log (stdout in .out). Every process is killed (SIGKILL) by ~Child when
/// the test ends, failed or not.
class ClusterDurabilityTest : public ::testing::Test {
 protected:
  static constexpr int kMembers = 3;

  struct Member {
    std::string name;
    int clientPort = 0;
    int peerPort = 0;
    int starts = 0;
    std::unique_ptr<Child> child;
    std::shared_ptr<grpc::Channel> channel;
    std::uint64_t id = 0;  // from Status, once serving
  };

  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("detcd-cluster-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    token_ = "durability-" + std::to_string(::getpid());
    std::set<int> used;
    const auto port = [&] {
      int p = freePort();
      while (used.count(p)) p = freePort();
      used.insert(p);
      return p;
    };
    members_.resize(kMembers);
    for (int i = 0; i < kMembers; ++i) {
      auto& m = members_[i];
      m.name = "m" + std::to_string(i + 1);
      m.clientPort = port();
      m.peerPort = port();
      m.channel = channelTo(m.clientPort);
      initialCluster_ += (i ? "," : "") + m.name + "=" + peerUrl(m.peerPort);
    }
    spare_ = port();
  }

  void TearDown() override {
    members_.clear();  // SIGKILL, reaped
    if (!HasFailure()) {
      fs::remove_all(dir_);
      return;
    }
    // Keep the logs for diagnosis, not the data (preallocated WAL segments are 64 MiB each).
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.is_directory()) fs::remove_all(e.path());
    }
    std::cerr << "logs kept in " << dir_ << "\n";
  }

  static std::string peerUrl(int port) { return "http://127.0.0.1:" + std::to_string(port); }

  void start(int i) {
    auto& m = members_[i];
    const std::string client = peerUrl(m.clientPort);
    const std::string peer = peerUrl(m.peerPort);
    const std::string base = dir_ + "/" + m.name + "." + std::to_string(++m.starts);
    std::vector<std::string> argv{detcdBinary(),
                                  "--name=" + m.name,
                                  "--data-dir=" + dataDir(i),
                                  "--listen-client-urls=" + client,
                                  "--advertise-client-urls=" + client,
                                  "--listen-peer-urls=" + peer,
                                  "--initial-advertise-peer-urls=" + peer,
                                  "--initial-cluster=" + initialCluster_,
                                  "--initial-cluster-token=" + token_,
                                  "--initial-cluster-state=new"};
    argv.insert(argv.end(), extraFlags_.begin(), extraFlags_.end());
    m.child = std::make_unique<Child>(argv, dir_, base + ".out", base + ".log");
  }

  void startAll() {
    for (int i = 0; i < kMembers; ++i) start(i);
    for (int i = 0; i < kMembers; ++i) ASSERT_TRUE(waitServing(i)) << log(i);
  }

  void kill(int i) {
    auto& m = members_[i];
    m.child->signal(SIGKILL);
    ASSERT_TRUE(m.child->wait(10s).has_value());
    m.child.reset();
  }

  std::string dataDir(int i) const { return dir_ + "/" + members_[i].name + "/data"; }

  /// The member's stdout and log of its latest start.
  std::string log(int i) const {
    const auto& m = members_[i];
    const std::string base = dir_ + "/" + m.name + "." + std::to_string(m.starts);
    return readFile(base + ".log") + readFile(base + ".out");
  }

  /// Waits until member i answers a linearizable read (it has a leader and a quorum) and learns
  /// its member ID; false when it exits or after the timeout.
  bool waitServing(int i, std::chrono::milliseconds timeout = kRecoveryTimeout) {
    auto& m = members_[i];
    auto kv = pb::KV::NewStub(m.channel);
    auto maintenance = pb::Maintenance::NewStub(m.channel);
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (!m.child || !m.child->running()) return false;
      pb::RangeRequest req;
      req.set_key("health");
      pb::RangeResponse resp;
      pb::StatusResponse status;
      if (call(&pb::KV::Stub::Range, *kv, req, &resp, 3s).ok() &&
          call(&pb::Maintenance::Stub::Status, *maintenance, pb::StatusRequest{}, &status, 3s)
              .ok()) {
        m.id = status.header().member_id();
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  /// The index of the member every running member names as leader, once they agree on one that
  /// is not `except`; nullopt after the timeout.
  std::optional<int> waitLeader(std::uint64_t except = 0,
                                std::chrono::milliseconds timeout = kRecoveryTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      std::set<std::uint64_t> named;
      bool all = true;
      for (auto& m : members_) {
        if (!m.child) continue;
        auto maintenance = pb::Maintenance::NewStub(m.channel);
        pb::StatusResponse status;
        if (!call(&pb::Maintenance::Stub::Status, *maintenance, pb::StatusRequest{}, &status, 3s)
                 .ok() ||
            status.leader() == 0) {
          all = false;
          break;
        }
        named.insert(status.leader());
      }
      if (all && named.size() == 1 && *named.begin() != except) {
        for (int i = 0; i < kMembers; ++i) {
          if (members_[i].id == *named.begin() && members_[i].child) return i;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    return std::nullopt;
  }

  /// A put through member `from` and a linearizable get of it through member `to`. The put is
  /// retried while it answers UNAVAILABLE (an election after a member was killed: "no leader",
  /// "leader changed"), for at most kRecoveryTimeout.
  void expectPutGet(int from, int to, const std::string& key) {
    auto writer = pb::KV::NewStub(members_[from].channel);
    pb::PutRequest put;
    put.set_key(key);
    put.set_value("v-" + key);
    pb::PutResponse putResp;
    grpc::Status st;
    const auto deadline = Clock::now() + kRecoveryTimeout;
    while (!(st = call(&pb::KV::Stub::Put, *writer, put, &putResp)).ok() &&
           st.error_code() == grpc::StatusCode::UNAVAILABLE && Clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(st.ok()) << st.error_message() << "\n" << log(from);
    auto reader = pb::KV::NewStub(members_[to].channel);
    pb::RangeRequest get;
    get.set_key(key);
    pb::RangeResponse got;
    ASSERT_TRUE(call(&pb::KV::Stub::Range, *reader, get, &got).ok()) << log(to);
    ASSERT_EQ(got.kvs_size(), 1);
    EXPECT_EQ(got.kvs(0).value(), "v-" + key);
    EXPECT_GE(got.header().revision(), putResp.header().revision());
  }

  /// Every running member returns, in a linearizable read, each acknowledged key with its value
  /// and the revision its put was answered with (keys are never rewritten), at a revision no
  /// lower than any acknowledged one.
  void expectAcknowledgedWritesPresent(const std::vector<Ack>& acks, int writers) {
    std::int64_t maxAcked = 0;
    for (const auto& a : acks) maxAcked = std::max(maxAcked, a.revision);
    for (int i = 0; i < kMembers; ++i) {
      if (!members_[i].child) continue;
      auto kv = pb::KV::NewStub(members_[i].channel);
      std::map<std::string, std::pair<std::string, std::int64_t>> stored;
      for (int w = 0; w < writers; ++w) {
        pb::RangeRequest req;
        req.set_key("w" + std::to_string(w) + "/");
        req.set_range_end("w" + std::to_string(w) + "0");  // the prefix "w<w>/"
        pb::RangeResponse resp;
        grpc::Status st;
        const auto deadline = Clock::now() + kRecoveryTimeout;
        while (!(st = call(&pb::KV::Stub::Range, *kv, req, &resp)).ok() &&
               Clock::now() < deadline) {
          std::this_thread::sleep_for(100ms);
        }
        ASSERT_TRUE(st.ok()) << members_[i].name << ": " << st.error_message();
        EXPECT_GE(resp.header().revision(), maxAcked) << members_[i].name << " went backwards";
        for (const auto& kvp : resp.kvs()) stored[kvp.key()] = {kvp.value(), kvp.mod_revision()};
      }
      int lost = 0;
      for (const auto& a : acks) {
        const auto it = stored.find(a.key);
        if (it == stored.end() || it->second.first != a.value ||
            it->second.second != a.revision) {
          if (++lost <= 10) {
            ADD_FAILURE() << members_[i].name << ": acknowledged put of " << a.key
                          << " at revision " << a.revision << " is "
                          << (it == stored.end()
                                  ? std::string("missing")
                                  : "\"" + it->second.first + "\" at revision " +
                                        std::to_string(it->second.second));
          }
        }
      }
      EXPECT_EQ(lost, 0) << members_[i].name << " lost acknowledged puts (of " << acks.size()
                         << ")";
    }
  }

  /// No writer saw its revisions go backwards; reports how much the load wrote.
  static void expectNoViolations(const WriteLoad& load) {
    for (const auto& v : load.violations()) ADD_FAILURE() << v;
    std::cout << "acknowledged puts: " << load.acked() << ", highest revision "
              << load.maxRevision() << "\n";
  }

  /// All running members reach the same revision and have the same HashKV at it; returns it.
  std::int64_t expectConverged() {
    const auto deadline = Clock::now() + kRecoveryTimeout;
    std::string last;
    while (Clock::now() < deadline) {
      std::set<std::int64_t> revisions;
      bool ok = true;
      for (auto& m : members_) {
        if (!m.child) continue;
        auto kv = pb::KV::NewStub(m.channel);
        pb::RangeRequest req;
        req.set_key("health");
        pb::RangeResponse resp;
        ok = ok && call(&pb::KV::Stub::Range, *kv, req, &resp).ok();
        revisions.insert(resp.header().revision());
      }
      if (ok && revisions.size() == 1) {
        const std::int64_t rev = *revisions.begin();
        std::set<std::uint32_t> hashes;
        std::string seen;
        for (auto& m : members_) {
          if (!m.child) continue;
          auto maintenance = pb::Maintenance::NewStub(m.channel);
          pb::HashKVRequest req;
          req.set_revision(rev);
          pb::HashKVResponse resp;
          ok = ok && call(&pb::Maintenance::Stub::HashKV, *maintenance, req, &resp).ok();
          hashes.insert(resp.hash());
          seen += " " + m.name + "=" + std::to_string(resp.hash());
        }
        if (ok && hashes.size() == 1) return rev;
        last = "HashKV at revision " + std::to_string(rev) + ":" + seen;
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "members did not converge; " << last;
    return 0;
  }

  std::vector<std::shared_ptr<grpc::Channel>> channels() const {
    std::vector<std::shared_ptr<grpc::Channel>> c;
    for (const auto& m : members_) c.push_back(m.channel);
    return c;
  }

  std::string dir_;
  std::string token_;
  std::string initialCluster_;
  int spare_ = 0;  // a free port for a fourth process
  std::vector<std::string> extraFlags_;  // given to every member's start
  std::vector<Member> members_;
};

constexpr int kWriters = 6;

/// The messages of the failures `check` reports, intercepted (they do not fail the test).
template <typename Check>
std::string failuresOf(Check check) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    check();
  }
  std::string all;
  for (int i = 0; i < results.size(); ++i) {
    all += std::string(results.GetTestPartResult(i).message()) + "\n";
  }
  return all;
}

TEST_F(ClusterDurabilityTest, AcknowledgedWritesSurviveKillNineOfOneMemberThenAllThree) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  WriteLoad load(channels(), kWriters);
  ASSERT_TRUE(load.waitAcked(0, 200, kRecoveryTimeout));

  // One member down: the other two keep a quorum and keep acknowledging.
  ASSERT_NO_FATAL_FAILURE(kill(2));
  std::size_t n = load.acked();
  ASSERT_TRUE(load.waitAcked(n, 100, kRecoveryTimeout)) << log(0);
  start(2);
  ASSERT_TRUE(waitServing(2)) << log(2);
  n = load.acked();
  ASSERT_TRUE(load.waitAcked(n, 100, kRecoveryTimeout));

  // All three at once, mid-load.
  for (int i = 0; i < kMembers; ++i) members_[i].child->signal(SIGKILL);
  for (int i = 0; i < kMembers; ++i) ASSERT_NO_FATAL_FAILURE(kill(i));
  const std::int64_t beforeCrash = load.maxRevision();
  for (int i = 0; i < kMembers; ++i) start(i);
  for (int i = 0; i < kMembers; ++i) ASSERT_TRUE(waitServing(i)) << log(i);
  ASSERT_TRUE(waitLeader().has_value());
  n = load.acked();
  ASSERT_TRUE(load.waitAcked(n, 100, kRecoveryTimeout));
  load.stop();

  expectNoViolations(load);
  expectAcknowledgedWritesPresent(load.acks(), kWriters);
  const std::int64_t rev = expectConverged();
  EXPECT_GE(rev, load.maxRevision());
  EXPECT_GT(load.maxRevision(), beforeCrash);
}

TEST_F(ClusterDurabilityTest, KillNineOfTheLeaderElectsAnotherAndKeepsAcknowledgedWrites) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  WriteLoad load(channels(), kWriters);
  ASSERT_TRUE(load.waitAcked(0, 200, kRecoveryTimeout));
  const auto leader = waitLeader();
  ASSERT_TRUE(leader.has_value());
  const std::uint64_t oldLeader = members_[*leader].id;
  ASSERT_NO_FATAL_FAILURE(kill(*leader));
  const auto next = waitLeader(oldLeader);
  ASSERT_TRUE(next.has_value()) << "no new leader; " << log((*leader + 1) % kMembers);
  EXPECT_NE(*next, *leader);
  std::size_t n = load.acked();
  ASSERT_TRUE(load.waitAcked(n, 100, kRecoveryTimeout));
  start(*leader);
  ASSERT_TRUE(waitServing(*leader)) << log(*leader);
  n = load.acked();
  ASSERT_TRUE(load.waitAcked(n, 50, kRecoveryTimeout));
  load.stop();

  expectNoViolations(load);
  expectAcknowledgedWritesPresent(load.acks(), kWriters);
  EXPECT_GE(expectConverged(), load.maxRevision());
}

/// Flips bytes in the middle of the records of the member's newest non-empty WAL segment (not
/// its tail: valid records follow, so this is damage, not a torn write). Returns the file.
fs::path damageWal(const std::string& walDir) {
  fs::path wal;
  std::string bytes;
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(walDir)) {
    if (e.path().extension() == ".wal") segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  for (auto it = segments.rbegin(); it != segments.rend() && wal.empty(); ++it) {
    bytes = readFile(it->string());
    const auto end = bytes.find_last_not_of('\0');
    if (end != std::string::npos && end > 4096) wal = *it;
  }
  if (wal.empty()) return wal;
  const std::size_t middle = bytes.find_last_not_of('\0') / 2;
  std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
  for (std::size_t off = middle; off < middle + 16; ++off) {
    f.seekp(static_cast<std::streamoff>(off));
    f.put(static_cast<char>(bytes[off] ^ 0x5a));
  }
  return wal;
}

TEST_F(ClusterDurabilityTest, MemberWithDamagedWalRefusesToStartAndTheOthersServe) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  {
    WriteLoad load(channels(), kWriters);
    ASSERT_TRUE(load.waitAcked(0, 300, kRecoveryTimeout));
  }
  ASSERT_NO_FATAL_FAILURE(kill(2));
  const fs::path wal = damageWal(dataDir(2) + "/member/wal");
  ASSERT_FALSE(wal.empty()) << "no WAL segment with records in " << dataDir(2);

  start(2);
  const auto exit = members_[2].child->wait(kRecoveryTimeout);
  ASSERT_TRUE(exit.has_value()) << "the damaged member did not exit\n" << log(2);
  EXPECT_EQ(*exit, 1);
  const std::string refused = log(2);
  EXPECT_NE(refused.find("refusing to start"), std::string::npos) << refused;
  EXPECT_NE(refused.find(wal.filename().string()), std::string::npos) << refused;
  EXPECT_NE(refused.find("offset"), std::string::npos) << refused;
  members_[2].child.reset();

  ASSERT_NO_FATAL_FAILURE(expectPutGet(0, 1, "after-refusal-1"));
  ASSERT_NO_FATAL_FAILURE(expectPutGet(1, 0, "after-refusal-2"));
}

TEST_F(ClusterDurabilityTest, BadInputGetsClearErrorsAndTheClusterStaysUp) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  ASSERT_NO_FATAL_FAILURE(expectPutGet(0, 1, "before"));

  // A fourth process claiming membership with another cluster token: both sides log why.
  {
    const std::string url = peerUrl(spare_);
    const std::string client = peerUrl(freePort());
    Child intruder({detcdBinary(), "--name=intruder", "--data-dir=" + dir_ + "/intruder/data",
                    "--listen-client-urls=" + client, "--advertise-client-urls=" + client,
                    "--listen-peer-urls=" + url, "--initial-advertise-peer-urls=" + url,
                    "--initial-cluster=" + initialCluster_ + ",intruder=" + url,
                    "--initial-cluster-token=another-cluster", "--initial-cluster-state=new"},
                   dir_, dir_ + "/intruder.out", dir_ + "/intruder.log");
    const std::string plain =
        "cluster token mismatch (got \"another-cluster\", want \"" + token_ + "\")";
    // The logs are JSON lines: the quotes inside the message appear escaped there.
    const std::string dumped = nlohmann::json(plain).dump();
    const std::string escaped = dumped.substr(1, dumped.size() - 2);
    const auto says = [&](const std::string& text) {
      return text.find(plain) != std::string::npos || text.find(escaped) != std::string::npos;
    };
    const auto deadline = Clock::now() + kRecoveryTimeout;
    bool receiverSaid = false;
    bool senderSaid = false;
    while (Clock::now() < deadline && !(receiverSaid && senderSaid)) {
      for (int i = 0; i < kMembers; ++i) {
        receiverSaid = receiverSaid || says(log(i));
      }
      const std::string own = readFile(dir_ + "/intruder.log") + readFile(dir_ + "/intruder.out");
      senderSaid = own.find("refused our connection") != std::string::npos && says(own);
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(receiverSaid) << log(0);
    EXPECT_TRUE(senderSaid) << readFile(dir_ + "/intruder.log") + readFile(dir_ + "/intruder.out");
  }
  ASSERT_NO_FATAL_FAILURE(expectPutGet(1, 2, "after-intruder"));

  // Garbage on a peer port and on a client port.
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage.push_back(static_cast<char>((i * 7919 + 13) % 251));
  EXPECT_TRUE(sendRaw(members_[0].peerPort, garbage, 2s));
  EXPECT_TRUE(sendRaw(members_[0].peerPort, "\xff\xff\xff\xff" + garbage, 2s));
  EXPECT_TRUE(sendRaw(members_[1].peerPort, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2s));
  EXPECT_TRUE(sendRaw(members_[1].clientPort, garbage, 2s));
  EXPECT_TRUE(sendRaw(members_[2].clientPort, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + garbage, 2s));
  for (int i = 0; i < kMembers; ++i) EXPECT_TRUE(members_[i].child->running()) << log(i);
  ASSERT_NO_FATAL_FAILURE(expectPutGet(0, 2, "after-garbage"));

  // A malformed protobuf request.
  {
    grpc::GenericStub generic(members_[1].channel);
    const std::string bad = "\xff\xff\xff\xff\x0f\x12";
    grpc::Slice slice(bad);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer reply;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, "/etcdserverpb.KV/Put", grpc::StubOptions(), &request, &reply,
                      [&](grpc::Status s) { done.set_value(s); });
    const grpc::Status st = done.get_future().get();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL) << st.error_message();
    EXPECT_EQ(st.error_message(),
              "grpc: error unmarshalling request: not a valid etcdserverpb.PutRequest message");
  }
  ASSERT_NO_FATAL_FAILURE(expectPutGet(1, 0, "after-malformed"));

  // MemberRemove of an unknown ID.
  {
    auto cluster = pb::Cluster::NewStub(members_[2].channel);
    pb::MemberRemoveRequest req;
    req.set_id(0x1234);
    pb::MemberRemoveResponse resp;
    const grpc::Status st = call(&pb::Cluster::Stub::MemberRemove, *cluster, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
    EXPECT_EQ(st.error_message(), "etcdserver: member not found");
    pb::MemberListResponse list;
    ASSERT_TRUE(
        call(&pb::Cluster::Stub::MemberList, *cluster, pb::MemberListRequest{}, &list).ok());
    EXPECT_EQ(list.members_size(), kMembers);
  }
  ASSERT_NO_FATAL_FAILURE(expectPutGet(2, 1, "after-member-remove"));

  // Oversized puts: over --max-request-bytes (1.5 MiB) the node refuses the proposal; over the
  // gRPC allowance (+512 KiB) gRPC refuses the message.
  {
    auto kv = pb::KV::NewStub(members_[0].channel);
    pb::PutRequest req;
    req.set_key("big");
    req.set_value(std::string(1536 * 1024 + 1024, 'x'));
    pb::PutResponse resp;
    grpc::Status st = call(&pb::KV::Stub::Put, *kv, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_EQ(st.error_message(), "etcdserver: request is too large");
    req.set_value(std::string(3 * 1024 * 1024, 'x'));
    st = call(&pb::KV::Stub::Put, *kv, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  }
  ASSERT_NO_FATAL_FAILURE(expectPutGet(0, 1, "after-oversized"));
  for (int i = 0; i < kMembers; ++i) EXPECT_TRUE(members_[i].child->running()) << log(i);
  expectConverged();
}

/// The checks fail when an acknowledged put is missing, has another value or revision, or when a
/// member's revision is below an acknowledged one (a check that cannot fail proves nothing).
TEST_F(ClusterDurabilityTest, ChecksRejectLostOrAlteredAcknowledgedPuts) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  std::vector<Ack> acks;
  {
    WriteLoad load(channels(), kWriters);
    ASSERT_TRUE(load.waitAcked(0, 30, kRecoveryTimeout));
    load.stop();
    acks = load.acks();
  }
  expectAcknowledgedWritesPresent(acks, kWriters);
  ASSERT_FALSE(HasFailure());

  auto lost = acks;
  lost.push_back({"w0/lost", "never written", acks.back().revision});
  EXPECT_NE(failuresOf([&] { expectAcknowledgedWritesPresent(lost, kWriters); })
                .find("acknowledged put of w0/lost at revision"),
            std::string::npos);
  auto altered = acks;
  altered.front().value = "another value";
  EXPECT_NE(failuresOf([&] { expectAcknowledgedWritesPresent(altered, kWriters); })
                .find("lost acknowledged puts"),
            std::string::npos);
  auto moved = acks;
  moved.front().revision += 1;
  EXPECT_NE(failuresOf([&] { expectAcknowledgedWritesPresent(moved, kWriters); })
                .find("lost acknowledged puts"),
            std::string::npos);
  auto future = acks;
  future.back().revision += 1000;
  EXPECT_NE(failuresOf([&] { expectAcknowledgedWritesPresent(future, kWriters); })
                .find("went backwards"),
            std::string::npos);
}

/// Snapshots every 40 applied entries, so every restart recovers from a snapshot and a WAL
/// suffix: six rounds mid-load of a follower, all three members, and the leader killed with
/// kill -9 and restarted; in round 4 all three are killed again while they recover.
TEST_F(ClusterDurabilityTest, RepeatedCrashesWithFrequentSnapshots) {
  extraFlags_ = {"--snapshot-count=40"};
  ASSERT_NO_FATAL_FAILURE(startAll());
  WriteLoad load(channels(), kWriters);
  ASSERT_TRUE(load.waitAcked(0, 100, kRecoveryTimeout));
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto leader = waitLeader();
    ASSERT_TRUE(leader.has_value());
    if (round % 3 == 1) {
      for (int i = 0; i < kMembers; ++i) members_[i].child->signal(SIGKILL);
      for (int i = 0; i < kMembers; ++i) ASSERT_NO_FATAL_FAILURE(kill(i));
      for (int i = 0; i < kMembers; ++i) start(i);
      if (round == 4) {
        // Again while they recover: as soon as one serves clients, before an election settles.
        const auto deadline = Clock::now() + kRecoveryTimeout;
        while (log(0).find("ready to serve") == std::string::npos && Clock::now() < deadline) {
          std::this_thread::sleep_for(5ms);
        }
        for (int i = 0; i < kMembers; ++i) members_[i].child->signal(SIGKILL);
        for (int i = 0; i < kMembers; ++i) ASSERT_NO_FATAL_FAILURE(kill(i));
        for (int i = 0; i < kMembers; ++i) start(i);
      }
      for (int i = 0; i < kMembers; ++i) ASSERT_TRUE(waitServing(i)) << log(i);
    } else {
      const int victim = round % 3 == 0 ? (*leader + 1 + round / 3) % kMembers : *leader;
      ASSERT_NO_FATAL_FAILURE(kill(victim));
      std::size_t n = load.acked();
      ASSERT_TRUE(load.waitAcked(n, 100, kRecoveryTimeout)) << log((victim + 1) % kMembers);
      start(victim);
      ASSERT_TRUE(waitServing(victim)) << log(victim);
    }
    const std::size_t n = load.acked();
    ASSERT_TRUE(load.waitAcked(n, 50, kRecoveryTimeout));
  }
  load.stop();

  expectNoViolations(load);
  expectAcknowledgedWritesPresent(load.acks(), kWriters);
  EXPECT_GE(expectConverged(), load.maxRevision());
  // The last restarts did recover from a snapshot (the node-start line's snapshot index).
  for (int i = 0; i < kMembers; ++i) {
    std::istringstream lines(log(i));
    std::uint64_t snapshot = 0;
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("msg", "") == "node-start") snapshot = j.value("snapshot", 0u);
    }
    EXPECT_GT(snapshot, 1u) << members_[i].name << " restarted without a snapshot\n" << log(i);
  }
}

/// A leader paused (SIGSTOP) past the election timeout is deposed; once resumed, a linearizable
/// read through it returns the put the new leader acknowledged meanwhile (a deposed leader must
/// not answer from its own stale state: ReadIndex, Raft paper section 8).
TEST_F(ClusterDurabilityTest, ResumedDeposedLeaderServesNoStaleRead) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  const auto leader = waitLeader();
  ASSERT_TRUE(leader.has_value());
  const int old = *leader;
  const int other = (old + 1) % kMembers;
  ASSERT_NO_FATAL_FAILURE(expectPutGet(old, old, "k"));
  members_[old].child->signal(SIGSTOP);
  // The other two elect a new leader; a put through them is acknowledged.
  auto kv = pb::KV::NewStub(members_[other].channel);
  pb::PutRequest put;
  put.set_key("k");
  put.set_value("written while the old leader was paused");
  pb::PutResponse putResp;
  grpc::Status st;
  const auto deadline = Clock::now() + kRecoveryTimeout;
  while (!(st = call(&pb::KV::Stub::Put, *kv, put, &putResp)).ok() && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(st.ok()) << st.error_message() << "\n" << log(other);
  members_[old].child->signal(SIGCONT);
  auto stale = pb::KV::NewStub(members_[old].channel);
  pb::RangeRequest get;
  get.set_key("k");
  pb::RangeResponse got;
  const auto readDeadline = Clock::now() + kRecoveryTimeout;
  while (!(st = call(&pb::KV::Stub::Range, *stale, get, &got)).ok() &&
         st.error_code() == grpc::StatusCode::UNAVAILABLE && Clock::now() < readDeadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(st.ok()) << st.error_message() << "\n" << log(old);
  ASSERT_EQ(got.kvs_size(), 1);
  EXPECT_EQ(got.kvs(0).value(), put.value()) << "stale read from the deposed leader";
  EXPECT_GE(got.header().revision(), putResp.header().revision());
  EXPECT_GE(got.kvs(0).mod_revision(), putResp.header().revision());
  expectConverged();
}

}  // namespace
}  // namespace detcd::server::daemon::testing

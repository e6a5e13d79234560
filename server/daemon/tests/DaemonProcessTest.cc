// The detcd process itself: exit statuses, JSON-lines logs, shutdown on SIGTERM, restart from its
// data directory, and refusal of a damaged WAL.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "server/daemon/tests/Servers.h"

namespace detcd::server::daemon::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DaemonProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("detcd-daemon-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string etcdctl(const std::string& endpoint, const std::string& args, int* status) {
    std::string out, err;
    *status = runShell("etcdctl " + args, dir_, {{"ETCDCTL_API", "3"},
                                                 {"ETCDCTL_ENDPOINTS", endpoint}},
                       20s, &out, &err);
    return out + err;
  }

  std::string dir_;
};

/// Every log line is one JSON object with level, ts, name and msg.
void expectJsonLines(const std::string& log, const std::string& name) {
  std::istringstream in(log);
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("level") && j.contains("ts") && j.contains("msg")) << line;
    EXPECT_EQ(j.value("name", ""), name) << line;
  }
  EXPECT_GT(n, 2);
}

TEST_F(DaemonProcessTest, ServesLogsJsonStopsOnSigtermAndRestartsFromItsData) {
  std::string endpoint;
  int ports[2] = {0, 0};
  {
    ServerProcess server(ServerKind::kDetcd, dir_, {});
    ASSERT_TRUE(server.waitHealthy(20s)) << server.log();
    endpoint = server.endpoint();
    ports[0] = server.clientPort();
    ports[1] = server.peerPort();
    int st = 0;
    EXPECT_EQ(etcdctl(endpoint, "put durable yes", &st), "OK\n");
    server.child().signal(SIGTERM);
    const auto exit = server.child().wait(10s);
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(*exit, 0);
    const std::string log = server.log();
    expectJsonLines(log, "s1");
    EXPECT_NE(log.find("ready to serve client requests"), std::string::npos);
    EXPECT_NE(log.find("received signal"), std::string::npos);
  }
  ServerProcess again(ServerKind::kDetcd, dir_, {}, ports[0], ports[1]);
  ASSERT_TRUE(again.waitHealthy(20s)) << again.log();
  int st = 0;
  EXPECT_EQ(etcdctl(again.endpoint(), "get durable --print-value-only", &st), "yes\n");
}

/// kill -9 during a write load, restart: every acknowledged write is there (each put is answered
/// only after its entry is fsynced in the WAL).
TEST_F(DaemonProcessTest, AcknowledgedWritesSurviveKillNine) {
  int ports[2] = {0, 0};
  {
    ServerProcess server(ServerKind::kDetcd, dir_, {});
    ASSERT_TRUE(server.waitHealthy(20s)) << server.log();
    ports[0] = server.clientPort();
    ports[1] = server.peerPort();
    Child load({"/bin/sh", "-c",
                "i=0; while true; do i=$((i+1)); etcdctl put k$i v$i >/dev/null 2>&1 && "
                "echo $i >> acked; done"},
               dir_, dir_ + "/load.out", dir_ + "/load.err",
               {{"ETCDCTL_API", "3"}, {"ETCDCTL_ENDPOINTS", server.endpoint()}});
    std::this_thread::sleep_for(3s);
    server.child().signal(SIGKILL);
    std::this_thread::sleep_for(500ms);
  }  // the load stops too
  std::vector<std::string> acked;
  {
    std::istringstream in(readFile(dir_ + "/acked"));
    for (std::string i; std::getline(in, i);) acked.push_back(i);
  }
  ASSERT_GT(acked.size(), 3u);
  ServerProcess again(ServerKind::kDetcd, dir_, {}, ports[0], ports[1]);
  ASSERT_TRUE(again.waitHealthy(20s)) << again.log();
  int st = 0;
  const std::string all = etcdctl(again.endpoint(), "get --prefix k", &st);
  for (const auto& i : acked) {
    EXPECT_NE(all.find("k" + i + "\nv" + i + "\n"), std::string::npos) << "lost k" << i;
  }
}

TEST_F(DaemonProcessTest, BadFlagExitsTwoNamingIt) {
  Child child({detcdBinary(), "--heartbeat-interval=often"}, dir_, dir_ + "/out", dir_ + "/err");
  const auto exit = child.wait(10s);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 2);
  EXPECT_NE(readFile(dir_ + "/err").find("--heartbeat-interval"), std::string::npos);
}

TEST_F(DaemonProcessTest, JoiningWithNoMemberAnsweringExitsOneSayingWhy) {
  const std::string client = "http://127.0.0.1:" + std::to_string(freePort());
  const std::string peer = "http://127.0.0.1:" + std::to_string(freePort());
  const std::string nobody = "http://127.0.0.1:" + std::to_string(freePort());
  Child joiner({detcdBinary(), "--name=s2", "--data-dir=" + dir_ + "/data",
                "--listen-client-urls=" + client, "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=s1=" + nobody + ",s2=" + peer,
                "--initial-cluster-state=existing"},
               dir_, dir_ + "/joiner.out", dir_ + "/joiner.log");
  const auto exit = joiner.wait(20s);
  const std::string log = readFile(dir_ + "/joiner.log");
  ASSERT_TRUE(exit.has_value()) << log;
  EXPECT_EQ(*exit, 1);
  EXPECT_NE(log.find("could not get the member list from any other member of --initial-cluster"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("cannot get the member list from " + nobody), std::string::npos) << log;
}

TEST_F(DaemonProcessTest, DamagedWalIsRefusedWithTheReason) {
  int ports[2] = {0, 0};
  {
    ServerProcess server(ServerKind::kDetcd, dir_, {});
    ASSERT_TRUE(server.waitHealthy(20s)) << server.log();
    ports[0] = server.clientPort();
    ports[1] = server.peerPort();
    int st = 0;
    for (int i = 0; i < 5; ++i) etcdctl(server.endpoint(), "put k" + std::to_string(i) + " v", &st);
  }  // SIGKILL
  // Flip a byte in the middle of the first WAL segment (not a torn tail: real corruption): the
  // data of the third record after the header (crc, metadata with the cluster token), which
  // later synced records follow; a byte of a record's padding would go unnoticed.
  fs::path wal;
  for (const auto& e : fs::directory_iterator(dir_ + "/data/member/wal")) {
    if (e.path().extension() == ".wal") wal = e.path();
  }
  ASSERT_FALSE(wal.empty());
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(184);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(184);
    f.write(&c, 1);
  }
  ServerProcess refused(ServerKind::kDetcd, dir_, {}, ports[0], ports[1]);
  const auto exit = refused.child().wait(20s);
  ASSERT_TRUE(exit.has_value()) << refused.log();
  EXPECT_EQ(*exit, 1);
  const std::string log = refused.log();
  EXPECT_NE(log.find("refusing to start"), std::string::npos) << log;
  EXPECT_NE(log.find(wal.filename().string()), std::string::npos) << log;  // names the file
}

}  // namespace
}  // namespace detcd::server::daemon::testing

// The same Node on the real seams (Asio clock, POSIX files): nothing in server/ depends on the
// simulator. One member in a temporary directory: elects itself, writes, restarts from disk.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>

#include <unistd.h>

#include "env/AsioClock.h"
#include "env/PosixDisk.h"
#include "server/Node.h"

namespace detcd::server {
namespace {

using namespace std::chrono_literals;

/// A member alone: it has no peers, so nothing is ever sent.
class NoPeers final : public env::Transport {
 public:
  env::NodeId self() const override { return 1; }
  void send(env::NodeId, std::string) override {}
  void setReceiver(Receiver) override {}
};

/// Runs the loop until `done` (false after 20 s, a bound for a loaded machine, not a speed check).
bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

TEST(NodeRealEnvTest, OneMemberWritesAndRestartsFromRealFiles) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("detcd-node-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  boost::asio::io_context io;
  env::AsioClock clock(io);
  env::PosixDisk disk;
  NoPeers transport;
  env::NullTracer tracer;
  env::NoBuggify buggify;
  env::Env e{clock, transport, disk, tracer, buggify, 7};
  NodeConfig cfg;
  cfg.id = 1;
  cfg.name = "n1";
  cfg.dataDir = (dir / "member").string();
  cfg.initialCluster = {{1, "n1", ""}};
  cfg.tick = 10ms;
  cfg.walSegmentBytes = 1 << 20;

  auto node = std::make_unique<Node>(e, cfg);
  ASSERT_FALSE(node->stopped()) << node->status().stopReason;
  ASSERT_TRUE(runUntil(io, [&] { return node->status().role == "leader"; }));
  bool put = false;
  etcdserverpb::PutRequest req;
  req.set_key("k");
  req.set_value("v");
  node->put(req, [&](const mvcc::Status& st, const etcdserverpb::PutResponse&) {
    EXPECT_TRUE(st.ok()) << st.message;
    put = true;
  });
  ASSERT_TRUE(runUntil(io, [&] { return put; }));
  const auto before = node->status();

  node.reset();  // a crash: nothing flushed, no callback
  node = std::make_unique<Node>(e, cfg);
  ASSERT_FALSE(node->stopped()) << node->status().stopReason;
  ASSERT_TRUE(runUntil(io, [&] { return node->status().role == "leader"; }));
  bool got = false;
  etcdserverpb::RangeRequest get;
  get.set_key("k");
  node->range(get, [&](const mvcc::Status& st, const etcdserverpb::RangeResponse& r) {
    ASSERT_TRUE(st.ok()) << st.message;
    ASSERT_EQ(r.kvs_size(), 1);
    EXPECT_EQ(r.kvs(0).value(), "v");
    got = true;
  });
  ASSERT_TRUE(runUntil(io, [&] { return got; }));
  EXPECT_EQ(node->status().hashKv, before.hashKv);
  node.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace detcd::server

#pragma once
// One simulated machine: a node's clock, disk, network endpoint and process lifecycle.

#include <functional>
#include <memory>
#include <string>

#include "env/Env.h"
#include "sim/Buggify.h"
#include "sim/Network.h"
#include "sim/NodeLoop.h"
#include "sim/SimClock.h"
#include "sim/SimDisk.h"
#include "sim/Trace.h"

namespace detcd::sim {

/// The program a simulated node runs. It is constructed with the node's Env when the node starts
/// (and again at each restart, reading back whatever its disk kept), reacts to timers and messages
/// through the Env's callbacks, and is destroyed abruptly at a crash: its memory is gone, and it
/// must not rely on its destructor having flushed anything.
class Process {
 public:
  virtual ~Process() = default;
};

using ProcessFactory = std::function<std::unique_ptr<Process>(env::Env& env)>;

/// Per-machine settings.
struct HostOptions {
  env::Nanos clockOffset{0};  ///< local clock reading at virtual time 0
  double clockDriftPpm = 0.0;
  DiskFaults disk;
  CrashMode crashMode = CrashMode::kRandom;
};

/// What a Host shares with the rest of the simulation.
struct HostContext {
  Scheduler& scheduler;
  Network& network;
  Trace& trace;
  SeededBuggify& buggify;
  const SeedTree& seeds;
};

/// A simulated machine running one node.
///
/// Lifecycle (each transition traced): down --start--> running --pause--> paused --resume-->
/// running; running or paused --crash--> down --restart--> running. The clock and the disk are
/// the machine's and outlive crashes; the process and its timers do not. Messages arriving while
/// down are dropped; while paused, held until resume (they arrive late).
class Host {
 public:
  Host(HostContext context, env::NodeId id, ProcessFactory factory, const HostOptions& options);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  env::NodeId id() const { return id_; }
  NodeState state() const { return loop_.state(); }
  /// Starts counting at 1; each crash adds one.
  std::uint64_t incarnation() const { return loop_.incarnation(); }

  /// Boots the process (down -> running). The process's constructor runs as a handler.
  void start();
  /// Power loss (running or paused -> down): the disk applies its crash semantics, every timer
  /// and held event is dropped, and the process is destroyed. Returns the disk's crash mode.
  CrashMode crash();
  /// start() after a crash, reading back from the disk.
  void restart() { start(); }
  void pause();
  void resume();

  /// Hands a message from the network to the node (called at its due time).
  void deliver(env::NodeId from, std::string payload);

  SimClock& clock() { return clock_; }
  SimDisk& disk() { return disk_; }
  NodeLoop& loop() { return loop_; }
  /// The running process, or nullptr when down.
  Process* process() { return process_.get(); }

 private:
  class Endpoint;  // env::Transport
  class Tracer;    // env::Tracer
  class Buggify;   // env::Buggify

  void receive(std::uint64_t incarnation, env::NodeId from, std::string payload);

  HostContext ctx_;
  env::NodeId id_;
  ProcessFactory factory_;
  NodeLoop loop_;
  SimClock clock_;
  SimDisk disk_;
  std::unique_ptr<Endpoint> endpoint_;
  std::unique_ptr<Tracer> tracer_;
  std::unique_ptr<Buggify> buggify_;
  std::unique_ptr<env::Env> env_;
  std::unique_ptr<Process> process_;
};

}  // namespace detcd::sim

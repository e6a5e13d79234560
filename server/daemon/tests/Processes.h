#pragma once
// Test helpers: real processes on loopback (detcd, etcd, etcdctl), killed at the end even when a
// test fails.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace detcd::server::daemon::testing {

/// A loopback TCP port that was free a moment ago (bound to port 0, then closed).
int freePort();

/// Waits until something accepts connections on 127.0.0.1:`port`; false after `timeout`.
bool waitForPort(int port, std::chrono::milliseconds timeout);

/// A child process in its own process group, with stdout and stderr redirected to files. The
/// destructor kills the whole group (SIGKILL) and reaps it; the child also dies with the test
/// process (PR_SET_PDEATHSIG), so nothing outlives a crashed or timed-out test.
class Child {
 public:
  /// Starts `argv` in `cwd` with `env` added to the environment.
  Child(const std::vector<std::string>& argv, const std::string& cwd, const std::string& outFile,
        const std::string& errFile, const std::map<std::string, std::string>& env = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Sends `sig` to the process group.
  void signal(int sig);
  /// Waits for the child to exit: its exit status (128 + signal when killed), or nullopt after
  /// `timeout` (the child keeps running).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// Runs `command` with /bin/sh -c in `cwd` (env added); kills it after `timeout`. Returns the
/// exit status (124 on timeout, as timeout(1)) and fills stdout and stderr.
int runShell(const std::string& command, const std::string& cwd,
             const std::map<std::string, std::string>& env, std::chrono::milliseconds timeout,
             std::string* out, std::string* err);

/// The whole content of a file ("" when missing).
std::string readFile(const std::string& path);

}  // namespace detcd::server::daemon::testing

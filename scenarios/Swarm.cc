#include "scenarios/Swarm.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "scenarios/Run.h"
#include "scenarios/ScenarioDraw.h"
#include "scenarios/ScenarioFile.h"

namespace detcd::scenarios {

namespace {

/// The checks are joined by ", ": the line carries them with '+' for ' ' (decode() undoes it).
std::string encode(const SeedOutcome& o) {
  std::string checks = o.failedChecks.empty() ? "-" : o.failedChecks;
  std::replace(checks.begin(), checks.end(), ' ', '+');
  std::string error = o.error;
  std::replace(error.begin(), error.end(), '\n', ' ');
  return fmt::format("{} {} {} {}\t{}\n", o.seed, o.passed ? 1 : 0, o.traceHash, checks, error);
}

SeedOutcome decode(const std::string& line) {
  SeedOutcome o;
  std::istringstream in(line.substr(0, line.find('\t')));
  int passed = 0;
  std::string failed;
  in >> o.seed >> passed >> o.traceHash >> failed;
  o.passed = passed != 0;
  o.failedChecks = failed == "-" ? "" : failed;
  for (char& ch : o.failedChecks) {
    if (ch == '+') ch = ' ';
  }
  const auto tab = line.find('\t');
  if (tab != std::string::npos) o.error = line.substr(tab + 1);
  return o;
}

class Progress {
 public:
  Progress(std::ostream& err, bool enabled, std::size_t total)
      : err_(err), enabled_(enabled), total_(total) {}
  void update(std::size_t done, std::size_t failed) {
    if (!enabled_) return;
    constexpr std::size_t kWidth = 40;
    const std::size_t filled = total_ == 0 ? kWidth : done * kWidth / total_;
    err_ << '\r' << '[' << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
         << fmt::format("{}/{} seeds, {} failed", done, total_, failed) << std::flush;
  }
  void finish() {
    if (enabled_) err_ << '\n';
  }

 private:
  std::ostream& err_;
  bool enabled_;
  std::size_t total_;
};

void validate(const SwarmOptions& o) {
  if (o.lastSeed < o.firstSeed) {
    throw std::invalid_argument(
        fmt::format("--seeds {}..{}: the range is empty", o.firstSeed, o.lastSeed));
  }
  if (o.shardCount < 1 || o.shardIndex < 1 || o.shardIndex > o.shardCount) {
    throw std::invalid_argument(
        fmt::format("--shard {}/{}: K must be between 1 and N", o.shardIndex, o.shardCount));
  }
  if (o.jobs < 1) throw std::invalid_argument(fmt::format("--jobs {}: at least 1", o.jobs));
  if (o.duration.count() <= 0) throw std::invalid_argument("--duration must be positive");
  if (!o.bug.empty() && !server::parseBug(o.bug)) {
    std::string names;
    for (auto n : server::bugNames()) names += fmt::format("{}{}", names.empty() ? "" : ", ", n);
    throw std::invalid_argument(fmt::format("--bug {}: unknown; known: {}", o.bug, names));
  }
}

/// Runs `seeds` in `jobs` forked workers, calling `onOutcome` for each result as it arrives.
void runForked(const std::vector<std::uint64_t>& seeds, const SwarmOptions& options,
               const std::function<void(const SeedOutcome&)>& onOutcome) {
  struct Worker {
    pid_t pid;
    int fd;
    std::string buffer;
  };
  std::vector<Worker> workers;
  const auto jobs = static_cast<std::size_t>(options.jobs);
  for (std::size_t j = 0; j < jobs && j < seeds.size(); ++j) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      close(fds[0]);
      for (std::size_t i = j; i < seeds.size(); i += jobs) {
        const std::string line = encode(runSeed(seeds[i], options));
        std::size_t off = 0;
        while (off < line.size()) {
          const ssize_t n = write(fds[1], line.data() + off, line.size() - off);
          if (n <= 0) _exit(3);
          off += static_cast<std::size_t>(n);
        }
      }
      close(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    workers.push_back({pid, fds[0], {}});
  }
  std::size_t open = workers.size();
  while (open > 0) {
    std::vector<pollfd> polls;
    for (const Worker& w : workers) {
      if (w.fd >= 0) polls.push_back({w.fd, POLLIN, 0});
    }
    if (poll(polls.data(), polls.size(), -1) < 0) throw std::runtime_error("poll failed");
    for (Worker& w : workers) {
      if (w.fd < 0) continue;
      const auto it = std::find_if(polls.begin(), polls.end(),
                                   [&](const pollfd& p) { return p.fd == w.fd; });
      if (it == polls.end() || it->revents == 0) continue;
      char chunk[4096];
      const ssize_t n = read(w.fd, chunk, sizeof chunk);
      if (n > 0) {
        w.buffer.append(chunk, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = w.buffer.find('\n')) != std::string::npos) {
          onOutcome(decode(w.buffer.substr(0, nl)));
          w.buffer.erase(0, nl + 1);
        }
      } else {
        close(w.fd);
        w.fd = -1;
        --open;
      }
    }
  }
  for (const Worker& w : workers) {
    int status = 0;
    waitpid(w.pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error(fmt::format("swarm worker {} died (status {})", w.pid, status));
    }
  }
}

}  // namespace

std::vector<std::uint64_t> shardSeeds(const SwarmOptions& options) {
  std::vector<std::uint64_t> seeds;
  const auto count = static_cast<std::uint64_t>(options.shardCount);
  const auto index = static_cast<std::uint64_t>(options.shardIndex - 1);
  for (std::uint64_t s = options.firstSeed;; ++s) {
    if ((s - options.firstSeed) % count == index) seeds.push_back(s);
    if (s == options.lastSeed) break;
  }
  return seeds;
}

std::string replayCommand(std::uint64_t seed, const SwarmOptions& options) {
  std::string cmd = fmt::format("detcd-sim swarm --seeds {}..{} --duration {}", seed, seed,
                                formatDuration(options.duration));
  if (!options.bug.empty()) cmd += " --bug " + options.bug;
  return cmd;
}

SeedOutcome runSeed(std::uint64_t seed, const SwarmOptions& options) {
  SeedOutcome outcome;
  outcome.seed = seed;
  try {
    const Scenario scenario = drawScenario(seed, options.duration);
    RunOptions run;
    run.seed = seed;
    if (!options.bug.empty()) run.bugs = *server::parseBug(options.bug);
    const RunResult result = runScenario(scenario, run);
    outcome.passed = result.passed;
    outcome.failedChecks = result.failedChecks();
    outcome.traceHash = result.traceHash;
    if (!outcome.passed && !options.saveDir.empty()) {
      std::filesystem::create_directories(options.saveDir);
      const auto path = std::filesystem::path(options.saveDir) / (scenario.name + ".yaml");
      std::ofstream(path) << writeScenario(scenario);
    }
  } catch (const std::exception& e) {
    outcome.passed = false;
    outcome.error = e.what();
  }
  return outcome;
}

int runSwarm(const SwarmOptions& options, std::ostream& out, std::ostream& err) {
  validate(options);
  const std::vector<std::uint64_t> seeds = shardSeeds(options);
  const auto start = std::chrono::steady_clock::now();  // wall time: only for the summary
  Progress progress(err, options.progress, seeds.size());
  std::map<std::uint64_t, SeedOutcome> failures;
  std::size_t done = 0;
  auto onOutcome = [&](const SeedOutcome& o) {
    ++done;
    if (!o.passed) {
      failures[o.seed] = o;
      progress.finish();
      out << fmt::format("seed {}: FAIL ({}){}\n  replay: {}\n", o.seed,
                         o.error.empty() ? o.failedChecks : "error",
                         o.error.empty() ? "" : ": " + o.error, replayCommand(o.seed, options));
      if (!options.saveDir.empty()) {
        out << fmt::format("  scenario: {}/swarm-{}.yaml\n", options.saveDir, o.seed);
      }
    }
    progress.update(done, failures.size());
  };
  if (options.jobs == 1) {
    for (std::uint64_t s : seeds) onOutcome(runSeed(s, options));
  } else {
    runForked(seeds, options, onOutcome);
  }
  progress.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << fmt::format("swarm: {} seeds ({}..{}, shard {}/{}{}), {} passed, {} failed, {:.1f} s "
                     "({:.0f} seeds/min)\n",
                     seeds.size(), options.firstSeed, options.lastSeed, options.shardIndex,
                     options.shardCount, options.bug.empty() ? "" : ", bug " + options.bug,
                     seeds.size() - failures.size(), failures.size(), seconds,
                     seconds > 0 ? static_cast<double>(seeds.size()) * 60.0 / seconds : 0.0);
  return failures.empty() ? 0 : 1;
}

}  // namespace detcd::scenarios

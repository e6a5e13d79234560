// detcd-difftest: sends one seeded sequence of KV, Txn, compaction, lease and watch ops to two
// fresh etcd-compatible servers and compares their answers (docs/interop.md). Exit 0 when all
// agree, 1 at the first difference (printed with the command that replays it), 2 on bad usage
// or a server that never became ready.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "interop/OpGenerator.h"
#include "interop/ResultComparator.h"
#include "interop/ServerSession.h"

namespace {

using detcd::interop::Op;
using detcd::interop::Result;

struct Options {
  uint64_t seed = 1;
  int ops = 1000;
  std::string a;
  std::string b;
  int perturb = -1;
  int readyTimeoutSeconds = 30;
  bool verbose = false;
  std::string replayPrefix;
};

// The op's kind for the summary: the oneof's field name, "/error" when the reference failed.
std::string kindOf(const Op& op, const Result& result) {
  const auto* field = op.GetDescriptor()->FindFieldByNumber(op.op_case());
  std::string kind = field == nullptr ? "none" : field->name();
  return result.code() == 0 ? kind : kind + "/error";
}

int run(const Options& options) {
  detcd::interop::ServerSession a(options.a);
  detcd::interop::ServerSession b(options.b);
  std::chrono::milliseconds ready = std::chrono::seconds(options.readyTimeoutSeconds);
  for (auto* session : {&a, &b}) {
    if (!session->waitReady(ready)) {
      std::cerr << fmt::format("difftest: server {} not ready after {} s\n",
                               session == &a ? options.a : options.b, options.readyTimeoutSeconds);
      return 2;
    }
  }
  detcd::interop::OpGenerator generator(options.seed);
  std::map<std::string, int> kinds;
  int64_t events = 0;
  int index = 0;
  auto step = [&](const Op& op) {
    Result ra = a.execute(op);
    Result rb = b.execute(op);
    generator.observe(op, ra);
    detcd::interop::normalise(op, ra);
    detcd::interop::normalise(op, rb);
    if (index == options.perturb) detcd::interop::perturb(rb);
    if (options.verbose) {
      std::cout << fmt::format("op {}: {}=> {}", index, detcd::interop::toText(op),
                               detcd::interop::toText(ra));
    }
    std::string diff = detcd::interop::difference(ra, rb);
    if (!diff.empty()) {
      std::string prefix = options.replayPrefix.empty()
                               ? fmt::format("detcd-difftest --a {} --b {}", options.a, options.b)
                               : options.replayPrefix;
      std::cout << fmt::format(
          "difftest: DIFFERENCE at op {} (seed {})\n--- op\n{}--- A {}\n{}--- B {}\n{}"
          "--- differences (A first)\n{}"
          "--- replay against fresh servers:\n{} --seed {} --ops {}{}\n",
          index, options.seed, detcd::interop::toText(op), options.a, detcd::interop::toText(ra),
          options.b, detcd::interop::toText(rb), diff, prefix, options.seed, index + 1,
          options.perturb >= 0 ? fmt::format(" --perturb {}", options.perturb) : "");
      return false;
    }
    ++kinds[kindOf(op, ra)];
    if (ra.has_watch()) events += ra.watch().events_size();
    ++index;
    return true;
  };
  while (index < options.ops) {
    if (!step(generator.next())) return 1;
  }
  generator.finish();
  while (generator.hasPending()) {
    if (!step(generator.next())) return 1;
  }
  std::cout << fmt::format("difftest: seed {}: {} ops agreed ({} generated + closing watch ops); "
                           "{} watch events compared; final revision {}\n",
                           options.seed, index, options.ops, events, generator.revision());
  for (const auto& [kind, count] : kinds) std::cout << fmt::format("  {:<28} {}\n", kind, count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Differential test of two etcd v3 gRPC servers (docs/interop.md)"};
  Options options;
  app.add_option("--seed", options.seed, "Seed of the op sequence")->required();
  app.add_option("--ops", options.ops, "Number of generated ops (closing watch ops come after)")
      ->check(CLI::PositiveNumber);
  app.add_option("--a", options.a, "Reference server, HOST:PORT (its answers steer the generator)")
      ->required();
  app.add_option("--b", options.b, "Server under test, HOST:PORT")->required();
  app.add_option("--perturb", options.perturb,
                 "Debug: alter B's answer to op K, to show that the comparison catches it");
  app.add_option("--ready-timeout", options.readyTimeoutSeconds,
                 "Seconds to wait for each server to answer a Range");
  app.add_flag("--verbose", options.verbose, "Print every op and the reference's answer");
  app.add_option("--replay-prefix", options.replayPrefix,
                 "Command printed before --seed/--ops in the replay line (set by scripts)");
  CLI11_PARSE(app, argc, argv);
  return run(options);
}

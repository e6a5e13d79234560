// A RapidCheck property: random sequences of append, suffix overwrite, HardState, sync, cut,
// crash (in a random mode) and reopen, on the simulated disk, against a model of the log.
// A failure prints RapidCheck's counterexample (the ops and the disk seed) and the
// RC_PARAMS="reproduce=..." that replays it (docs/simulation.md, "Replaying").
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "wal/Wal.h"
#include "wal/tests/WalTestSupport.h"

namespace detcd::wal {
namespace {

using testing::LogModel;
using testing::LogState;
using testing::makeEntries;
using testing::SimHarness;

struct Op {
  enum class Kind { kAppend, kOverwrite, kHardState, kSync, kCut, kCrash } kind;
  int count = 1;    // entries (append, overwrite)
  int back = 0;     // overwrite: how far below the last index + 1 the new suffix starts
  int bytes = 0;    // entry size
  int mode = 0;     // crash: 0 lost, 1 kept, 2 torn
};

void showValue(const Op& op, std::ostream& os) {
  static constexpr const char* kNames[] = {"append", "overwrite", "hardstate", "sync", "cut",
                                           "crash"};
  os << kNames[static_cast<int>(op.kind)] << "(count=" << op.count << " back=" << op.back
     << " bytes=" << op.bytes << " mode=" << op.mode << ")";
}

rc::Gen<Op> genOp() {
  return rc::gen::apply(
      [](int kind, int count, int back, int bytes, int mode) {
        return Op{static_cast<Op::Kind>(kind), count, back, bytes, mode};
      },
      rc::gen::weightedElement<int>({{6, 0}, {2, 1}, {2, 2}, {5, 3}, {1, 4}, {2, 5}}),
      rc::gen::inRange(1, 6), rc::gen::inRange(0, 6), rc::gen::inRange(0, 300),
      rc::gen::inRange(0, 3));
}

RC_GTEST_PROP(WalPropertyTest, RecoversAStateBetweenTheLastSyncAndTheLastAppend, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>().as("disk seed");
  const auto ops = *rc::gen::container<std::vector<Op>>(genOp()).as("ops");
  SimHarness h(seed);
  RC_ASSERT(!h.disk.mkdir("n"));
  RC_ASSERT(!h.disk.syncDir(""));
  Wal::Options options;
  options.segmentBytes = 2048;
  auto created = Wal::create(h.disk, "n/wal", "m", options);
  RC_ASSERT(created.ok());
  std::unique_ptr<Wal> wal = std::move(*created);

  LogModel model;
  std::uint64_t term = 1;
  const auto crashAndReopen = [&](sim::CrashMode mode) {
    wal.reset();
    h.disk.setCrashMode(mode);
    h.crash();
    auto opened = Wal::open(h.disk, "n/wal", {}, options);
    if (!opened) RC_FAIL("open failed: " + opened.error().message());
    const LogState recovered{opened->recovered.entries, opened->recovered.hardState};
    const bool known = std::find(model.candidates.begin(), model.candidates.end(), recovered) !=
                       model.candidates.end();
    if (!known) {
      RC_FAIL(fmt::format("recovered {} entries, commit {}: not a state between the "
                                        "last sync ({} entries) and the last append ({})",
                                        recovered.log.size(), recovered.hardState.commit,
                                        model.candidates.front().log.size(),
                                        model.current.log.size()));
    }
    model.current = recovered;
    model.acknowledge();
    wal = std::move(opened->wal);
    RC_ASSERT(wal->lastIndex() == model.current.log.size());
  };

  for (const Op& op : ops) {
    const std::uint64_t last = model.current.log.size();
    switch (op.kind) {
      case Op::Kind::kAppend: {
        const auto entries = makeEntries(last + 1, op.count, term, op.bytes);
        RC_ASSERT(!wal->append(entries));
        model.appendEntries(entries);
        break;
      }
      case Op::Kind::kOverwrite: {
        ++term;
        const std::uint64_t back = std::min<std::uint64_t>(last, op.back);
        const std::uint64_t from = std::max<std::uint64_t>(1, last + 1 - back);
        const auto entries = makeEntries(from, op.count, term, op.bytes);
        RC_ASSERT(!wal->append(entries));
        model.appendEntries(entries);
        break;
      }
      case Op::Kind::kHardState: {
        const HardState hs{term, static_cast<std::uint64_t>(op.count), last};
        RC_ASSERT(!wal->saveHardState(hs));
        model.appendHardState(hs);
        break;
      }
      case Op::Kind::kSync:
        RC_ASSERT(!wal->sync());
        model.acknowledge();
        break;
      case Op::Kind::kCut:
        RC_ASSERT(!wal->cut());
        model.acknowledge();
        break;
      case Op::Kind::kCrash:
        crashAndReopen(static_cast<sim::CrashMode>(op.mode + 1));
        break;
    }
  }
  crashAndReopen(sim::CrashMode::kTorn);
}

}  // namespace
}  // namespace detcd::wal

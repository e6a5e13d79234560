#pragma once
// The disk's fdatasync latency, the floor under a single client's put latency
// (docs/performance-server.md): each put is durable on a quorum before it is answered.

#include <string>

#include "bench/loadgen/LatencyStats.h"

namespace detcd::loadgen {

/// Writes `count` blocks of `blockBytes` one after the other into a file preallocated (written
/// and fsynced) in directory `dir`, as the WAL appends into a preallocated segment, with one
/// fdatasync after each write; returns the summary of the write + fdatasync latencies (ms).
/// The file is removed at the end. Throws std::runtime_error naming the file and errno's text
/// when a call fails.
///
/// With `keepCpusBusy`, one thread per CPU spins during the measurement. On this project's VM
/// an fdatasync that completes while the vCPUs idle takes ~4 ms (the idle wake-up, not the
/// disk) against ~0.15 ms while they are busy, and a loaded server's fsyncs see the busy figure
/// (docs/performance-server.md), so both are worth reporting.
Summary probeFdatasync(const std::string& dir, int count, int blockBytes, bool keepCpusBusy);

}  // namespace detcd::loadgen

#pragma once
// The record of a simulated run: every event as one JSON line, and a running hash of them all.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string_view>
#include <utility>

#include "env/Time.h"
#include "env/Tracer.h"
#include "env/Transport.h"

namespace detcd::sim {

/// Records events of a run. Each event is {t: virtual ns, node: id (0 = the simulator itself),
/// kind, fields...}. The running 64-bit hash (XXH3) covers a canonical binary encoding of every
/// event — time, node, kind, and each field's key, type and value, in order — so it is the same
/// whether or not JSON lines are being written, and two runs have equal hashes exactly when they
/// recorded the same events (up to hash collisions). The same seed and binary give the same hash.
class Trace {
 public:
  Trace();
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  /// Appends one event.
  void record(env::Nanos time, env::NodeId node, std::string_view kind,
              std::initializer_list<env::TraceField> fields = {});

  /// Also writes each later event to `out` as one JSON line (nullptr stops writing). The stream
  /// must outlive the Trace or be detached first.
  void writeTo(std::ostream* out) { out_ = out; }

  /// Receives every later event as it is recorded (the fields' strings live only for the call).
  /// Run-time checks (Raft safety, lease expiry) watch the run this way without keeping the
  /// whole trace in memory. One observer; an empty function detaches it.
  using Observer = std::function<void(env::Nanos time, env::NodeId node, std::string_view kind,
                                      std::initializer_list<env::TraceField> fields)>;
  void setObserver(Observer observer) { observer_ = std::move(observer); }

  /// The running hash of every event recorded so far.
  std::uint64_t hash() const;

  /// Events recorded so far.
  std::uint64_t events() const { return events_; }

 private:
  struct HashState;
  std::unique_ptr<HashState> state_;
  std::ostream* out_ = nullptr;
  Observer observer_;
  std::uint64_t events_ = 0;
};

/// The hash as printed at the end of every run: 16 lowercase hex digits.
std::string formatHash(std::uint64_t hash);

}  // namespace detcd::sim

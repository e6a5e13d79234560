#pragma once
// The trace seam: components report notable events (role changes, persists, applies, faults).

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

namespace detcd::env {

/// One named value of a trace event. Strings are copied when the event is recorded.
struct TraceField {
  std::string_view key;
  std::variant<std::int64_t, std::uint64_t, bool, std::string_view> value;

  TraceField(std::string_view k, std::int64_t v) : key(k), value(v) {}
  TraceField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  TraceField(std::string_view k, std::uint64_t v) : key(k), value(v) {}
  TraceField(std::string_view k, unsigned v) : key(k), value(std::uint64_t{v}) {}
  TraceField(std::string_view k, bool v) : key(k), value(v) {}
  TraceField(std::string_view k, std::string_view v) : key(k), value(v) {}
  TraceField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
};

/// Receives a node's notable events. Under the simulator every event goes into the run's trace
/// (stamped with virtual time and the node id) and into its hash; the real binary logs them.
/// `kind` is a short lowercase word or dash-separated phrase ("become-leader", "fsync").
class Tracer {
 public:
  virtual ~Tracer() = default;
  virtual void event(std::string_view kind, std::initializer_list<TraceField> fields) = 0;
};

/// Discards every event.
class NullTracer final : public Tracer {
 public:
  void event(std::string_view, std::initializer_list<TraceField>) override {}
};

}  // namespace detcd::env

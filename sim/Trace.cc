#include "sim/Trace.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace detcd::sim {

struct Trace::HashState {
  XXH3_state_t* xxh = XXH3_createState();
  HashState() { XXH3_64bits_reset(xxh); }
  ~HashState() { XXH3_freeState(xxh); }
  HashState(const HashState&) = delete;
  HashState& operator=(const HashState&) = delete;

  /// One event's bytes are gathered here and hashed with one update: the same bytes (so the
  /// same hash) as one update per field, at a fraction of the calls.
  std::string pending;

  void add(const void* data, std::size_t size) {
    pending.append(static_cast<const char*>(data), size);
  }
  void flush() {
    XXH3_64bits_update(xxh, pending.data(), pending.size());
    pending.clear();
  }
  void addU64(std::uint64_t v) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(v >> (8 * i));
    add(bytes, 8);
  }
  void addString(std::string_view s) {
    addU64(s.size());
    add(s.data(), s.size());
  }
};

Trace::Trace() : state_(std::make_unique<HashState>()) {}
Trace::~Trace() = default;

void Trace::record(env::Nanos time, env::NodeId node, std::string_view kind,
                   std::initializer_list<env::TraceField> fields) {
  ++events_;
  HashState& h = *state_;
  h.addU64(static_cast<std::uint64_t>(time.count()));
  h.addU64(node);
  h.addString(kind);
  h.addU64(fields.size());
  for (const auto& field : fields) {
    h.addString(field.key);
    h.addU64(field.value.index());
    std::visit(
        [&h](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string_view>) {
            h.addString(v);
          } else {
            h.addU64(static_cast<std::uint64_t>(v));
          }
        },
        field.value);
  }
  h.flush();
  if (observer_) observer_(time, node, kind, fields);
  if (out_ == nullptr) return;
  nlohmann::ordered_json line;
  line["t"] = time.count();
  line["node"] = node;
  line["kind"] = kind;
  for (const auto& field : fields) {
    std::visit([&](const auto& v) { line[std::string(field.key)] = v; }, field.value);
  }
  *out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::uint64_t Trace::hash() const { return XXH3_64bits_digest(state_->xxh); }

std::string formatHash(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

}  // namespace detcd::sim

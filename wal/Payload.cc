#include "wal/Payload.h"

#include "proto/walpb.pb.h"

namespace detcd::wal {
namespace {

template <class Message>
std::optional<Message> parse(std::string_view data) {
  Message m;
  if (!m.ParseFromArray(data.data(), static_cast<int>(data.size()))) return std::nullopt;
  return m;
}

}  // namespace

std::string encodeEntry(const Entry& entry) {
  walpb::Entry m;
  m.set_index(entry.index);
  m.set_term(entry.term);
  m.set_type(entry.type);
  m.set_data(entry.data);
  return m.SerializeAsString();
}

std::string encodeHardState(const HardState& state) {
  walpb::HardState m;
  m.set_term(state.term);
  m.set_vote(state.vote);
  m.set_commit(state.commit);
  return m.SerializeAsString();
}

std::string encodeSnapshotMarker(const SnapshotMarker& marker) {
  walpb::SnapshotMarker m;
  m.set_index(marker.index);
  m.set_term(marker.term);
  return m.SerializeAsString();
}

std::optional<Entry> decodeEntry(std::string_view data) {
  const auto m = parse<walpb::Entry>(data);
  if (!m) return std::nullopt;
  return Entry{m->index(), m->term(), m->type(), m->data()};
}

std::optional<HardState> decodeHardState(std::string_view data) {
  const auto m = parse<walpb::HardState>(data);
  if (!m) return std::nullopt;
  return HardState{m->term(), m->vote(), m->commit()};
}

std::optional<SnapshotMarker> decodeSnapshotMarker(std::string_view data) {
  const auto m = parse<walpb::SnapshotMarker>(data);
  if (!m) return std::nullopt;
  return SnapshotMarker{m->index(), m->term()};
}

}  // namespace detcd::wal

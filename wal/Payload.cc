#include "wal/Payload.h"

#include <cassert>

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
  EntryEncoder encoder;
  std::string out(encoder.load(entry), '\0');
  encoder.write(out);
  return out;
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

EntryEncoder::EntryEncoder() : message_(std::make_unique<walpb::Entry>()) {}

EntryEncoder::~EntryEncoder() = default;

std::size_t EntryEncoder::load(const Entry& entry) {
  message_->set_index(entry.index);
  message_->set_term(entry.term);
  message_->set_type(entry.type);
  message_->set_data(entry.data);  // reuses the capacity of the previous entry's data
  return message_->ByteSizeLong();  // also caches the sizes write() relies on
}

void EntryEncoder::write(std::span<char> out) const {
  assert(out.size() == static_cast<std::size_t>(message_->GetCachedSize()));
  auto* to = reinterpret_cast<std::uint8_t*>(out.data());
  [[maybe_unused]] const std::uint8_t* end = message_->SerializeWithCachedSizesToArray(to);
  assert(end == to + out.size());
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

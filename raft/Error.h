#pragma once
// Error codes of the Raft library (etcd raft's sentinel errors).

#include <cstdint>
#include <string_view>

namespace detcd::raft {

// What went wrong in a Raft or Storage call. None means success.
enum class Error : std::uint8_t {
  None,
  // A proposal was not accepted: no leader is known, forwarding is disabled, a leadership
  // transfer is in progress, this node was removed, or the uncommitted log is too large
  // (Config::maxUncommittedEntriesSize). The caller may retry later.
  ProposalDropped,
  // Storage: the requested index is older than the first retained entry (compacted away).
  Compacted,
  // Storage: the requested index is newer than the last entry.
  Unavailable,
  // Storage: a snapshot older than the current one was offered.
  SnapOutOfDate,
  // Storage: a snapshot is being prepared; the leader retries later.
  SnapshotTemporarilyUnavailable,
  // RawNode::step was given a local message type (MsgHup, MsgBeat, ...).
  StepLocalMsg,
  // RawNode::step was given a response from a peer that is not in the configuration.
  StepPeerNotFound,
};

// Stable lower-case name for logs and script output, e.g. "proposal dropped".
std::string_view errorName(Error e);

// A value or an error; value is meaningful only when error == Error::None.
template <class T>
struct Result {
  T value{};
  Error error = Error::None;
  bool ok() const { return error == Error::None; }
};

}  // namespace detcd::raft

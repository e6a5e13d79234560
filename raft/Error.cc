#include "raft/Error.h"

namespace detcd::raft {

std::string_view errorName(Error e) {
  switch (e) {
    case Error::None:
      return "ok";
    case Error::ProposalDropped:
      return "raft proposal dropped";
    case Error::Compacted:
      return "requested index is unavailable due to compaction";
    case Error::Unavailable:
      return "requested entry at index is unavailable";
    case Error::SnapOutOfDate:
      return "requested index is older than the existing snapshot";
    case Error::SnapshotTemporarilyUnavailable:
      return "snapshot is temporarily unavailable";
    case Error::StepLocalMsg:
      return "raft: cannot step raft local message";
    case Error::StepPeerNotFound:
      return "raft: cannot step as peer not found";
  }
  return "unknown error";
}

}  // namespace detcd::raft

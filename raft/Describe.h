#pragma once
// One-line text renderings of Raft types for logs, traces and script tests. Formats are
// stable: script tests under raft/testdata compare them verbatim.

#include <string>
#include <vector>

#include "proto/raftpb.pb.h"
#include "raft/RawNode.h"

namespace detcd::raft {

// "1/3 EntryNormal \"data\"" (term/index type data); conf changes are decoded,
// e.g. "1/4 EntryConfChangeV2 v2 l3".
std::string describeEntry(const raftpb::Entry& e);
std::string describeEntries(const std::vector<raftpb::Entry>& ents);  // "[e1, e2]"
// "1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[...]"; zero fields are omitted.
std::string describeMessage(const raftpb::Message& m);
std::string describeHardState(const raftpb::HardState& hs);  // "HardState Term:1 Vote:1 Commit:3"
std::string describeConfState(const raftpb::ConfState& cs);  // "Voters:[1 2] Learners:[3] ..."
std::string describeConfChange(const raftpb::ConfChangeV2& cc);  // "v2 r3" (+ transition)
std::string describeSnapshot(const raftpb::Snapshot& s);         // "Index:5 Term:2 ConfState:..."

}  // namespace detcd::raft

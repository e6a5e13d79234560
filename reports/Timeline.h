#pragma once
// The timeline diagram of a run as Graphviz DOT: one lane per member (and one for the
// simulator's faults, node 0), virtual time flowing down, role and term changes, commit index
// advances, crashes, restarts, snapshots and faults as marks on the lanes, and Raft messages as
// arrows from the sender's lane at the send time to the receiver's at the time it stepped them.
// Heartbeats appear only when the run traced them (server::NodeConfig::traceHeartbeats,
// `detcd-sim run --report-heartbeats`); they fold like other routine traffic.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "reports/RunModel.h"

namespace detcd::reports {

/// What the timeline shows. Defaults: the whole run, every member, every traced message kind.
struct TimelineOptions {
  std::int64_t from = 0;  ///< ns, inclusive
  std::int64_t to = std::numeric_limits<std::int64_t>::max();  ///< ns, inclusive
  std::vector<std::uint64_t> nodes;  ///< members shown (empty = all); faults are always shown
  /// Message types shown ("MsgVote", "MsgApp", ...; empty = all); {"none"} hides every arrow.
  std::vector<std::string> kinds;
  bool commits = true;            ///< mark commit index advances
  /// Fold routine traffic between notable marks (role and term changes, faults, crashes,
  /// starts, snapshots, stops): the messages of one sender, receiver, type and term that were
  /// stepped and not rejected become one arrow ("MsgApp x17 t2 i113..140 +20 c139", from the
  /// first send to the last receive), and each member's commit advances become its last one
  /// ("commit 57 (12 advances)"). Messages never stepped fold among themselves, drawn at the
  /// first one's send; rejections are always drawn one by one.
  bool fold = true;
  /// A lane "clients" with each client operation at its completion ("c3 put k2: ok"), or at
  /// its invocation when it never completed. Off by default: it doubles the rows of a run.
  bool clients = false;
  std::size_t rowsPerPage = 120;  ///< distinct times per page (>= 1)
  /// Later rows are left out (the last page says so). dot takes 0.1-0.5 s a page, so the
  /// default keeps a report to a few seconds; a longer run needs a window or fewer kinds.
  std::size_t maxPages = 12;
};

/// The DOT text of each page of the timeline of `model`, first page first; at least one page
/// (an empty window gives one page with the lanes only). Each page is a complete digraph that
/// `dot -Tsvg` renders. An arrow whose receive time falls on a later page ends at the bottom of
/// its page, labelled with the receive time. Throws std::invalid_argument when from > to or
/// rowsPerPage is 0.
std::vector<std::string> timelineDot(const RunModel& model, const TimelineOptions& options);

/// "1.234567 s": virtual nanoseconds as seconds with microsecond precision.
std::string formatSeconds(std::int64_t ns);

}  // namespace detcd::reports

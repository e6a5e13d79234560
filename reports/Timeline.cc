#include "reports/Timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "reports/Markup.h"

namespace detcd::reports {

namespace {

/// DOT node attributes of a lane mark, chosen by its first event.
std::string cellStyle(const LaneEvent& e) {
  switch (e.kind) {
    case LaneEventKind::kRole:
      if (e.label.rfind("leader", 0) == 0) {
        return "shape=box style=\"rounded,filled\" fillcolor=gold";
      }
      if (e.label.rfind("candidate", 0) == 0) {
        return "shape=box style=\"rounded,filled\" fillcolor=lightskyblue";
      }
      if (e.label.rfind("pre-candidate", 0) == 0) {
        return "shape=box style=\"rounded,filled\" fillcolor=lightcyan";
      }
      return "shape=box style=rounded";
    case LaneEventKind::kCommit: return "shape=plaintext fontcolor=darkgreen fontsize=8";
    case LaneEventKind::kFault: return "shape=box style=filled fillcolor=orange";
    case LaneEventKind::kCrash: return "shape=octagon style=filled fillcolor=tomato";
    case LaneEventKind::kStart: return "shape=box style=filled fillcolor=palegreen";
    case LaneEventKind::kPause: return "shape=box style=filled fillcolor=gray80";
    case LaneEventKind::kDisk: return "shape=box style=filled fillcolor=tomato";
    case LaneEventKind::kSnapshot: return "shape=note style=filled fillcolor=plum";
    case LaneEventKind::kStopped: return "shape=box style=filled fillcolor=tomato";
  }
  return "shape=box";
}

std::string messageColor(const RaftMessage& m) {
  if (m.reject) return "red";
  if (m.type == "MsgVote" || m.type == "MsgPreVote") return "blue";
  if (m.type == "MsgVoteResp" || m.type == "MsgPreVoteResp") return "darkgreen";
  if (m.type == "MsgApp") return "black";
  if (m.type == "MsgAppResp") return "gray40";
  if (m.type == "MsgSnap") return "purple";
  if (m.type == "MsgHeartbeat") return "gray60";
  if (m.type == "MsgHeartbeatResp") return "gray80";
  return "saddlebrown";
}

/// A Raft message arrow; with `count` > 1 it stands for that many folded messages, the first
/// with index m.index, the last with lastIndex (m.entries sums them, m.commit is the last's).
struct Arrow {
  RaftMessage m;
  std::size_t count = 1;
  std::uint64_t lastIndex = 0;
};

std::string messageLabel(const Arrow& a) {
  const RaftMessage& m = a.m;
  std::string label = m.type;
  if (a.count > 1) label += fmt::format(" x{}", a.count);
  label += fmt::format(" t{} i{}", m.term, m.index);
  if (a.count > 1 && a.lastIndex != m.index) label += fmt::format("..{}", a.lastIndex);
  if (m.entries != 0) label += fmt::format(" +{}", m.entries);
  if (m.commit != 0) label += fmt::format(" c{}", m.commit);
  if (m.reject) label += " reject";
  return label;
}

/// The lane of client operations (no member has this id).
constexpr std::uint64_t kClientLane = std::numeric_limits<std::uint64_t>::max();

std::string laneName(std::uint64_t lane) {
  if (lane == kClientLane) return "clients";
  return lane == 0 ? "faults" : fmt::format("n{}", lane);
}

/// Where a client operation is drawn: its completion, or its invocation if it never completed.
std::int64_t opTime(const ClientOp& op) { return op.complete >= 0 ? op.complete : op.invoke; }

std::string opLabel(const ClientOp& op) {
  const char* outcome = op.complete < 0 ? "no answer"
                        : op.outcome == Outcome::kOk     ? "ok"
                        : op.outcome == Outcome::kFailed ? "failed"
                                                         : "unknown";
  return fmt::format("c{} {}{}{}: {}", op.client, op.op, op.key.empty() ? "" : " ", op.key,
                     outcome);
}

std::string opStyle(const ClientOp& op) {
  const char* fill = op.complete >= 0 && op.outcome == Outcome::kOk       ? "honeydew"
                     : op.complete >= 0 && op.outcome == Outcome::kFailed ? "mistyrose"
                                                                          : "lightyellow";
  return fmt::format("shape=box style=filled fillcolor={} fontsize=8", fill);
}

/// What one page draws: its rows (distinct times) and the marks and arrows on them.
struct Selection {
  std::vector<std::uint64_t> lanes;  ///< 0 first, then the members shown
  std::vector<LaneEvent> events;
  std::vector<Arrow> arrows;
  std::vector<const ClientOp*> ops;
  std::vector<std::int64_t> rows;  ///< sorted distinct times
};

Selection select(const RunModel& model, const TimelineOptions& o) {
  Selection s;
  std::set<std::uint64_t> shown;
  for (std::uint64_t n : model.nodes) {
    if (o.nodes.empty() || std::find(o.nodes.begin(), o.nodes.end(), n) != o.nodes.end()) {
      shown.insert(n);
    }
  }
  s.lanes.push_back(0);
  s.lanes.insert(s.lanes.end(), shown.begin(), shown.end());
  const auto inWindow = [&](std::int64_t t) { return t >= o.from && t <= o.to; };
  std::set<std::int64_t> rows;
  const auto isShown = [&](const LaneEvent& e) {
    return inWindow(e.time) && (e.node == 0 || shown.count(e.node) != 0);
  };
  // Notable marks (all but commit advances) cut the run into epochs; folding merges only
  // within an epoch, so what happens between two notable moments stays visible.
  std::vector<std::int64_t> notable;
  for (const LaneEvent& e : model.events) {
    if (!isShown(e) || e.kind == LaneEventKind::kCommit) continue;
    s.events.push_back(e);
    notable.push_back(e.time);
  }
  const auto epochOf = [&](std::int64_t t) {
    return std::upper_bound(notable.begin(), notable.end(), t) - notable.begin();
  };
  std::map<std::pair<std::uint64_t, std::ptrdiff_t>, std::pair<std::size_t, int>> commitGroups;
  for (const LaneEvent& e : model.events) {
    if (!o.commits || !isShown(e) || e.kind != LaneEventKind::kCommit) continue;
    if (o.fold) {
      auto [it, added] = commitGroups.try_emplace({e.node, epochOf(e.time)}, s.events.size(), 1);
      if (!added) {  // keep the epoch's last advance, counting the ones folded into it
        LaneEvent& last = s.events[it->second.first];
        last.time = e.time;
        last.label = fmt::format("{} ({} advances)", e.label, ++it->second.second);
        continue;
      }
    }
    s.events.push_back(e);
  }
  for (const LaneEvent& e : s.events) rows.insert(e.time);
  using FoldKey = std::tuple<std::uint64_t, std::uint64_t, std::string, std::uint64_t,
                             std::ptrdiff_t, bool>;
  std::map<FoldKey, std::size_t> open;  // the arrow that later messages of a key fold into
  for (const RaftMessage& m : model.messages) {
    if (!inWindow(m.sent) || shown.count(m.from) == 0 || shown.count(m.to) == 0) continue;
    if (!o.kinds.empty() && std::find(o.kinds.begin(), o.kinds.end(), m.type) == o.kinds.end()) {
      continue;
    }
    // Rejections and messages stepped after the window are always drawn one by one; messages
    // never stepped fold among themselves (a partition loses a stream of appends).
    const bool lost = m.received < 0;
    if (o.fold && !m.reject && (lost || inWindow(m.received))) {
      const FoldKey key{m.from, m.to, m.type, m.term, epochOf(m.sent), lost};
      auto [it, added] = open.try_emplace(key, s.arrows.size());
      if (!added) {
        Arrow& a = s.arrows[it->second];
        ++a.count;
        a.lastIndex = m.index;
        a.m.entries += m.entries;
        a.m.commit = m.commit;
        if (!lost) a.m.received = std::max(a.m.received, m.received);
        continue;
      }
    }
    s.arrows.push_back({m, 1, m.index});
  }
  for (const Arrow& a : s.arrows) {
    rows.insert(a.m.sent);
    if (a.m.received >= 0 && inWindow(a.m.received)) rows.insert(a.m.received);
  }
  if (o.clients) {
    s.lanes.push_back(kClientLane);
    for (const ClientOp& op : model.ops) {
      if (!inWindow(opTime(op))) continue;
      s.ops.push_back(&op);
      rows.insert(opTime(op));
    }
  }
  s.rows.assign(rows.begin(), rows.end());
  return s;
}

std::string cellId(std::uint64_t lane, std::size_t row) { return fmt::format("c{}_{}", lane, row); }

/// One page: rows [first, last) of `s.rows`; `truncated` rows beyond the last page.
std::string pageDot(const Selection& s, std::size_t first, std::size_t last, std::size_t page,
                    std::size_t pages, std::size_t truncated) {
  std::map<std::int64_t, std::size_t> rowOf;
  for (std::size_t r = first; r < last; ++r) rowOf[s.rows[r]] = r;
  // (lane, row) -> labels of the marks there, plus the style of the first.
  std::map<std::pair<std::uint64_t, std::size_t>, std::pair<std::string, std::string>> cells;
  const auto cell = [&](std::uint64_t lane, std::size_t row) -> auto& {
    return cells[{lane, row}];
  };
  for (const LaneEvent& e : s.events) {
    auto it = rowOf.find(e.time);
    if (it == rowOf.end()) continue;
    auto& c = cell(e.node, it->second);
    if (c.second.empty()) c.second = cellStyle(e);
    c.first += (c.first.empty() ? "" : "\n") + e.label;
  }
  for (const ClientOp* op : s.ops) {
    auto it = rowOf.find(opTime(*op));
    if (it == rowOf.end()) continue;
    auto& c = cell(kClientLane, it->second);
    if (c.second.empty()) c.second = opStyle(*op);
    c.first += (c.first.empty() ? "" : "\n") + opLabel(*op);
  }
  std::string edges;
  for (const Arrow& a : s.arrows) {
    const RaftMessage* m = &a.m;
    auto sent = rowOf.find(m->sent);
    if (sent == rowOf.end()) continue;  // drawn on the page of its send
    cell(m->from, sent->second);
    const std::string attrs = fmt::format("color={} fontcolor={} constraint=false",
                                          messageColor(*m), messageColor(*m));
    auto recv = m->received >= 0 ? rowOf.find(m->received) : rowOf.end();
    if (recv != rowOf.end()) {
      cell(m->to, recv->second);
      edges += fmt::format("  {} -> {} [label={} {}];\n", cellId(m->from, sent->second),
                           cellId(m->to, recv->second), quoteDot(messageLabel(a)), attrs);
    } else if (m->received < 0) {
      cell(m->to, sent->second);
      edges += fmt::format("  {} -> {} [label={} {} style=dashed arrowhead=tee];\n",
                           cellId(m->from, sent->second), cellId(m->to, sent->second),
                           quoteDot(messageLabel(a) + " (lost)"), attrs);
    } else {
      edges += fmt::format("  {} -> end{} [label={} {} style=dotted];\n",
                           cellId(m->from, sent->second), m->to,
                           quoteDot(messageLabel(a) + " (stepped at " +
                                    formatSeconds(m->received) + ")"),
                           attrs);
    }
  }

  std::string dot = fmt::format(
      "digraph timeline {{\n"
      "  label={}; labelloc=t; newrank=true; nodesep=0.6; ranksep=0.25;\n"
      "  node [fontname=\"Helvetica\" fontsize=10];\n"
      "  edge [fontname=\"Helvetica\" fontsize=8 arrowsize=0.6];\n",
      quoteDot(fmt::format("timeline, page {} of {}", page, pages)));
  // Header row, ordered left to right by invisible edges.
  dot += "  htime [label=\"time\" shape=plaintext];\n";
  std::string headerRank = "  {rank=same; htime;";
  std::string headerOrder = "  htime";
  for (std::uint64_t lane : s.lanes) {
    dot += fmt::format("  h{} [label={} shape=box style=filled fillcolor=lightgray];\n", lane,
                       quoteDot(laneName(lane)));
    headerRank += fmt::format(" h{};", lane);
    headerOrder += fmt::format(" -> h{}", lane);
  }
  dot += headerRank + "}\n" + headerOrder + " [style=invis];\n";
  // Rows: a time label and the cells at that time share a rank.
  for (std::size_t r = first; r < last; ++r) {
    dot += fmt::format("  t{} [label={} shape=plaintext fontsize=8];\n", r,
                       quoteDot(formatSeconds(s.rows[r])));
    std::string rank = fmt::format("  {{rank=same; t{};", r);
    for (std::uint64_t lane : s.lanes) {
      auto it = cells.find({lane, r});
      if (it == cells.end()) continue;
      const auto& [label, style] = it->second;
      if (label.empty()) {
        dot += fmt::format("  {} [label=\"\" shape=point width=0.06];\n", cellId(lane, r));
      } else {
        dot += fmt::format("  {} [label={} {}];\n", cellId(lane, r), quoteDot(label), style);
      }
      rank += " " + cellId(lane, r) + ";";
    }
    dot += rank + "}\n";
  }
  // Footer row and the lanes: each lane a chain from its header to its footer.
  const std::string footer =
      truncated == 0 ? std::string("end of page")
                     : fmt::format("{} later times not shown: narrow the window", truncated);
  dot += fmt::format("  endtime [label={} shape=plaintext fontsize=8];\n", quoteDot(footer));
  std::string footerRank = "  {rank=same; endtime;";
  std::string timeChain = "  htime";
  for (std::size_t r = first; r < last; ++r) timeChain += fmt::format(" -> t{}", r);
  dot += timeChain + " -> endtime [style=invis weight=100];\n";
  for (std::uint64_t lane : s.lanes) {
    dot += fmt::format("  end{} [label=\"\" shape=point width=0.02];\n", lane);
    footerRank += fmt::format(" end{};", lane);
    std::string chain = fmt::format("  h{}", lane);
    for (std::size_t r = first; r < last; ++r) {
      if (cells.count({lane, r}) != 0) chain += " -> " + cellId(lane, r);
    }
    dot += chain + fmt::format(" -> end{} [color=gray70 arrowhead=none weight=100];\n", lane);
  }
  dot += footerRank + "}\n" + edges + "}\n";
  return dot;
}

}  // namespace

std::string formatSeconds(std::int64_t ns) {
  return fmt::format("{}.{:06} s", ns / 1'000'000'000, (ns % 1'000'000'000) / 1000);
}

std::vector<std::string> timelineDot(const RunModel& model, const TimelineOptions& options) {
  if (options.from > options.to) {
    throw std::invalid_argument("timeline window: the start is after the end");
  }
  if (options.rowsPerPage == 0) throw std::invalid_argument("timeline: rowsPerPage is 0");
  const Selection s = select(model, options);
  const std::size_t maxPages = std::max<std::size_t>(1, options.maxPages);
  const std::size_t shownRows = std::min(s.rows.size(), options.rowsPerPage * maxPages);
  const std::size_t pages =
      std::max<std::size_t>(1, (shownRows + options.rowsPerPage - 1) / options.rowsPerPage);
  std::vector<std::string> out;
  for (std::size_t p = 0; p < pages; ++p) {
    const std::size_t first = p * options.rowsPerPage;
    const std::size_t last = std::min(shownRows, first + options.rowsPerPage);
    out.push_back(pageDot(s, first, last, p + 1, pages,
                          p + 1 == pages ? s.rows.size() - shownRows : 0));
  }
  return out;
}

}  // namespace detcd::reports

#include "reports/HistoryChart.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "reports/Markup.h"
#include "reports/Timeline.h"

namespace detcd::reports {

namespace {

constexpr int kLeft = 70;    // px for the client names
constexpr int kLegend = 24;  // px for a legend line
constexpr int kRow = 14;     // px per client
constexpr int kBottom = 24;  // px for the time axis

const char* colorOf(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "#43a047";
    case Outcome::kFailed: return "#e53935";
    case Outcome::kUnknown: return "#ffb300";
  }
  return "#000";
}

const char* nameOf(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kFailed: return "failed";
    case Outcome::kUnknown: return "unknown";
  }
  return "";
}

}  // namespace

std::string historyChartSvg(const RunModel& model, int widthPx) {
  widthPx = std::max(widthPx, 200);
  std::map<std::uint64_t, int> rowOf;
  for (const ClientOp& op : model.ops) rowOf.emplace(op.client, 0);
  int next = 0;
  for (auto& [client, row] : rowOf) row = next++;
  const ViolationMarks* violation = model.violation ? &*model.violation : nullptr;
  const int top = kLegend + (violation != nullptr ? kLegend : 0);
  const int height = top + kRow * std::max(next, 1) + kBottom;
  const double end = static_cast<double>(std::max<std::int64_t>(model.endTime, 1));
  const double plot = widthPx - kLeft - 10;
  const auto x = [&](std::int64_t t) { return kLeft + plot * static_cast<double>(t) / end; };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"history-chart\" width=\"{}\" "
      "height=\"{}\" font-family=\"Helvetica, sans-serif\" font-size=\"10\">\n",
      widthPx, height);
  int lx = kLeft;
  for (Outcome o : {Outcome::kOk, Outcome::kFailed, Outcome::kUnknown}) {
    svg += fmt::format("<rect x=\"{}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                       "<text x=\"{}\" y=\"15\">{}</text>\n",
                       lx, colorOf(o), lx + 14, nameOf(o));
    lx += 80;
  }
  for (const auto& [client, row] : rowOf) {
    svg += fmt::format("<text x=\"4\" y=\"{}\">client {}</text>\n", top + row * kRow + 10,
                       client);
  }
  const auto doneOf = [&](const ClientOp& op) {
    return op.complete < 0 ? model.endTime : op.complete;
  };
  std::vector<char> inPrefix(model.ops.size(), 0), inWindow(model.ops.size(), 0);
  if (violation != nullptr) {
    for (std::size_t i : violation->prefix) inPrefix.at(i) = 1;
    for (std::size_t i : violation->window) inWindow.at(i) = 1;
    // The window's span, from its first invocation to its last completion, shaded behind the
    // bars; the legend's second line says what the marks mean.
    std::int64_t from = model.endTime, to = 0;
    for (std::size_t i : violation->window) {
      from = std::min(from, model.ops[i].invoke);
      to = std::max(to, doneOf(model.ops[i]));
    }
    if (!violation->window.empty()) {
      svg += fmt::format("<rect class=\"violation-window\" x=\"{:.2f}\" y=\"{}\" "
                         "width=\"{:.2f}\" height=\"{}\" fill=\"#ffcdd2\" "
                         "fill-opacity=\"0.6\"/>\n",
                         x(from), top, std::max(2.0, x(to) - x(from)), kRow * next);
    }
    const std::string group = violation->group.empty() ? "the history" : violation->group;
    svg += fmt::format(
        "<text class=\"violation-legend\" x=\"{}\" y=\"{}\" fill=\"#b71c1c\">"
        "Not linearizable ({}): window of {} ops{} outlined red, the culprit black; longest "
        "linearizable prefix ({} ops) underlined green{}.</text>\n",
        kLeft, kLegend + 15, escapeXml(group), violation->window.size(),
        violation->windowMinimal ? "" : " (maybe not the smallest)", violation->prefix.size(),
        violation->partial ? " (explanation cut short)" : "");
  }
  const std::int64_t second = 1'000'000'000;
  const std::int64_t step = model.endTime > 20 * second ? 10 * second : second;
  const int axisY = top + kRow * std::max(next, 1);
  for (std::int64_t t = 0; t <= model.endTime; t += step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" "
                       "stroke=\"#ddd\"/><text x=\"{0:.1f}\" y=\"{3}\" "
                       "text-anchor=\"middle\">{4} s</text>\n",
                       x(t), top, axisY + 4, axisY + 16, t / second);
  }
  for (std::size_t i = 0; i < model.ops.size(); ++i) {
    const ClientOp& op = model.ops[i];
    const double x0 = x(op.invoke);
    const double w = std::max(1.0, x(doneOf(op)) - x0);
    const int y = top + rowOf[op.client] * kRow + 2;
    std::string title = fmt::format("client {} {} {}: {} at {}, {}", op.client, op.op, op.key,
                                    nameOf(op.outcome), formatSeconds(op.invoke),
                                    op.complete < 0 ? std::string("never completed")
                                                    : "done " + formatSeconds(op.complete));
    if (!op.error.empty()) title += " (" + op.error + ")";
    const bool culprit = violation != nullptr && violation->culprit == i;
    if (inWindow[i] != 0) title += culprit ? " [culprit]" : " [violation window]";
    if (inPrefix[i] != 0) title += " [linearizable prefix]";
    const std::string outline =
        culprit ? " stroke=\"#000\" stroke-width=\"2\""
                : (inWindow[i] != 0 ? " stroke=\"#b71c1c\" stroke-width=\"2\"" : "");
    svg += fmt::format("<rect class=\"op{}\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" "
                       "height=\"{}\" fill=\"{}\"{}><title>{}</title></rect>\n",
                       inWindow[i] != 0 ? " in-window" : "", x0, y, w, kRow - 4,
                       colorOf(op.outcome), outline, escapeXml(title));
    if (inPrefix[i] != 0) {
      svg += fmt::format("<line class=\"linearizable-prefix\" x1=\"{:.2f}\" y1=\"{}\" "
                         "x2=\"{:.2f}\" y2=\"{}\" stroke=\"#1b5e20\" stroke-width=\"2\"/>\n",
                         x0, y + kRow - 3, x0 + w, y + kRow - 3);
    }
  }
  return svg + "</svg>\n";
}

}  // namespace detcd::reports

#include "reports/HistoryChart.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "reports/Markup.h"
#include "reports/Timeline.h"

namespace detcd::reports {

namespace {

constexpr int kLeft = 70;    // px for the client names
constexpr int kTop = 24;     // px for the legend
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
  const int height = kTop + kRow * std::max(next, 1) + kBottom;
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
    svg += fmt::format("<text x=\"4\" y=\"{}\">client {}</text>\n", kTop + row * kRow + 10,
                       client);
  }
  const std::int64_t second = 1'000'000'000;
  const std::int64_t step = model.endTime > 20 * second ? 10 * second : second;
  const int axisY = kTop + kRow * std::max(next, 1);
  for (std::int64_t t = 0; t <= model.endTime; t += step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" "
                       "stroke=\"#ddd\"/><text x=\"{0:.1f}\" y=\"{3}\" "
                       "text-anchor=\"middle\">{4} s</text>\n",
                       x(t), kTop, axisY + 4, axisY + 16, t / second);
  }
  for (const ClientOp& op : model.ops) {
    const std::int64_t done = op.complete < 0 ? model.endTime : op.complete;
    const double x0 = x(op.invoke);
    const double w = std::max(1.0, x(done) - x0);
    std::string title = fmt::format("client {} {} {}: {} at {}, {}", op.client, op.op, op.key,
                                    nameOf(op.outcome), formatSeconds(op.invoke),
                                    op.complete < 0 ? std::string("never completed")
                                                    : "done " + formatSeconds(op.complete));
    if (!op.error.empty()) title += " (" + op.error + ")";
    svg += fmt::format("<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
                       "fill=\"{}\"><title>{}</title></rect>\n",
                       x0, kTop + rowOf[op.client] * kRow + 2, w, kRow - 4,
                       colorOf(op.outcome), escapeXml(title));
  }
  return svg + "</svg>\n";
}

}  // namespace detcd::reports

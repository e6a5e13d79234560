#pragma once
// The history chart of a run as SVG: one row per client, each operation a bar from its
// invocation to its completion (to the end of the run when it never completed), coloured by
// outcome: ok green, failed red, unknown amber. Hovering a bar shows the operation. On a
// linearizability violation (RunModel::violation, from the run's checks.json) the window's
// span is shaded red, its operations outlined red (the culprit black) and the operations of
// the longest linearizable prefix underlined green; a second legend line says so.

#include <string>

#include "reports/RunModel.h"

namespace detcd::reports {

/// A standalone <svg> element (no XML prologue) `widthPx` pixels wide (>= 200), time from 0 to
/// model.endTime on the x axis with a tick per second (or per 10 s past 20 s), 14 px per client.
/// Operation bars have class "op" (and "in-window"), the shaded span "violation-window", the
/// prefix underlines "linearizable-prefix". Throws std::out_of_range when the violation names
/// an operation index past model.ops.
std::string historyChartSvg(const RunModel& model, int widthPx = 1000);

}  // namespace detcd::reports

#pragma once
// The history chart of a run as SVG: one row per client, each operation a bar from its
// invocation to its completion (to the end of the run when it never completed), coloured by
// outcome: ok green, failed red, unknown amber. Hovering a bar shows the operation.

#include <string>

#include "reports/RunModel.h"

namespace detcd::reports {

/// A standalone <svg> element (no XML prologue) `widthPx` pixels wide (>= 200), time from 0 to
/// model.endTime on the x axis with a tick per second (or per 10 s past 20 s), 14 px per client.
std::string historyChartSvg(const RunModel& model, int widthPx = 1000);

}  // namespace detcd::reports

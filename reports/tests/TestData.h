#pragma once
// The small checked-in run of reports/tests/data (a three-member election, one append, a
// crash and a restart of n3, four client operations), read into a model.

#include <fstream>
#include <sstream>
#include <string>

#include "reports/RunModel.h"

namespace detcd::reports::testing {

inline std::string readData(const std::string& name) {
  std::ifstream in(std::string(DETCD_REPORTS_TESTDATA) + "/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline RunModel sampleModel() {
  RunModel m;
  readTrace(readData("trace.jsonl"), m);
  readHistory(readData("history.jsonl"), m);
  return m;
}

}  // namespace detcd::reports::testing

// Reads Jepsen log lines: `INFO  jepsen.util - <process> :<type> :<f> <value>`.
// Other log lines (INFO jepsen.core ..., blank lines) and nemesis ops are
// ignored; any other text is an error.

#include <sstream>
#include <string>

#include "checkers/HistoryBuilder.h"
#include "checkers/JepsenOps.h"

namespace detcd::checkers {

namespace {

constexpr std::string_view kMarker = "jepsen.util - ";

bool isOtherLogLine(const std::string& line) {
  for (std::string_view level : {"INFO", "WARN", "DEBUG", "ERROR", "TRACE"}) {
    if (line.rfind(level, 0) == 0) return true;
  }
  return false;
}

}  // namespace

History parseJepsenLog(const std::string& text) {
  HistoryBuilder builder;
  builder.readLines(text, [&](const std::string& line, int64_t lineNo) {
    size_t at = line.find(kMarker);
    if (at == std::string::npos) {
      if (isOtherLogLine(line)) return;
      throw ParseError(lineNo, "not a Jepsen log line (expected 'INFO jepsen.util - ...')");
    }
    std::istringstream fields(line.substr(at + kMarker.size()));
    std::string process, type, f;
    fields >> process >> type >> f;
    std::string rest;
    std::getline(fields, rest);
    if (process == ":nemesis" || process == "nemesis") return;
    if (type.size() < 2 || type[0] != ':' || f.size() < 2 || f[0] != ':') {
      throw ParseError(lineNo, "expected '<process> :<type> :<f> <value>'");
    }
    int64_t client = 0;
    try {
      size_t used = 0;
      client = std::stoll(process, &used);
      if (used != process.size()) throw std::invalid_argument(process);
    } catch (const std::exception&) {
      throw ParseError(lineNo, "process '" + process + "' is not an integer");
    }
    EdnValue value;
    try {
      value = parseEdn(rest);
    } catch (const EdnError& e) {
      throw ParseError(lineNo, std::string("bad value: ") + e.what());
    }
    addJepsenEvent(builder, client, std::string_view(type).substr(1),
                   std::string_view(f).substr(1), value, nullptr, lineNo);
  });
  return builder.finish();
}

}  // namespace detcd::checkers

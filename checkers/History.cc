#include "checkers/History.h"

#include <fstream>
#include <sstream>

#include "checkers/HistoryBuilder.h"

namespace detcd::checkers {

ParseError::ParseError(int64_t line, const std::string& what)
    : std::runtime_error("line " + std::to_string(line) + ": " + what), line_(line) {}

History parseHistory(const std::string& text, Format format) {
  switch (format) {
    case Format::kDetcd: return parseDetcdHistory(text);
    case Format::kJepsen: return parseJepsenLog(text);
    case Format::kEdn: return parseEdnHistory(text);
  }
  throw std::invalid_argument("unknown history format");
}

History readHistoryFile(const std::string& path, Format format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error("error reading " + path);
  return parseHistory(buffer.str(), format);
}

}  // namespace detcd::checkers

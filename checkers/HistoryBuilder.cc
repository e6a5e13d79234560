#include "checkers/HistoryBuilder.h"

#include <sstream>
#include <string>

namespace detcd::checkers {

void HistoryBuilder::invoke(Operation op) {
  auto [it, inserted] = pending_.emplace(op.client, history_.operations.size());
  if (!inserted) {
    throw ParseError(op.invokeLine,
                     "client " + std::to_string(op.client) +
                         " invokes while its operation from line " +
                         std::to_string(history_.operations[it->second].invokeLine) +
                         " is still pending");
  }
  history_.operations.push_back(std::move(op));
}

Operation& HistoryBuilder::complete(int64_t client, Outcome outcome, Timestamp time,
                                    int64_t line) {
  auto it = pending_.find(client);
  if (it == pending_.end()) {
    throw ParseError(line, "completion for client " + std::to_string(client) +
                               " which has no pending invocation");
  }
  Operation& op = history_.operations[it->second];
  pending_.erase(it);
  op.outcome = outcome;
  op.returnLine = line;
  op.returnTime = outcome == Outcome::kInfo ? kNever : time;
  if (op.returnTime != kNever && op.returnTime < op.invokeTime) {
    throw ParseError(line, "completion time " + std::to_string(time) +
                               " is before its invocation time " +
                               std::to_string(op.invokeTime));
  }
  return op;
}

void HistoryBuilder::readLines(const std::string& text,
                               const std::function<void(const std::string&, int64_t)>& read) {
  std::istringstream in(text);
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r,") == std::string::npos) continue;
    try {
      read(line, number);
    } catch (const ParseError&) {
      throw;
    } catch (const std::exception& e) {
      throw ParseError(number, e.what());
    }
  }
}

History HistoryBuilder::finish() {
  for (auto& [client, index] : pending_) {
    Operation& op = history_.operations[index];
    op.outcome = Outcome::kInfo;
    op.returnTime = kNever;
  }
  pending_.clear();
  return std::move(history_);
}

}  // namespace detcd::checkers

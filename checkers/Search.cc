#include "checkers/Search.h"

#include <algorithm>

namespace detcd::checkers {

bool Budget::tick() {
  ++steps;
  if (maxSteps != 0 && steps > maxSteps) exhausted = kStepLimit;
  if (deadline && (steps & 1023) == 0 && SearchClock::now() > *deadline) {
    exhausted = kTimeLimit;
  }
  return exhausted.empty();
}

bool Budget::timeOrStepsLeft() const {
  return exhausted.empty() || exhausted == kMemoLimit;
}

std::vector<Event> eventsOf(const std::vector<Operation>& ops) {
  std::vector<Event> events;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    events.push_back({ops[i].invokeTime, false, i});
    if (ops[i].returnTime != kNever) events.push_back({ops[i].returnTime, true, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.isReturn != b.isReturn) return !a.isReturn;
    return a.op < b.op;
  });
  return events;
}

SearchResult search(const std::vector<Operation>& ops, const Model& model, Budget& budget,
                    std::vector<char> optional) {
  Search s(ops, model, std::move(optional));
  SearchResult result;
  result.status = *s.run(budget, 0);
  if (result.status == Status::kLinearizable) result.order = s.order();
  budget.memoInUse -= s.bytes();
  return result;
}

}  // namespace detcd::checkers

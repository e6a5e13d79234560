#include "checkers/EtcdTypes.h"

namespace detcd::checkers {

bool inKeyRange(const std::string& k, const std::string& key, const std::string& rangeEnd) {
  if (rangeEnd.empty()) return k == key;
  if (rangeEnd == std::string(1, '\0')) return k >= key;
  return k >= key && k < rangeEnd;
}

std::optional<EtcdError> parseEtcdError(const std::string& text) {
  if (text.empty()) return EtcdError::kNone;
  auto has = [&](const char* s) { return text.find(s) != std::string::npos; };
  if (text == "compacted" || has("required revision has been compacted")) {
    return EtcdError::kCompacted;
  }
  if (text == "future_revision" || has("required revision is a future revision")) {
    return EtcdError::kFutureRevision;
  }
  if (text == "lease_not_found" || has("requested lease not found")) {
    return EtcdError::kLeaseNotFound;
  }
  return std::nullopt;
}

}  // namespace detcd::checkers

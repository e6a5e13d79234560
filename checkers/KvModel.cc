#include "checkers/KvModel.h"

#include <map>
#include <stdexcept>

#include "checkers/RegisterModel.h"

namespace detcd::checkers {

namespace {

// A whole-map state: the value of each key by slot (slots are numbered in the
// order keys are first seen by this instance). Trailing "" values are trimmed
// so that equal maps have equal vectors.
using MapState = std::vector<std::string>;

struct MapStateHash {
  size_t operator()(const MapState& s) const {
    size_t h = s.size();
    for (const std::string& v : s) h = h * 1000003u ^ std::hash<std::string>()(v);
    return h;
  }
};

class KvInstance : public ModelInstance {
 public:
  uint32_t initialState() override { return states_.intern({}); }

  uint32_t step(uint32_t state, const Operation& op) override {
    size_t slot = slotOf(op.key);
    const MapState& s = states_.get(state);
    const std::string& current = slot < s.size() ? s[slot] : kEmpty;
    switch (op.kind) {
      case OpKind::kGet:
        if (op.outcome != Outcome::kOk) return state;
        return op.result.value_or("") == current ? state : kInvalidState;
      case OpKind::kPut:
        return with(state, slot, op.argument.value_or(""));
      case OpKind::kAppend:
        return with(state, slot, current + op.argument.value_or(""));
      default:
        return kInvalidState;
    }
  }

  std::string describeState(uint32_t state) const override {
    const MapState& s = states_.get(state);
    std::string out = "{";
    for (const auto& [key, slot] : slots_) {
      if (slot < s.size() && !s[slot].empty()) {
        out += (out.size() > 1 ? ", " : "") + key + ": \"" + s[slot] + "\"";
      }
    }
    return out + "}";
  }

 private:
  static inline const std::string kEmpty;

  size_t slotOf(const std::string& key) {
    return slots_.try_emplace(key, slots_.size()).first->second;
  }

  uint32_t with(uint32_t state, size_t slot, std::string value) {
    MapState s = states_.get(state);
    if (s.size() <= slot) s.resize(slot + 1);
    s[slot] = std::move(value);
    while (!s.empty() && s.back().empty()) s.pop_back();
    return states_.intern(std::move(s));
  }

  std::map<std::string, size_t> slots_;
  Interner<MapState, MapStateHash> states_;
};

}  // namespace

void KvModel::validate(const Operation& op) const {
  if (op.kind != OpKind::kGet && op.kind != OpKind::kPut && op.kind != OpKind::kAppend) {
    throw std::invalid_argument("line " + std::to_string(op.invokeLine) +
                                ": not a kv operation (get, put, append)");
  }
}

std::vector<std::vector<size_t>> KvModel::partition(const std::vector<Operation>& ops,
                                                    const std::vector<size_t>& taking) const {
  if (!perKey_) return {taking};
  std::map<std::string, std::vector<size_t>> byKey;
  for (size_t i : taking) byKey[ops[i].key].push_back(i);
  std::vector<std::vector<size_t>> groups;
  for (auto& [key, group] : byKey) groups.push_back(std::move(group));
  return groups;
}

std::string KvModel::groupName(const std::vector<Operation>& ops,
                               const std::vector<size_t>& group) const {
  return perKey_ && !group.empty() ? "key \"" + ops[group.front()].key + "\"" : "";
}

std::unique_ptr<ModelInstance> KvModel::instantiate() const {
  return std::make_unique<KvInstance>();
}

std::string KvModel::describe(const Operation& op) const {
  std::string key = "\"" + op.key + "\"";
  switch (op.kind) {
    case OpKind::kGet:
      return "get(" + key + ") -> " +
             (op.outcome == Outcome::kOk ? "\"" + op.result.value_or("") + "\""
                                         : describeOutcome(op));
    case OpKind::kPut:
      return "put(" + key + ", \"" + op.argument.value_or("") + "\") -> " + describeOutcome(op);
    case OpKind::kAppend:
      return "append(" + key + ", \"" + op.argument.value_or("") + "\") -> " +
             describeOutcome(op);
    default:
      return "?";
  }
}

}  // namespace detcd::checkers

#include "checkers/KvModel.h"

#include <map>
#include <optional>
#include <stdexcept>

#include "checkers/FlatMap.h"

namespace detcd::checkers {

namespace {

// A map state: the value id of each key by slot (slots are numbered in the
// order the instance first sees keys; value ids come from one interner of
// strings, "" being id 0). Trailing 0s are trimmed so that equal maps have
// equal vectors. Under per-key grouping the vector has at most one entry.
using MapState = std::vector<uint32_t>;

struct MapStateHash {
  size_t operator()(const MapState& s) const {
    uint64_t h = s.size();
    for (uint32_t v : s) h = mix64(h ^ v);
    return h;
  }
};

// Interned strings with polynomial rolling hashes, so that the hash of an
// appended value comes from its parts in O(1). An appended value is stored as
// the pair of its parts (a rope), not as text: the search creates one value
// per new append order, and copying ever longer strings dominated its time.
// Texts are compared (materialized) only when hash and length match a value
// of another shape, i.e. almost only when the values are equal. Id 0 is "".
class ValueTable {
 public:
  ValueTable() : slots_(1024, kNone) { add("", 0, 1); }

  uint32_t intern(const std::string& v) {
    uint64_t h = 0, power = 1;
    for (char c : v) {
      h = h * kBase + static_cast<unsigned char>(c) + 1;
      power *= kBase;
    }
    return add(v, h, power);
  }

  /// The id of text(a) + text(b).
  uint32_t concat(uint32_t a, uint32_t b) {
    const Entry& ea = entries_[a];
    const Entry& eb = entries_[b];
    uint64_t h = ea.hash * eb.power + eb.hash;
    return add(std::nullopt, h, ea.power * eb.power, a, b);
  }

  /// False only if text(a) is certainly not a prefix of text(b): compares
  /// rolling hashes of b's prefixes (b a value interned from text; for an
  /// appended b the answer is true).
  bool mayBePrefix(uint32_t a, uint32_t b) {
    const Entry& ea = entries_[a];
    const Entry& eb = entries_[b];
    if (ea.length > eb.length) return false;
    if (eb.left != kNone) return true;
    std::vector<uint64_t>& prefix = prefixHashes_[eb.leaf];
    if (prefix.empty()) {
      prefix.push_back(0);
      for (char c : leaves_[eb.leaf]) {
        prefix.push_back(prefix.back() * kBase + static_cast<unsigned char>(c) + 1);
      }
    }
    return prefix[ea.length] == ea.hash;
  }

  /// The text of a value (built from its parts for an appended value).
  std::string text(uint32_t id) const {
    std::string out;
    out.reserve(entries_[id].length);
    std::vector<uint32_t> todo = {id};  // explicit stack: ropes can be thousands deep
    while (!todo.empty()) {
      const Entry& e = entries_[todo.back()];
      todo.pop_back();
      if (e.left == kNone) {
        out += leaves_[e.leaf];
      } else {
        todo.push_back(e.right);
        todo.push_back(e.left);
      }
    }
    return out;
  }

  size_t bytes() const {
    return leafBytes_ + entries_.capacity() * sizeof(Entry) + slots_.size() * sizeof(uint32_t);
  }

 private:
  static constexpr uint64_t kBase = 0x100000001b3ULL;
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Entry {
    uint64_t hash;
    uint64_t power;   // kBase^length
    size_t length;
    uint32_t left;    // appended value: its parts; a leaf: kNone
    uint32_t right;
    uint32_t leaf;    // a leaf: index into leaves_
  };

  // Finds or adds the value (the text v, or text(a) + text(b)) with hash h.
  uint32_t add(const std::optional<std::string>& v, uint64_t h, uint64_t power, uint32_t a = 0,
               uint32_t b = 0) {
    size_t length = v ? v->size() : entries_[a].length + entries_[b].length;
    size_t mask = slots_.size() - 1;
    size_t i = mix64(h) & mask;
    for (; slots_[i] != kNone; i = (i + 1) & mask) {
      uint32_t id = slots_[i];
      const Entry& e = entries_[id];
      if (e.hash != h || e.length != length) continue;
      if (v ? text(id) == *v
            : (e.left == a && e.right == b) || text(id) == text(a) + text(b)) {
        return id;
      }
    }
    uint32_t id = static_cast<uint32_t>(entries_.size());
    if (v) {
      entries_.push_back({h, power, length, kNone, kNone, static_cast<uint32_t>(leaves_.size())});
      leaves_.push_back(*v);
      prefixHashes_.emplace_back();
      leafBytes_ += leaves_.back().capacity() + sizeof(std::string);
    } else {
      entries_.push_back({h, power, length, a, b, kNone});
    }
    slots_[i] = id;
    if (entries_.size() * 2 > slots_.size()) rehash();
    return id;
  }

  void rehash() {
    std::vector<uint32_t> slots(slots_.size() * 2, kNone);
    size_t mask = slots.size() - 1;
    for (uint32_t id = 0; id < entries_.size(); ++id) {
      size_t i = mix64(entries_[id].hash) & mask;
      while (slots[i] != kNone) i = (i + 1) & mask;
      slots[i] = id;
    }
    slots_.swap(slots);
  }

  std::vector<Entry> entries_;
  std::vector<std::string> leaves_;  // texts of the values interned from the history
  std::vector<std::vector<uint64_t>> prefixHashes_;  // per leaf, filled on first use
  std::vector<uint32_t> slots_;
  size_t leafBytes_ = 0;
};

class KvInstance : public ModelInstance {
 public:
  /// `wholeMap`: states are whole maps (MapState); else the group has one key
  /// and a state is that key's value id.
  explicit KvInstance(bool wholeMap) : singleKey_(!wholeMap) {}

  void prepare(const std::vector<Operation>& ops) override {
    ops_ = &ops;
    for (const Operation& op : ops) {
      slot_.push_back(slots_.try_emplace(op.key, slots_.size()).first->second);
      result_.push_back(values_.intern(op.result.value_or("")));
      argument_.push_back(values_.intern(op.argument.value_or("")));
    }
    if (singleKey_ && slots_.size() > 1) {
      throw std::logic_error("kv model: a per-key group holds more than one key");
    }
  }

  uint32_t initialState() override { return singleKey_ ? 0 : states_.intern({}); }

  uint32_t step(uint32_t state, uint32_t i) override {
    const Operation& op = (*ops_)[i];
    if (singleKey_) return stepValue(state, i);  // the state is the key's value id
    if (op.kind == OpKind::kGet) {
      if (op.outcome != Outcome::kOk) return state;
      const MapState& s = states_.get(state);
      uint32_t current = slot_[i] < s.size() ? s[slot_[i]] : 0;
      return result_[i] == current ? state : kInvalidState;
    }
    return transitions_.transition(state, i, [&] { return putOrAppend(state, i); });
  }

  // A key's value only grows by appends: a get fits a later state only if
  // the value now is a prefix of what it read (or a put intervenes). Only
  // the get's own key is looked at, so a put to another key keeps the
  // answer, and after a put to the get's key it does not depend on the
  // state before (the contract of resets()).
  bool canStillFit(uint32_t state, uint32_t i) override {
    const Operation& op = (*ops_)[i];
    if (op.kind != OpKind::kGet || op.outcome != Outcome::kOk) return true;
    uint32_t value = state;
    if (!singleKey_) {
      const MapState& s = states_.get(state);
      value = slot_[i] < s.size() ? s[slot_[i]] : 0;
    }
    return values_.mayBePrefix(value, result_[i]);
  }

  bool prunesReads() const override { return true; }

  bool resets(uint32_t i) override { return (*ops_)[i].kind == OpKind::kPut; }

  std::string describeState(uint32_t state) const override {
    if (singleKey_) return "\"" + values_.text(state) + "\"";
    const MapState& s = states_.get(state);
    std::string out = "{";
    for (const auto& [key, slot] : slots_) {
      if (slot < s.size() && s[slot] != 0) {
        out += (out.size() > 1 ? ", " : "") + key + ": \"" + values_.text(s[slot]) + "\"";
      }
    }
    return out + "}";
  }

  size_t bytes() const override {
    return states_.bytes() + stateHeapBytes_ + values_.bytes() + transitions_.bytes() +
           12 * slot_.size();
  }

 private:
  // The whole-map state after put or append ops[i] from `state` (step()
  // caches it).
  uint32_t putOrAppend(uint32_t state, uint32_t i) {
    const Operation& op = (*ops_)[i];
    MapState s = states_.get(state);
    size_t slot = slot_[i];
    if (s.size() <= slot) s.resize(slot + 1, 0);
    if (op.kind == OpKind::kPut) {
      s[slot] = argument_[i];
    } else if (op.kind == OpKind::kAppend) {
      s[slot] = values_.concat(s[slot], argument_[i]);
    } else {
      return kInvalidState;
    }
    while (!s.empty() && s.back() == 0) s.pop_back();
    size_t before = states_.size();
    size_t heap = s.capacity() * sizeof(uint32_t) + 16;
    uint32_t next = states_.intern(std::move(s));
    if (states_.size() != before) stateHeapBytes_ += heap;
    return next;
  }

  uint32_t stepValue(uint32_t value, uint32_t i) {
    const Operation& op = (*ops_)[i];
    switch (op.kind) {
      case OpKind::kGet:
        return op.outcome != Outcome::kOk || result_[i] == value ? value : kInvalidState;
      case OpKind::kPut:
        return argument_[i];
      case OpKind::kAppend:
        return transitions_.transition(
            value, i, [&] { return values_.concat(value, argument_[i]); });
      default:
        return kInvalidState;
    }
  }

  const std::vector<Operation>* ops_ = nullptr;
  std::map<std::string, size_t> slots_;
  std::vector<size_t> slot_;                 // per op: its key's slot
  std::vector<uint32_t> result_, argument_;  // per op: value ids
  bool singleKey_;
  ValueTable values_;
  Interner<MapState, MapStateHash> states_;  // unused when singleKey_
  size_t stateHeapBytes_ = 0;                // the states' own buffers
  FlatMap transitions_;  // (state, op) -> next state, for writes
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
  // Both modes split by key. Every kv operation reads and writes exactly one
  // key, so the map is a product of independent per-key registers, and by the
  // locality of linearizability (Herlihy & Wing 1990, Theorem 1) a history is
  // linearizable iff each key's subhistory is (pending operations included).
  // The whole-map mode still searches each key with a whole-map state.
  std::map<std::string, std::vector<size_t>> byKey;
  for (size_t i : taking) byKey[ops[i].key].push_back(i);
  std::vector<std::vector<size_t>> groups;
  for (auto& [key, group] : byKey) groups.push_back(std::move(group));
  return groups;
}

std::string KvModel::groupName(const std::vector<Operation>& ops,
                               const std::vector<size_t>& group) const {
  return !group.empty() ? "key \"" + ops[group.front()].key + "\"" : "";
}

std::unique_ptr<ModelInstance> KvModel::instantiate() const {
  return std::make_unique<KvInstance>(!perKey_);
}

bool KvModel::sameEffect(const Operation& a, const Operation& b) const {
  return a.kind == b.kind && a.outcome == b.outcome && a.key == b.key && a.argument == b.argument &&
         a.result == b.result;
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

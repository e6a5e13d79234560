#pragma once
// Porcupine's / Jepsen's key-value map: string keys, string values, a missing
// key reads as "" (a nil read counts as ""). get(k) returns the value, put(k,
// v) sets it, append(k, v) concatenates. A `:fail` operation did not happen.
// Every operation touches one key, so the history is always split into one
// group per key (P-compositionality, by the locality of linearizability);
// with perKey a state is the key's value, without it (whole map) a map.

#include "checkers/Model.h"

namespace detcd::checkers {

class KvModel : public Model {
 public:
  explicit KvModel(bool perKey) : perKey_(perKey) {}
  std::string_view name() const override { return "kv"; }
  void validate(const Operation& op) const override;
  bool takesPart(const Operation& op) const override { return op.outcome != Outcome::kFail; }
  std::vector<std::vector<size_t>> partition(const std::vector<Operation>& ops,
                                             const std::vector<size_t>& taking) const override;
  std::string groupName(const std::vector<Operation>& ops,
                        const std::vector<size_t>& group) const override;
  std::unique_ptr<ModelInstance> instantiate() const override;
  bool readOnly(const Operation& op) const override { return op.kind == OpKind::kGet; }
  bool sameEffect(const Operation& a, const Operation& b) const override;
  std::string describe(const Operation& op) const override;

 private:
  bool perKey_;
};

}  // namespace detcd::checkers

#pragma once
// Jepsen's compare-and-set register (knossos.model/cas-register): one value,
// initially nil unless stated. read returns the value; write sets it; cas(old,
// new) sets new iff the value is old. A `:fail` operation did not happen
// (Knossos and Jepsen treat :fail as "certainly no effect"), so failed cas
// operations are left out of the search.

#include "checkers/Model.h"

namespace detcd::checkers {

class RegisterModel : public Model {
 public:
  explicit RegisterModel(Value initial = std::nullopt) : initial_(std::move(initial)) {}
  std::string_view name() const override { return "register"; }
  void validate(const Operation& op) const override;
  bool takesPart(const Operation& op) const override { return op.outcome != Outcome::kFail; }
  std::unique_ptr<ModelInstance> instantiate() const override;
  bool readOnly(const Operation& op) const override { return op.kind == OpKind::kRead; }
  bool sameEffect(const Operation& a, const Operation& b) const override;
  std::string describe(const Operation& op) const override;

 private:
  Value initial_;
};

}  // namespace detcd::checkers

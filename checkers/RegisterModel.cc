#include "checkers/RegisterModel.h"

#include <stdexcept>

namespace detcd::checkers {

namespace {

class RegisterInstance : public ModelInstance {
 public:
  explicit RegisterInstance(const Value& initial) : initial_(initial) {}

  void prepare(const std::vector<Operation>& ops) override {
    ops_ = &ops;
    for (const Operation& op : ops) {
      argument_.push_back(states_.intern(op.argument));
      argument2_.push_back(states_.intern(op.argument2));
      result_.push_back(states_.intern(op.result));
    }
  }

  uint32_t initialState() override { return states_.intern(initial_); }

  uint32_t step(uint32_t state, uint32_t i) override {
    const Operation& op = (*ops_)[i];
    bool observed = op.outcome == Outcome::kOk;
    switch (op.kind) {
      case OpKind::kRead:
        return !observed || result_[i] == state ? state : kInvalidState;
      case OpKind::kWrite:
        return argument_[i];
      case OpKind::kCas:
        if (state == argument_[i]) return argument2_[i];
        return observed ? kInvalidState : state;  // an unknown cas may have failed its compare
      default:
        return kInvalidState;
    }
  }

  std::string describeState(uint32_t state) const override {
    return showValue(states_.get(state));
  }

  size_t bytes() const override { return states_.bytes() + 12 * result_.size(); }

 private:
  Value initial_;
  const std::vector<Operation>* ops_ = nullptr;
  Interner<Value> states_;  // a state is the register's value
  std::vector<uint32_t> argument_, argument2_, result_;  // per op, as state ids
};

}  // namespace

void RegisterModel::validate(const Operation& op) const {
  if (op.kind != OpKind::kRead && op.kind != OpKind::kWrite && op.kind != OpKind::kCas) {
    throw std::invalid_argument("line " + std::to_string(op.invokeLine) +
                                ": not a register operation (read, write, cas)");
  }
}

std::unique_ptr<ModelInstance> RegisterModel::instantiate() const {
  return std::make_unique<RegisterInstance>(initial_);
}

bool RegisterModel::sameEffect(const Operation& a, const Operation& b) const {
  return a.kind == b.kind && a.outcome == b.outcome && a.argument == b.argument &&
         a.argument2 == b.argument2 && a.result == b.result;
}

std::string RegisterModel::describe(const Operation& op) const {
  switch (op.kind) {
    case OpKind::kRead:
      return "read -> " + (op.outcome == Outcome::kOk ? showValue(op.result) : describeOutcome(op));
    case OpKind::kWrite:
      return "write(" + showValue(op.argument) + ") -> " + describeOutcome(op);
    case OpKind::kCas:
      return "cas(" + showValue(op.argument) + ", " + showValue(op.argument2) + ") -> " +
             describeOutcome(op);
    default:
      return "?";
  }
}

}  // namespace detcd::checkers

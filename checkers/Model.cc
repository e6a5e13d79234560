#include "checkers/Model.h"

#include "checkers/EtcdModel.h"
#include "checkers/KvModel.h"
#include "checkers/RegisterModel.h"

namespace detcd::checkers {

std::vector<std::vector<size_t>> Model::partition(const std::vector<Operation>& /*ops*/,
                                                  const std::vector<size_t>& taking) const {
  return {taking};
}

std::string Model::groupName(const std::vector<Operation>& /*ops*/,
                             const std::vector<size_t>& /*group*/) const {
  return "";
}

std::vector<Operation> Model::internalOperations(const std::vector<Operation>& /*ops*/) const {
  return {};
}

bool Model::readOnly(const Operation& /*op*/) const { return false; }

bool Model::sameEffect(const Operation& /*a*/, const Operation& /*b*/) const { return false; }

std::unique_ptr<Model> makeModel(std::string_view name, bool perKey) {
  if (name == "register") return std::make_unique<RegisterModel>();
  if (name == "kv") return std::make_unique<KvModel>(perKey);
  if (name == "etcd") return std::make_unique<EtcdModel>();
  return nullptr;
}

std::string showValue(const Value& value) { return value ? *value : "nil"; }

std::string describeOutcome(const Operation& op) {
  switch (op.outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kFail: return "fail";
    case Outcome::kInfo: return "unknown";
  }
  return "?";
}

}  // namespace detcd::checkers

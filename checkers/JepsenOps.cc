#include "checkers/JepsenOps.h"

#include <stdexcept>
#include <string>

namespace detcd::checkers {

Value jepsenValue(const EdnValue& value) {
  switch (value.type) {
    case EdnValue::Type::kNil: return std::nullopt;
    case EdnValue::Type::kInt: return std::to_string(value.integer);
    case EdnValue::Type::kString: return value.text;
    case EdnValue::Type::kKeyword: return ":" + value.text;
    case EdnValue::Type::kBool: return value.boolean ? "true" : "false";
    default: throw std::invalid_argument("value " + value.toString() + " is not a scalar");
  }
}

namespace {

std::string_view kindName(OpKind kind) {
  switch (kind) {
    case OpKind::kRead: return "read";
    case OpKind::kWrite: return "write";
    case OpKind::kCas: return "cas";
    case OpKind::kGet: return "get";
    case OpKind::kPut: return "put";
    case OpKind::kAppend: return "append";
    case OpKind::kEtcd: return "etcd";
  }
  return "?";
}

}  // namespace

void setJepsenInvocation(Operation& op, std::string_view f, const EdnValue& value,
                         const EdnValue* key) {
  bool kv = f == "get" || f == "put" || f == "append";
  if (kv) {
    if (key == nullptr) throw std::invalid_argument(":" + std::string(f) + " without :key");
    Value k = jepsenValue(*key);
    if (!k) throw std::invalid_argument(":key is nil");
    op.key = *k;
    op.kind = f == "get" ? OpKind::kGet : f == "put" ? OpKind::kPut : OpKind::kAppend;
    if (op.kind != OpKind::kGet) op.argument = jepsenValue(value);
    return;
  }
  if (key != nullptr) throw std::invalid_argument("register op :" + std::string(f) + " has a :key");
  if (f == "read") {
    op.kind = OpKind::kRead;
  } else if (f == "write") {
    op.kind = OpKind::kWrite;
    op.argument = jepsenValue(value);
  } else if (f == "cas") {
    if (value.type != EdnValue::Type::kVector || value.items.size() != 2) {
      throw std::invalid_argument(":cas value must be [old new], got " + value.toString());
    }
    op.kind = OpKind::kCas;
    op.argument = jepsenValue(value.items[0]);
    op.argument2 = jepsenValue(value.items[1]);
  } else {
    throw std::invalid_argument("unknown :f :" + std::string(f) +
                                " (expected read, write, cas, get, put or append)");
  }
}

void setJepsenResult(Operation& op, std::string_view f, const EdnValue& value,
                     const EdnValue* key) {
  if (f != kindName(op.kind)) {
    throw std::invalid_argument("completion :" + std::string(f) + " for a pending :" +
                                std::string(kindName(op.kind)));
  }
  if (key != nullptr && jepsenValue(*key) != Value(op.key)) {
    throw std::invalid_argument("completion for key " + key->toString() + " of a pending op on \"" +
                                op.key + "\"");
  }
  if (op.kind == OpKind::kRead || op.kind == OpKind::kGet) op.result = jepsenValue(value);
}

void addJepsenEvent(HistoryBuilder& builder, int64_t client, std::string_view type,
                    std::string_view f, const EdnValue& value, const EdnValue* key, int64_t line) {
  if (type == "invoke") {
    Operation op;
    op.client = client;
    op.invokeTime = line;
    op.invokeLine = line;
    setJepsenInvocation(op, f, value, key);
    builder.invoke(std::move(op));
  } else if (type == "ok" || type == "fail" || type == "info") {
    Outcome outcome = type == "ok"     ? Outcome::kOk
                      : type == "fail" ? Outcome::kFail
                                       : Outcome::kInfo;
    Operation& op = builder.complete(client, outcome, line, line);
    if (outcome == Outcome::kOk) setJepsenResult(op, f, value, key);
  } else {
    throw std::invalid_argument("unknown :type :" + std::string(type) +
                                " (expected invoke, ok, fail or info)");
  }
}

}  // namespace detcd::checkers

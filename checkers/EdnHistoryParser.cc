// Reads Jepsen EDN histories, one op map a line:
//   {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
// kv form (:get/:put/:append with :key) or register form (:read/:write/:cas).
// Ops of a non-integer process (:nemesis) are ignored.

#include <string>

#include "checkers/HistoryBuilder.h"
#include "checkers/JepsenOps.h"

namespace detcd::checkers {

History parseEdnHistory(const std::string& text) {
  HistoryBuilder builder;
  builder.readLines(text, [&](const std::string& line, int64_t lineNo) {
    EdnValue m = parseEdn(line);
    if (m.type != EdnValue::Type::kMap) throw std::invalid_argument("expected an op map {...}");
    const EdnValue* process = m.get("process");
    const EdnValue* type = m.get("type");
    const EdnValue* f = m.get("f");
    if (process == nullptr) throw std::invalid_argument("missing :process");
    if (process->type != EdnValue::Type::kInt) return;  // :nemesis and other actors
    if (type == nullptr || type->type != EdnValue::Type::kKeyword) {
      throw std::invalid_argument("missing or bad :type");
    }
    if (f == nullptr || f->type != EdnValue::Type::kKeyword) {
      throw std::invalid_argument("missing or bad :f");
    }
    static const EdnValue kNil;
    const EdnValue* value = m.get("value");
    if (value == nullptr) value = &kNil;
    if (type->text == "invoke") {
      Operation op;
      op.client = process->integer;
      op.invokeTime = lineNo;
      op.invokeLine = lineNo;
      setJepsenInvocation(op, f->text, *value, m.get("key"));
      builder.invoke(std::move(op));
    } else if (type->text == "ok" || type->text == "fail" || type->text == "info") {
      Outcome outcome = type->text == "ok" ? Outcome::kOk
                        : type->text == "fail" ? Outcome::kFail : Outcome::kInfo;
      Operation& op = builder.complete(process->integer, outcome, lineNo, lineNo);
      if (outcome == Outcome::kOk) setJepsenResult(op, f->text, *value, m.get("key"));
    } else {
      throw std::invalid_argument("unknown :type :" + type->text +
                                  " (expected invoke, ok, fail or info)");
    }
  });
  return builder.finish();
}

}  // namespace detcd::checkers

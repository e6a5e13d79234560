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
    addJepsenEvent(builder, process->integer, type->text, f->text, *value, m.get("key"), lineNo);
  });
  return builder.finish();
}

}  // namespace detcd::checkers

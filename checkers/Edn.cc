#include "checkers/Edn.h"

#include <cctype>
#include <charconv>

namespace detcd::checkers {

EdnError::EdnError(size_t offset, const std::string& what)
    : std::runtime_error("EDN at column " + std::to_string(offset + 1) + ": " + what),
      offset_(offset) {}

const EdnValue* EdnValue::get(std::string_view keyword) const {
  if (type != Type::kMap) return nullptr;
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    if (items[i].isKeyword(keyword)) return &items[i + 1];
  }
  return nullptr;
}

std::string EdnValue::toString() const {
  auto join = [this](const char* open, const char* close) {
    std::string s = open;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i != 0) s += ' ';
      s += items[i].toString();
    }
    s += close;
    return s;
  };
  switch (type) {
    case Type::kNil: return "nil";
    case Type::kBool: return boolean ? "true" : "false";
    case Type::kInt: return std::to_string(integer);
    case Type::kFloat: return text;
    case Type::kString: return "\"" + text + "\"";
    case Type::kKeyword: return ":" + text;
    case Type::kSymbol: return text;
    case Type::kList: return join("(", ")");
    case Type::kVector: return join("[", "]");
    case Type::kMap: return join("{", "}");
    case Type::kSet: return join("#{", "}");
  }
  return "?";
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  EdnValue readTop() {
    EdnValue v = read();
    skipSpace();
    if (pos_ != text_.size()) throw EdnError(pos_, "unexpected text after the value");
    return v;
  }

 private:
  static bool isDelimiter(char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '(' || c == ')' ||
           c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == ';';
  }

  void skipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
        ++pos_;
      } else if (c == ';') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  EdnValue read() {
    skipSpace();
    if (pos_ >= text_.size()) throw EdnError(pos_, "unexpected end of input");
    char c = text_[pos_];
    switch (c) {
      case '(': return readSeq(EdnValue::Type::kList, ')');
      case '[': return readSeq(EdnValue::Type::kVector, ']');
      case '{': {
        EdnValue m = readSeq(EdnValue::Type::kMap, '}');
        if (m.items.size() % 2 != 0) throw EdnError(pos_ - 1, "map with an odd number of forms");
        return m;
      }
      case ')': case ']': case '}': throw EdnError(pos_, std::string("unexpected '") + c + "'");
      case '"': return readString();
      case '#': return readDispatch();
      case ':': {
        ++pos_;
        EdnValue v;
        v.type = EdnValue::Type::kKeyword;
        v.text = readToken();
        if (v.text.empty()) throw EdnError(pos_, "empty keyword");
        return v;
      }
      default: return readAtom();
    }
  }

  EdnValue readSeq(EdnValue::Type type, char close) {
    ++pos_;
    EdnValue v;
    v.type = type;
    for (;;) {
      skipSpace();
      if (pos_ >= text_.size()) throw EdnError(pos_, std::string("missing '") + close + "'");
      if (text_[pos_] == close) {
        ++pos_;
        return v;
      }
      if (text_.substr(pos_, 2) == "#_") {
        pos_ += 2;
        read();
        continue;
      }
      v.items.push_back(read());
    }
  }

  EdnValue readString() {
    size_t start = pos_++;
    EdnValue v;
    v.type = EdnValue::Type::kString;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        char e = text_[pos_++];
        switch (e) {
          case 'n': v.text += '\n'; break;
          case 't': v.text += '\t'; break;
          case 'r': v.text += '\r'; break;
          case '"': v.text += '"'; break;
          case '\\': v.text += '\\'; break;
          default: throw EdnError(pos_ - 2, std::string("unknown string escape \\") + e);
        }
      } else {
        v.text += c;
      }
    }
    if (pos_ >= text_.size()) throw EdnError(start, "unterminated string");
    ++pos_;
    return v;
  }

  EdnValue readDispatch() {
    size_t start = pos_++;
    if (pos_ >= text_.size()) throw EdnError(start, "lone '#'");
    if (text_[pos_] == '{') {
      EdnValue s = readSeq(EdnValue::Type::kSet, '}');
      return s;
    }
    if (text_[pos_] == '_') {
      ++pos_;
      read();
      return read();
    }
    // A tagged element: #tag value. The tag carries no meaning for histories.
    if (readToken().empty()) throw EdnError(start, "bad dispatch after '#'");
    return read();
  }

  std::string readToken() {
    size_t start = pos_;
    while (pos_ < text_.size() && !isDelimiter(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  EdnValue readAtom() {
    size_t start = pos_;
    std::string tok = readToken();
    if (tok.empty()) throw EdnError(start, std::string("unexpected '") + text_[start] + "'");
    EdnValue v;
    if (tok == "nil") return v;
    if (tok == "true" || tok == "false") {
      v.type = EdnValue::Type::kBool;
      v.boolean = tok == "true";
      return v;
    }
    char c0 = tok[0];
    bool numeric = std::isdigit(static_cast<unsigned char>(c0)) ||
                   ((c0 == '-' || c0 == '+') && tok.size() > 1 &&
                    std::isdigit(static_cast<unsigned char>(tok[1])));
    if (!numeric) {
      v.type = EdnValue::Type::kSymbol;
      v.text = tok;
      return v;
    }
    std::string digits = tok;
    if (digits.back() == 'N') digits.pop_back();  // arbitrary-precision suffix
    if (digits[0] == '+') digits.erase(0, 1);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      v.type = EdnValue::Type::kInt;
      v.integer = n;
      return v;
    }
    if (digits.find_first_not_of("0123456789+-.eEM") == std::string::npos) {
      v.type = EdnValue::Type::kFloat;
      v.text = tok;
      return v;
    }
    throw EdnError(start, "bad number '" + tok + "'");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

EdnValue parseEdn(std::string_view text) { return Reader(text).readTop(); }

}  // namespace detcd::checkers

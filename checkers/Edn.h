#pragma once
// A reader for the subset of EDN (https://github.com/edn-format/edn) that Jepsen
// histories use: nil, booleans, integers, floats, strings, keywords, symbols,
// lists, vectors, maps, sets, comments, `#_` discard and tagged values (the tag
// is dropped, e.g. `#jepsen.history.Op{...}` reads as the map). No Debian
// package offers a C++ EDN reader, hence this small one.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace detcd::checkers {

/// One EDN value. Collections keep their elements in `items`; a map stores
/// key, value, key, value, ... in order.
struct EdnValue {
  enum class Type { kNil, kBool, kInt, kFloat, kString, kKeyword, kSymbol, kList, kVector,
                    kMap, kSet };
  Type type = Type::kNil;
  bool boolean = false;
  int64_t integer = 0;
  std::string text;  ///< string contents, keyword name without ':', symbol name, float text
  std::vector<EdnValue> items;

  bool isNil() const { return type == Type::kNil; }
  bool isKeyword(std::string_view name) const { return type == Type::kKeyword && text == name; }
  /// For a map: the value stored under keyword `name`, or nullptr.
  const EdnValue* get(std::string_view keyword) const;
  /// The value as EDN text (for error messages).
  std::string toString() const;
};

/// Malformed EDN; `offset` is the byte offset in the parsed text.
class EdnError : public std::runtime_error {
 public:
  EdnError(size_t offset, const std::string& what);
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

/// Parses exactly one EDN value (surrounding whitespace, commas and comments
/// allowed). Throws EdnError on malformed text or trailing content.
EdnValue parseEdn(std::string_view text);

}  // namespace detcd::checkers

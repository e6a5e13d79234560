#include "scenarios/Scenario.h"

#include <charconv>

namespace detcd::scenarios {

std::optional<std::uint64_t> memberIdOf(const std::string& name) {
  if (name.size() < 2 || name[0] != 'n' || name[1] == '0') return std::nullopt;
  std::uint64_t id = 0;
  const char* end = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(name.data() + 1, end, id);
  if (ec != std::errc() || ptr != end || id == 0) return std::nullopt;
  return id;
}

std::string memberName(std::uint64_t id) { return "n" + std::to_string(id); }

}  // namespace detcd::scenarios

#pragma once
// Escaping for the text that reports put into HTML, SVG and DOT.

#include <string>
#include <string_view>

namespace detcd::reports {

/// `text` with &, <, >, " and ' replaced by character references (HTML and XML text and
/// attribute values).
std::string escapeXml(std::string_view text);

/// `text` as a DOT quoted string, quotes included: " and \ escaped, newlines as \n (a centred
/// line break in a label).
std::string quoteDot(std::string_view text);

}  // namespace detcd::reports

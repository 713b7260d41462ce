// Escaping for HTML and XML: the five characters that carry markup become
// entity references, so text can go in element content and in quoted
// attribute values alike.
#pragma once

#include <string>
#include <string_view>

namespace fti::reports {

// `&`, `<`, `>`, `"`, `'` as entities; everything else unchanged. Untrusted
// text must pass through display_text first (XML 1.0 forbids most control
// characters even as references).
std::string escape_markup(std::string_view text);

}  // namespace fti::reports

// Untrusted text (tensor names from checkpoint headers, rule names from a
// pull request's policy, file names from a server) made safe to show in any
// report format: every byte that could end a line, fool the eye or be invalid
// in a format becomes a visible escape, so each renderer only has to add its
// own syntax escaping.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fti::reports {

// Keeps printable ASCII and valid UTF-8; writes `\\` for a backslash, `\xNN`
// for control bytes, DEL and bytes that are not valid UTF-8, and `\u{XXXX}`
// for code points that are invisible or reorder text (C1 controls, bidi
// controls, zero-width characters, line and paragraph separators, byte-order
// marks) or are not characters in XML 1.0 (U+FFFE, U+FFFF). Stops after
// `max_bytes` bytes of input with "...". The result is valid UTF-8 and valid
// XML 1.0 character data (before markup escaping).
std::string display_text(std::string_view text, std::size_t max_bytes = 200);

// The text unchanged except that bytes which are not valid UTF-8 become
// U+FFFD: what JSON can carry of a name, since its strings must be UTF-8.
std::string valid_utf8(std::string_view text);

}  // namespace fti::reports

#include "reports/display_text.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>

namespace fti::reports {
namespace {

struct Decoded {
  std::size_t length = 0;  // 0: not a valid UTF-8 sequence
  std::uint32_t code_point = 0;
};

Decoded decode_utf8(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(text[k])); };
  const std::uint32_t lead = byte(at);
  std::size_t length = 0;
  std::uint32_t code_point = 0, smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code_point = lead & 0x1Fu, smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code_point = lead & 0x0Fu, smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code_point = lead & 0x07u, smallest = 0x10000;
  } else {
    return {};
  }
  if (at + length > text.size()) return {};
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(at + k) & 0xC0u) != 0x80u) return {};
    code_point = (code_point << 6) | (byte(at + k) & 0x3Fu);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if (code_point < smallest || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return {};
  return {length, code_point};
}

// Code points that are valid UTF-8 but would hide, reorder or break what a
// reader sees, or that XML 1.0 does not allow.
bool deceptive(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F)                    // C1 controls
         || cp == 0x061C                              // Arabic letter mark
         || (cp >= 0x200B && cp <= 0x200F)            // zero-width, LRM, RLM
         || (cp >= 0x2028 && cp <= 0x202E)            // line/paragraph separators, bidi embeddings
         || (cp >= 0x2060 && cp <= 0x2069)            // word joiner, invisible operators, bidi isolates
         || cp == 0xFEFF                              // byte-order mark
         || cp == 0xFFFE || cp == 0xFFFF;             // not characters in XML 1.0
}

}  // namespace

std::string display_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  for (std::size_t i = 0; i < text.size();) {
    if (i >= max_bytes) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '\\') out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const Decoded decoded = c >= 0x80 ? decode_utf8(text, i) : Decoded{};
    if (decoded.length == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else if (deceptive(decoded.code_point)) {
      out += fmt::format("\\u{{{:04x}}}", decoded.code_point);
      i += decoded.length;
    } else {
      out.append(text.substr(i, decoded.length));
      i += decoded.length;
    }
  }
  return out;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80 ? 1 : decode_utf8(text, i).length;
    if (length == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace fti::reports

#include "policy/yaml_values.h"

#include <algorithm>
#include <iterator>

#include "engine/common/text.h"
#include "policy/policy_number.h"

namespace fti::policy {

bool valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    std::uint32_t cp = c;
    std::uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

YamlValues::YamlValues(std::string_view text, DiagnosticList& diagnostics) : text_(text), diagnostics_(diagnostics) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

void YamlValues::error(SourceLocation at, std::string message, std::string hint) {
  diagnostics_.error(at, std::move(message), std::move(hint));
}

SourceLocation YamlValues::where(const Entry& e) {
  return e.value->is_null() || !e.value->location.known() ? e.key->location : e.value->location;
}

std::string YamlValues::describe(const YamlNode& v) {
  if (!v.is_scalar()) return std::string(yaml_kind_name(v));
  if (v.quoted) return "quoted text";
  return v.text.size() <= 40 ? quote_untrusted(v.text) : "text";
}

SourceLocation YamlValues::inside_scalar(const YamlNode& node, std::size_t offset) const {
  const SourceLocation at = node.location;
  if (!at.known() || at.line > line_starts_.size()) return at;
  std::size_t raw = line_starts_[at.line - 1] + at.column - 1;
  if (raw >= text_.size()) return at;
  const std::size_t start = raw;
  const char opening = text_[raw];
  // Block scalars, and nodes whose position is their anchor or tag.
  if (opening == '|' || opening == '>' || opening == '&' || opening == '!') return at;
  const bool single = opening == '\'';
  const bool dbl = opening == '"';
  if (single || dbl) ++raw;
  for (std::size_t k = 0; k < offset; ++k) {
    if (raw >= text_.size() || text_[raw] == '\n') return at;
    if (dbl && (text_[raw] == '\\' || text_[raw] == '"')) return at;
    if (single && text_[raw] == '\'') {
      if (raw + 1 < text_.size() && text_[raw + 1] == '\'') {  // '' is one quote
        raw += 2;
        continue;
      }
      return at;
    }
    ++raw;
  }
  return {at.line, at.column + static_cast<std::uint32_t>(raw - start)};
}

std::size_t YamlValues::check_keys(const YamlNode& map, Keys allowed, std::string_view context,
                                   std::span<const KeyHint> hints) {
  std::size_t unknown = 0;
  for (const Entry& e : map.entries) {
    const std::string& key = e.key->text;
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    ++unknown;
    std::string hint;
    for (const KeyHint& h : hints) {
      if (!h.key.empty() && h.key == key) hint = h.hint;
    }
    if (hint.empty()) {
      const std::string_view close = closest_spelling(key, allowed);
      hint = close.empty() ? "expected " + join_alternatives(allowed) : "did you mean \"" + std::string(close) + "\"?";
    }
    error(e.key->location, "unknown key " + quote_untrusted(key) + " in " + std::string(context), hint);
  }
  return unknown;
}

const YamlNode* YamlValues::mapping(const Entry& e, std::string_view what, std::string hint) {
  if (e.value->is_map()) return e.value.get();
  error(where(e), std::string(what) + " must be a mapping, not " + std::string(yaml_kind_name(*e.value)),
        std::move(hint));
  return nullptr;
}

bool YamlValues::usable_text(const YamlNode& node, std::string_view what, std::size_t max_bytes) {
  if (!node.is_scalar()) {
    error(node.location, std::string(what) + " must be text, not " + std::string(yaml_kind_name(node)));
    return false;
  }
  if (node.text.empty()) {
    error(node.location, std::string(what) + " is empty");
    return false;
  }
  if (node.text.size() > max_bytes) {
    error(node.location, std::string(what) + " is longer than " + std::to_string(max_bytes) + " bytes");
    return false;
  }
  if (has_control_chars(node.text) || !valid_utf8(node.text)) {
    error(node.location, std::string(what) + " contains control characters or bytes that are not UTF-8");
    return false;
  }
  return true;
}

std::optional<std::string> YamlValues::text(const Entry& e, std::string_view what, std::size_t max_bytes) {
  if (e.value->is_null()) {
    error(where(e), std::string(what) + " is empty");
    return std::nullopt;
  }
  if (!usable_text(*e.value, what, max_bytes)) return std::nullopt;
  return e.value->text;
}

std::optional<bool> YamlValues::flag(const Entry& e) {
  const YamlNode& v = *e.value;
  const std::string& key = key_of(e);
  if (v.is_scalar() && !v.quoted) {
    if (v.text == "true" || v.text == "True" || v.text == "TRUE") return true;
    if (v.text == "false" || v.text == "False" || v.text == "FALSE") return false;
    static constexpr std::string_view kYaml11[] = {"yes", "Yes", "YES", "no", "No", "NO", "on", "On",
                                                   "ON",  "off", "Off", "OFF", "y", "Y", "n", "N"};
    if (std::find(std::begin(kYaml11), std::end(kYaml11), v.text) != std::end(kYaml11)) {
      error(where(e), key + " must be true or false", "YAML 1.1 spellings such as yes or on are not accepted");
      return std::nullopt;
    }
  }
  error(where(e), key + " must be true or false, not " + describe(v), v.quoted ? "remove the quotes" : std::string());
  return std::nullopt;
}

std::optional<double> YamlValues::number(const Entry& e, bool allow_percent) {
  const YamlNode& v = *e.value;
  const std::string& key = key_of(e);
  if (!v.is_scalar() || v.quoted) {
    error(where(e), key + " must be a number, not " + describe(v), v.quoted ? "remove the quotes" : std::string());
    return std::nullopt;
  }
  const DecimalResult r = parse_decimal(v.text, allow_percent);
  if (!r.value) {
    error(where(e), key + " " + r.error, r.hint);
    return std::nullopt;
  }
  return r.value;
}

std::optional<double> YamlValues::positive(const Entry& e, bool allow_percent, std::string zero_hint) {
  const std::optional<double> value = number(e, allow_percent);
  if (value && *value <= 0) {
    error(where(e), key_of(e) + " must be greater than 0", std::move(zero_hint));
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlValues::fraction(const Entry& e) {
  const std::optional<double> value = number(e, true);
  if (value && *value > 1) {
    error(where(e), key_of(e) + " is a fraction and must be between 0 and 1 (or 0% and 100%)");
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> YamlValues::whole(const Entry& e) {
  const YamlNode& v = *e.value;
  const std::string& key = key_of(e);
  if (!v.is_scalar() || v.quoted) {
    error(where(e), key + " must be a whole number, not " + describe(v), v.quoted ? "remove the quotes" : std::string());
    return std::nullopt;
  }
  const WholeResult r = parse_whole(v.text);
  if (!r.value) {
    error(where(e), key + " " + r.error, r.hint);
    return std::nullopt;
  }
  return r.value;
}

}  // namespace fti::policy

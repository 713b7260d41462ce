// Numbers in a policy: bounds are decimals ("0.004", "5e-3", and "0.4%" where
// a fraction or a relative bound is expected), counts and ranks are whole
// numbers. Parsing is exact-to-the-double: "0.4%" and "0.004" give the same
// double because the percent sign shifts the decimal exponent of the text,
// never divides, so equivalent spellings canonicalize (and digest) alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fti::policy {

// Errors read after the key: "max_abs " + error, e.g. "max_abs must be a number, not \"x\"".
struct DecimalResult {
  std::optional<double> value;  // finite, >= 0
  bool percent = false;
  std::string error;  // when !value
  std::string hint;
};

DecimalResult parse_decimal(std::string_view text, bool allow_percent);

struct WholeResult {
  std::optional<std::uint64_t> value;
  std::string error;
  std::string hint;
};

WholeResult parse_whole(std::string_view text);

// The shortest decimal that reads back as the same double (std::to_chars).
std::string format_decimal(double value);

}  // namespace fti::policy

#include "policy/policy_number.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace fti::policy {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t digits_from(std::string_view s, std::size_t at) {
  std::size_t n = 0;
  while (at + n < s.size() && is_digit(s[at + n])) ++n;
  return n;
}

}  // namespace

DecimalResult parse_decimal(std::string_view text, bool allow_percent) {
  DecimalResult r;
  std::string_view body = text;
  if (!body.empty() && body.back() == '%') {
    if (!allow_percent) {
      r.error = "cannot be a percentage";
      r.hint = "percentages are for fractions and relative bounds; write an absolute value";
      return r;
    }
    r.percent = true;
    body.remove_suffix(1);
  }
  if (!body.empty() && body.front() == '-') {
    r.error = "must be greater than 0, not negative";
    return r;
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF" || body == ".nan" || body == ".NaN" || body == ".NAN" ||
      body == "inf" || body == "nan") {
    r.error = "must be a finite number";
    return r;
  }
  // mantissa: digits [. digits] | . digits ; then optional exponent
  const std::size_t int_digits = digits_from(body, 0);
  std::size_t at = int_digits;
  std::size_t frac_digits = 0;
  if (at < body.size() && body[at] == '.') {
    frac_digits = digits_from(body, at + 1);
    at += 1 + frac_digits;
  }
  long exponent = 0;
  const std::size_t mantissa_end = at;
  if (at < body.size() && (body[at] == 'e' || body[at] == 'E')) {
    std::size_t e = at + 1;
    bool negative = false;
    if (e < body.size() && (body[e] == '+' || body[e] == '-')) negative = body[e++] == '-';
    const std::size_t n = digits_from(body, e);
    if (n == 0) at = std::string_view::npos;  // "1e" is not a number
    else if (n > 5) {
      r.error = "has an exponent out of range";
      return r;
    } else {
      for (std::size_t i = 0; i < n; ++i) exponent = exponent * 10 + (body[e + i] - '0');
      if (negative) exponent = -exponent;
      at = e + n;
    }
  }
  if (int_digits + frac_digits == 0 || at != body.size()) {
    r.error = "must be a number, not " + std::string(text.size() > 40 ? "text" : "\"" + std::string(text) + "\"");
    r.hint = allow_percent ? "write a decimal such as 0.01, 1e-3 or 1%" : "write a decimal such as 0.5 or 1e-3";
    return r;
  }
  if (int_digits > 1 && body[0] == '0') {
    r.error = "must be written without leading zeros";
    r.hint = "YAML 1.1 reads 010 as octal 8; write 10 or 8";
    return r;
  }
  if (r.percent) exponent -= 2;
  const std::string normalized = std::string(body.substr(0, mantissa_end)) + "e" + std::to_string(exponent);
  double value = 0;
  const auto [end, ec] = std::from_chars(normalized.data(), normalized.data() + normalized.size(), value);
  if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
    r.error = "is out of range";
    return r;
  }
  if (ec != std::errc() || end != normalized.data() + normalized.size()) {
    r.error = "must be a number";
    return r;
  }
  r.value = value;
  return r;
}

WholeResult parse_whole(std::string_view text) {
  WholeResult r;
  if (!text.empty() && text.front() == '-') {
    r.error = "must not be negative";
    return r;
  }
  if (text.empty() || digits_from(text, 0) != text.size()) {
    r.error = "must be a whole number";
    r.hint = "write digits only, e.g. 16";
    return r;
  }
  if (text.size() > 1 && text[0] == '0') {
    r.error = "must be written without leading zeros";
    r.hint = "YAML 1.1 reads 010 as octal 8; write 10 or 8";
    return r;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    r.error = "is too large";
    return r;
  }
  r.value = value;
  return r;
}

std::string format_decimal(double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

}  // namespace fti::policy

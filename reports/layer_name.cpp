#include "reports/layer_name.h"

#include <charconv>

namespace fti::reports {
namespace {

bool all_digits(std::string_view segment) {
  if (segment.empty()) return false;
  for (const char c : segment) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

LayerName parse_layer_name(std::string_view name) {
  LayerName out;
  out.module = std::string(name);
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = name.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? name.size() : dot;
    const std::string_view segment = name.substr(start, end - start);
    if (all_digits(segment)) {
      // An index needs a module after it ("params.0" is a list, not a layer)
      // and must fit in 64 bits.
      std::uint64_t index = 0;
      const auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (dot == std::string_view::npos || dot + 1 >= name.size() || ec != std::errc() ||
          ptr != segment.data() + segment.size()) {
        return out;
      }
      out.in_layer = true;
      out.stack = std::string(name.substr(0, start == 0 ? 0 : start - 1));
      out.index = index;
      out.module = std::string(name.substr(dot + 1));
      return out;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      // Compare the digit runs by value: skip leading zeros, then length, then digits.
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      std::size_t i_first = i, j_first = j;
      while (i_first + 1 < i_end && a[i_first] == '0') ++i_first;
      while (j_first + 1 < j_end && b[j_first] == '0') ++j_first;
      const std::string_view x = a.substr(i_first, i_end - i_first), y = b.substr(j_first, j_end - j_first);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end, j = j_end;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i, ++j;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace fti::reports

// Small text helpers: character classes for validating untrusted names
// (tensor names, archive entries, shard file names, header values), and byte
// counts for people.
#pragma once

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>

namespace fti {

// A C0 control character or DEL.
constexpr bool is_control_char(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

inline bool has_control_chars(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), is_control_char);
}

// "1.5 GiB", "12.0 KiB", "512 B": binary units, one decimal above bytes.
inline std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (bytes >= 1024.0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

}  // namespace fti

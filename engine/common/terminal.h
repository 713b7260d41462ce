// Terminal output: whether a stream is a terminal, whether colour is wanted
// (https://no-color.org), and the few escape sequences fti writes. Every
// escape byte fti prints comes from here, so no path can colour a pipe or a
// file.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>

#include "engine/common/env.h"

namespace fti {

// Moves to the start of the line and erases it (progress lines redraw in place).
inline constexpr std::string_view kRedrawLine = "\r\x1b[K";

enum class Colour : unsigned char { kRed, kGreen, kYellow, kBold };

inline bool is_terminal(int fd) noexcept { return ::isatty(fd) == 1; }

// Colour only on a terminal, and never when NO_COLOR has a non-empty value
// or the terminal says it cannot show it (TERM=dumb).
inline bool colour_wanted(int fd) {
  return is_terminal(fd) && env_or_empty("NO_COLOR").empty() && env_or_empty("TERM") != "dumb";
}

// `text` in `colour` when `enabled`, else `text` unchanged.
inline std::string paint(std::string_view text, Colour colour, bool enabled) {
  if (!enabled) return std::string(text);
  std::string_view start = "\x1b[1m";
  switch (colour) {
    case Colour::kRed: start = "\x1b[1;31m"; break;
    case Colour::kGreen: start = "\x1b[1;32m"; break;
    case Colour::kYellow: start = "\x1b[1;33m"; break;
    case Colour::kBold: break;
  }
  std::string out(start);
  out += text;
  out += "\x1b[0m";
  return out;
}

}  // namespace fti

// Globs over dot-separated tensor names.
//
//   *        any run of characters within one segment (never a '.')
//   ?        one character other than '.'
//   [a-z0-9] one character from a class; [!...] or [^...] negates; never '.'
//   **       a whole segment: zero or more segments ("a.**.b" matches a.b, a.x.b, a.x.y.b)
//   {a,b,}   alternatives (each may hold wildcards, dots and nested braces; may be empty)
//   {0..15}  a decimal number in the range, spelled without leading zeros
//   \c       the character c itself
//
// A glob matches a whole name. It is compiled to an RE2 expression, so
// matching is linear in the name whatever the pattern, and to an automaton
// for the "can this rule ever match" analysis (glob_automaton.h).
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/error.h"

namespace fti::policy {

// A glob or regular expression that does not compile. offset() is the byte
// in the pattern text the problem starts at.
class PatternError : public Error {
 public:
  PatternError(std::size_t offset, const std::string& message, std::string hint = {})
      : Error(ErrorCode::kPolicy, message), offset_(offset), hint_(std::move(hint)) {}
  std::size_t offset() const noexcept { return offset_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::size_t offset_;
  std::string hint_;
};

struct GlobElement;
using GlobSequence = std::vector<GlobElement>;

struct GlobElement {
  enum class Kind : std::uint8_t {
    kByte,          // one character: a literal, ?, or a class
    kSegmentRun,    // *: zero or more bytes other than '.'
    kAnything,      // ** as the whole pattern
    kLeadingStar,   // "**." : nothing, or anything that ends with '.'
    kTrailingStar,  // ".**" : nothing, or '.' followed by anything
    kAlternatives,  // {a,b}
    kRange,         // {lo..hi}
  };
  enum class Form : std::uint8_t { kLiteral, kAnyInSegment, kClass, kNegatedClass };
  Kind kind = Kind::kByte;
  Form form = Form::kLiteral;  // kByte
  char literal = 0;            // kByte, kLiteral
  std::bitset<128> members;    // kByte classes: the ASCII characters written between [ ]
  std::bitset<256> bytes;      // kByte: the bytes it matches (for the automaton)
  std::vector<GlobSequence> alternatives;  // kAlternatives
  std::uint64_t lo = 0, hi = 0;            // kRange
};

struct GlobLimits {
  std::size_t max_length = 1024;
  std::size_t max_brace_depth = 8;
  std::uint64_t max_range_value = 999'999'999;
};

class Glob {
 public:
  // Throws PatternError.
  static Glob parse(std::string_view text, const GlobLimits& limits = {});

  const std::string& text() const noexcept { return text_; }
  const GlobSequence& elements() const noexcept { return elements_; }
  // Full-match RE2 syntax.
  std::string to_regex() const;
  // True when the glob has no wildcards: it matches exactly literal().
  bool is_literal() const noexcept { return literal_.has_value(); }
  const std::string& literal() const { return literal_.value(); }

 private:
  std::string text_;
  GlobSequence elements_;
  std::optional<std::string> literal_;
};

}  // namespace fti::policy

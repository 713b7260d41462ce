// One pattern of a match after groups are expanded: a glob or a regular
// expression, and how the matcher runs it (a glob without wildcards is an
// exact name, looked up rather than scanned).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/name_matcher.h"

namespace fti::policy {

enum class PatternKind : std::uint8_t { kGlob, kRegex };

struct Pattern {
  PatternKind kind = PatternKind::kGlob;
  std::string text;
  auto operator<=>(const Pattern&) const = default;
};

// Throws PatternError for a glob that does not parse.
MatcherPattern to_matcher_pattern(const Pattern& pattern);
std::vector<MatcherPattern> to_matcher_patterns(const std::vector<Pattern>& patterns);

}  // namespace fti::policy

#include "policy/pattern.h"

#include "policy/glob.h"

namespace fti::policy {

MatcherPattern to_matcher_pattern(const Pattern& pattern) {
  if (pattern.kind == PatternKind::kRegex) return {false, pattern.text};
  const Glob glob = Glob::parse(pattern.text);
  if (glob.is_literal()) return {true, glob.literal()};
  return {false, glob.to_regex()};
}

std::vector<MatcherPattern> to_matcher_patterns(const std::vector<Pattern>& patterns) {
  std::vector<MatcherPattern> out;
  out.reserve(patterns.size());
  for (const Pattern& p : patterns) out.push_back(to_matcher_pattern(p));
  return out;
}

}  // namespace fti::policy

// "This rule can never match": with first-match-wins, a rule whose every
// possible tensor name is already matched by earlier rules is dead, which is
// almost always an ordering mistake (a broad rule above a narrow one).
#pragma once

#include <cstdint>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/policy.h"

namespace fti::policy {

// Warnings for rules that earlier rules cover completely. Exact for globs
// (automaton inclusion) and for literal names against any earlier pattern;
// a regex is only known to be covered by the same regex earlier. The
// analysis stops quietly when `budget` (automaton steps) runs out, so it
// never reports a rule it has not proven dead.
std::vector<Diagnostic> shadowed_rule_warnings(const std::vector<Rule>& rules, std::uint64_t budget = 2'000'000);

}  // namespace fti::policy

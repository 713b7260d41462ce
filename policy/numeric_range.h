// Decimal ranges as digit patterns: {8..123} in a glob becomes
// 8|9|[1-9][0-9]|1[0-1][0-9]|12[0-3], so the range costs a few states in a
// regular expression instead of one alternative per number.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fti::policy {

// One alternative: a fixed-length run of digit intervals ('1','1'),('0','9').
using DigitRun = std::vector<std::pair<char, char>>;

// Alternatives that match exactly the decimal spellings (no sign, no leading
// zeros) of the numbers lo..hi. Requires lo <= hi.
std::vector<DigitRun> decimal_range_runs(std::uint64_t lo, std::uint64_t hi);

// The same as an RE2 group "(?:...)".
std::string decimal_range_regex(std::uint64_t lo, std::uint64_t hi);

}  // namespace fti::policy

#include "policy/numeric_range.h"

#include <algorithm>

namespace fti::policy {

namespace {

bool all_of_digit(const std::string& s, std::size_t from, char digit) {
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(), [&](char c) { return c == digit; });
}

// a and b have the same length and a <= b; appends runs covering a..b.
void same_length_runs(const std::string& a, const std::string& b, std::size_t at, DigitRun prefix,
                      std::vector<DigitRun>& out) {
  if (at == a.size()) {
    out.push_back(std::move(prefix));
    return;
  }
  if (a[at] == b[at]) {
    prefix.emplace_back(a[at], a[at]);
    same_length_runs(a, b, at + 1, std::move(prefix), out);
    return;
  }
  const std::size_t rest = a.size() - at - 1;
  char first = a[at];
  char last = b[at];
  if (!all_of_digit(a, at + 1, '0')) {  // a[at] followed by a's tail .. 99..9
    DigitRun low = prefix;
    low.emplace_back(a[at], a[at]);
    same_length_runs(a, a.substr(0, at + 1) + std::string(rest, '9'), at + 1, std::move(low), out);
    ++first;
  }
  const bool high_partial = !all_of_digit(b, at + 1, '9');
  if (high_partial) --last;
  if (first <= last) {  // whole blocks: [first-last] followed by any digits
    DigitRun middle = prefix;
    middle.emplace_back(first, last);
    for (std::size_t i = 0; i < rest; ++i) middle.emplace_back('0', '9');
    out.push_back(std::move(middle));
  }
  if (high_partial) {  // b[at] followed by 00..0 .. b's tail
    DigitRun high = std::move(prefix);
    high.emplace_back(b[at], b[at]);
    same_length_runs(b.substr(0, at + 1) + std::string(rest, '0'), b, at + 1, std::move(high), out);
  }
}

}  // namespace

std::vector<DigitRun> decimal_range_runs(std::uint64_t lo, std::uint64_t hi) {
  std::vector<DigitRun> out;
  // Split by number of digits, then each part has a fixed length.
  std::uint64_t start = lo;
  while (start <= hi) {
    const std::string s = std::to_string(start);
    std::uint64_t length_end = 9;  // largest number with as many digits as `start`
    for (std::size_t i = 1; i < s.size(); ++i) length_end = length_end * 10 + 9;
    const std::uint64_t end = std::min(hi, length_end);
    same_length_runs(s, std::to_string(end), 0, {}, out);
    if (end == hi) break;
    start = end + 1;
  }
  return out;
}

std::string decimal_range_regex(std::uint64_t lo, std::uint64_t hi) {
  std::string out = "(?:";
  bool first_run = true;
  for (const DigitRun& run : decimal_range_runs(lo, hi)) {
    if (!first_run) out += '|';
    first_run = false;
    for (const auto& [a, b] : run) {
      if (a == b) {
        out += a;
      } else {
        out += '[';
        out += a;
        out += '-';
        out += b;
        out += ']';
      }
    }
  }
  return out + ")";
}

}  // namespace fti::policy

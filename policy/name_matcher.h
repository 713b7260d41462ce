// Matches tensor names against many pattern sets at once.
//
// Each set (a rule's match, a budget's `over`, a group) is a union of
// patterns: exact names, looked up in a hash table, and regular expressions
// in RE2 syntax (globs are translated first). All expressions go into one
// RE2::Set, so a name is scanned once whatever the number of rules, in time
// linear in the name: a policy cannot make the gate hang, and a policy with
// a rule per tensor costs a hash lookup per name. Should the set's DFA run
// out of memory on some name, the sets are tried one by one with their own
// RE2 objects, with the same result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace re2 {
class RE2;
}

namespace fti::policy {

struct MatcherPattern {
  bool exact = false;  // text is a name to match exactly; otherwise a full-match RE2 expression
  std::string text;
};

struct NameMatcherOptions {
  bool use_set = true;                     // false: always one by one (tests compare the two)
  std::int64_t set_max_mem = 64 << 20;     // RE2::Set program and DFA memory
  std::int64_t pattern_max_mem = 8 << 20;  // per set's own RE2
};

class NameMatcher {
 public:
  NameMatcher();  // matches nothing
  // Each inner vector is one set; an empty set matches nothing. Throws
  // Error(kPolicy) when an expression does not compile.
  explicit NameMatcher(const std::vector<std::vector<MatcherPattern>>& sets, NameMatcherOptions options = {});
  ~NameMatcher();
  NameMatcher(NameMatcher&&) noexcept;
  NameMatcher& operator=(NameMatcher&&) noexcept;
  NameMatcher(const NameMatcher&) = delete;
  NameMatcher& operator=(const NameMatcher&) = delete;

  std::size_t size() const noexcept { return size_; }
  // The lowest-numbered set that matches, or nullopt.
  std::optional<std::size_t> first(std::string_view name) const;
  // Every set that matches, ascending.
  std::vector<std::size_t> all(std::string_view name) const;
  bool matches(std::size_t set, std::string_view name) const;

 private:
  struct SetImpl;
  const std::vector<std::size_t>* exact_sets(std::string_view name) const;  // ascending, or nullptr
  bool regex_matches(std::size_t set, std::string_view name) const;
  std::vector<std::size_t> regex_all(std::string_view name) const;

  std::size_t size_ = 0;
  std::unordered_map<std::string, std::vector<std::size_t>> exact_;
  std::vector<std::unique_ptr<re2::RE2>> singles_;  // per set, its expressions; nullptr when it has none
  std::unique_ptr<SetImpl> set_;                     // nullptr: not used
};

// What compiling one expression costs, to check a pattern before use.
struct RegexCheck {
  std::optional<std::string> error;  // RE2's message when it does not compile
  std::int64_t program_size = 0;     // RE2 instructions, when it does
};

// One pattern may use at most this much RE2 memory (program and DFA); a
// policy's patterns together are limited by instruction count instead
// (policy_parser.cpp), so a hostile policy cannot make the gate allocate
// gigabytes of automata.
inline constexpr std::int64_t kPatternMaxMem = 1 << 20;

RegexCheck check_regex(const std::string& pattern, std::int64_t max_mem = kPatternMaxMem);

}  // namespace fti::policy

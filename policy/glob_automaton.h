// Finite automata for globs, to decide whether one set of globs covers
// another: "can this rule ever match, or does an earlier rule take every name
// it would?". Language inclusion is exact here, but the subset construction is
// bounded by a step budget, so a pathological policy gets "unknown" instead
// of a long wait.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "policy/glob.h"

namespace fti::policy {

// An epsilon-NFA over bytes accepting the union of some globs.
class GlobAutomaton {
 public:
  explicit GlobAutomaton(std::span<const Glob* const> globs);

  struct Edge {
    std::uint32_t set;  // index into byte_sets()
    std::uint32_t target;
  };
  struct State {
    std::vector<Edge> edges;
    std::vector<std::uint32_t> epsilon;
    bool accepting = false;
  };

  std::uint32_t start() const noexcept { return 0; }
  const std::vector<State>& states() const noexcept { return states_; }
  const std::vector<std::bitset<256>>& byte_sets() const noexcept { return byte_sets_; }

 private:
  std::uint32_t add_state();
  std::uint32_t set_index(const std::bitset<256>& set);
  void add_edge(std::uint32_t from, const std::bitset<256>& set, std::uint32_t to);
  std::uint32_t build(const GlobSequence& seq, std::uint32_t from);
  std::uint32_t build(const GlobElement& element, std::uint32_t from);

  std::vector<State> states_;
  std::vector<std::bitset<256>> byte_sets_;
};

enum class Inclusion : std::uint8_t { kIncluded, kNotIncluded, kUnknown };

// Whether every name `inner` accepts is accepted by `outer`. Each step of the
// product construction costs `budget` the number of states it advances; when
// the budget runs out the answer is kUnknown.
Inclusion automaton_includes(const GlobAutomaton& outer, const GlobAutomaton& inner, std::uint64_t& budget);

}  // namespace fti::policy

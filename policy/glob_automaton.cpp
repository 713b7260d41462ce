#include "policy/glob_automaton.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <utility>

#include "policy/numeric_range.h"

namespace fti::policy {

namespace {

std::bitset<256> single(char c) {
  std::bitset<256> set;
  set.set(static_cast<unsigned char>(c));
  return set;
}

std::bitset<256> everything() {
  std::bitset<256> set;
  set.set();
  return set;
}

std::bitset<256> not_dot() {
  std::bitset<256> set = everything();
  set.reset('.');
  return set;
}

std::bitset<256> digits(char lo, char hi) {
  std::bitset<256> set;
  for (char c = lo; c <= hi; ++c) set.set(static_cast<unsigned char>(c));
  return set;
}

}  // namespace

GlobAutomaton::GlobAutomaton(std::span<const Glob* const> globs) {
  const std::uint32_t start = add_state();
  for (const Glob* glob : globs) {
    const std::uint32_t entry = add_state();
    states_[start].epsilon.push_back(entry);
    states_[build(glob->elements(), entry)].accepting = true;
  }
}

std::uint32_t GlobAutomaton::add_state() {
  states_.emplace_back();
  return static_cast<std::uint32_t>(states_.size() - 1);
}

std::uint32_t GlobAutomaton::set_index(const std::bitset<256>& set) {
  const auto it = std::find(byte_sets_.begin(), byte_sets_.end(), set);
  if (it != byte_sets_.end()) return static_cast<std::uint32_t>(it - byte_sets_.begin());
  byte_sets_.push_back(set);
  return static_cast<std::uint32_t>(byte_sets_.size() - 1);
}

void GlobAutomaton::add_edge(std::uint32_t from, const std::bitset<256>& set, std::uint32_t to) {
  const std::uint32_t index = set_index(set);
  states_[from].edges.push_back({index, to});
}

std::uint32_t GlobAutomaton::build(const GlobSequence& seq, std::uint32_t from) {
  std::uint32_t at = from;
  for (const GlobElement& e : seq) at = build(e, at);
  return at;
}

std::uint32_t GlobAutomaton::build(const GlobElement& e, std::uint32_t from) {
  const std::uint32_t to = add_state();
  switch (e.kind) {
    case GlobElement::Kind::kByte:
      add_edge(from, e.bytes, to);
      break;
    case GlobElement::Kind::kSegmentRun:
      states_[from].epsilon.push_back(to);
      add_edge(to, not_dot(), to);
      break;
    case GlobElement::Kind::kAnything:
      states_[from].epsilon.push_back(to);
      add_edge(to, everything(), to);
      break;
    case GlobElement::Kind::kLeadingStar: {  // nothing | .*\.
      states_[from].epsilon.push_back(to);
      const std::uint32_t loop = add_state();
      states_[from].epsilon.push_back(loop);
      add_edge(loop, everything(), loop);
      add_edge(loop, single('.'), to);
      break;
    }
    case GlobElement::Kind::kTrailingStar: {  // nothing | \..*
      states_[from].epsilon.push_back(to);
      const std::uint32_t loop = add_state();
      add_edge(from, single('.'), loop);
      add_edge(loop, everything(), loop);
      states_[loop].epsilon.push_back(to);
      break;
    }
    case GlobElement::Kind::kAlternatives:
      for (const GlobSequence& alternative : e.alternatives) {
        const std::uint32_t entry = add_state();
        states_[from].epsilon.push_back(entry);
        const std::uint32_t exit = build(alternative, entry);
        states_[exit].epsilon.push_back(to);
      }
      break;
    case GlobElement::Kind::kRange:
      for (const DigitRun& run : decimal_range_runs(e.lo, e.hi)) {
        std::uint32_t at = add_state();
        states_[from].epsilon.push_back(at);
        for (const auto& [lo, hi] : run) {
          const std::uint32_t next = add_state();
          add_edge(at, digits(lo, hi), next);
          at = next;
        }
        states_[at].epsilon.push_back(to);
      }
      break;
  }
  return to;
}

namespace {

using StateSet = std::vector<std::uint32_t>;  // sorted

StateSet closure(const GlobAutomaton& a, StateSet states) {
  std::vector<bool> seen(a.states().size());
  std::vector<std::uint32_t> stack = states;
  for (std::uint32_t s : states) seen[s] = true;
  while (!stack.empty()) {
    const std::uint32_t s = stack.back();
    stack.pop_back();
    for (std::uint32_t t : a.states()[s].epsilon) {
      if (!seen[t]) {
        seen[t] = true;
        states.push_back(t);
        stack.push_back(t);
      }
    }
  }
  std::sort(states.begin(), states.end());
  return states;
}

StateSet step(const GlobAutomaton& a, const StateSet& from, unsigned char byte) {
  StateSet next;
  for (std::uint32_t s : from) {
    for (const GlobAutomaton::Edge& e : a.states()[s].edges) {
      if (a.byte_sets()[e.set].test(byte)) next.push_back(e.target);
    }
  }
  std::sort(next.begin(), next.end());
  next.erase(std::unique(next.begin(), next.end()), next.end());
  return closure(a, std::move(next));
}

bool accepts(const GlobAutomaton& a, const StateSet& states) {
  return std::any_of(states.begin(), states.end(), [&](std::uint32_t s) { return a.states()[s].accepting; });
}

// One byte per class of bytes that no edge of either automaton tells apart.
std::vector<unsigned char> representative_bytes(const GlobAutomaton& x, const GlobAutomaton& y) {
  std::map<std::vector<bool>, unsigned char> classes;
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::vector<bool> signature;
    for (const auto& set : x.byte_sets()) signature.push_back(set.test(byte));
    for (const auto& set : y.byte_sets()) signature.push_back(set.test(byte));
    classes.emplace(std::move(signature), static_cast<unsigned char>(byte));
  }
  std::vector<unsigned char> out;
  for (const auto& [signature, byte] : classes) out.push_back(byte);
  return out;
}

}  // namespace

Inclusion automaton_includes(const GlobAutomaton& outer, const GlobAutomaton& inner, std::uint64_t& budget) {
  const std::vector<unsigned char> alphabet = representative_bytes(outer, inner);
  using Pair = std::pair<StateSet, StateSet>;  // (inner, outer)
  std::set<Pair> seen;
  std::queue<Pair> work;
  Pair start{closure(inner, {inner.start()}), closure(outer, {outer.start()})};
  seen.insert(start);
  work.push(std::move(start));
  while (!work.empty()) {
    const Pair current = std::move(work.front());
    work.pop();
    if (accepts(inner, current.first) && !accepts(outer, current.second)) return Inclusion::kNotIncluded;
    // A step costs the work it does: the state sets it advances.
    const std::uint64_t cost = 1 + current.first.size() + current.second.size();
    for (unsigned char byte : alphabet) {
      if (budget < cost) return Inclusion::kUnknown;
      budget -= cost;
      StateSet inner_next = step(inner, current.first, byte);
      if (inner_next.empty()) continue;
      Pair next{std::move(inner_next), step(outer, current.second, byte)};
      if (seen.insert(next).second) work.push(std::move(next));
    }
  }
  return Inclusion::kIncluded;
}

}  // namespace fti::policy

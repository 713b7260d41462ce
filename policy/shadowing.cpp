#include "policy/shadowing.h"

#include <algorithm>
#include <optional>

#include "policy/glob.h"
#include "policy/glob_automaton.h"
#include "policy/name_matcher.h"

namespace fti::policy {

namespace {

struct RulePatterns {
  std::vector<Glob> globs;                  // with wildcards
  std::vector<std::string> literal_globs;   // without: their text, parsed only to build automata
  std::vector<std::string> literal_names;   // ... and the names they match
  std::vector<std::string> regexes;
};

class ShadowAnalysis {
 public:
  ShadowAnalysis(const std::vector<Rule>& rules, std::uint64_t budget) : rules_(rules), budget_(budget) {
    std::vector<std::vector<MatcherPattern>> sets;
    for (const Rule& r : rules) {
      RulePatterns p;
      for (const Pattern& pattern : r.match.patterns) {
        if (pattern.kind == PatternKind::kGlob) {
          Glob glob = Glob::parse(pattern.text);
          if (glob.is_literal()) {
            p.literal_globs.push_back(pattern.text);
            p.literal_names.push_back(glob.literal());
          } else {
            p.globs.push_back(std::move(glob));
          }
        } else {
          p.regexes.push_back(pattern.text);
        }
      }
      patterns_.push_back(std::move(p));
      sets.push_back(to_matcher_patterns(r.match.patterns));
    }
    matcher_ = NameMatcher(sets);
  }

  std::vector<Diagnostic> run() {
    std::vector<Diagnostic> out;
    for (std::size_t j = 1; j < rules_.size() && budget_ > 0; ++j) {
      budget_ -= std::min<std::uint64_t>(budget_, j);  // listing the earlier rules is work too
      std::vector<std::size_t> earlier(j);
      for (std::size_t i = 0; i < j; ++i) earlier[i] = i;
      if (covered_by(j, earlier) != Inclusion::kIncluded) continue;
      std::optional<std::size_t> single;
      for (std::size_t i = 0; i < j && !single && budget_ > 0; ++i) {
        if (covered_by(j, {i}) == Inclusion::kIncluded) single = i;
      }
      const Rule& rule = rules_[j];
      Diagnostic d;
      d.severity = Severity::kWarning;
      d.location = rule.match.location;
      if (single) {
        const Rule& first = rules_[*single];
        d.message = "rule " + quote_untrusted(rule.name) + " can never match: rule " + quote_untrusted(first.name) +
                    " (line " + std::to_string(first.location.line) +
                    ") comes first and matches every tensor name this one matches";
        d.hint = "the first matching rule wins; move this rule above " + quote_untrusted(first.name) +
                 " or narrow that rule's match";
      } else {
        d.message = "rule " + quote_untrusted(rule.name) +
                    " can never match: earlier rules together match every tensor name this one matches";
        d.hint = "the first matching rule wins; move this rule above the rules it overlaps";
      }
      out.push_back(std::move(d));
    }
    return out;
  }

 private:
  // Whether the rules in `by` together match every name rule j matches.
  Inclusion covered_by(std::size_t j, const std::vector<std::size_t>& by) {
    const RulePatterns& target = patterns_[j];
    std::optional<GlobAutomaton> outer;
    std::vector<Glob> literal_globs;  // kept alive while `outer` points at them
    // Whether the covering rules' globs match every name `g` matches.
    const auto includes = [&](const Glob& g) {
      if (!outer) {
        std::vector<const Glob*> covering;
        for (std::size_t i : by) {
          for (const Glob& c : patterns_[i].globs) covering.push_back(&c);
          for (const std::string& text : patterns_[i].literal_globs) literal_globs.push_back(Glob::parse(text));
        }
        for (const Glob& c : literal_globs) covering.push_back(&c);
        if (covering.empty()) return Inclusion::kNotIncluded;
        outer.emplace(covering);
        budget_ -= std::min<std::uint64_t>(budget_, outer->states().size());
      }
      const Glob* inner_glob = &g;
      const GlobAutomaton inner(std::span<const Glob* const>(&inner_glob, 1));
      return automaton_includes(*outer, inner, budget_);
    };
    for (const std::string& regex : target.regexes) {
      const bool same = std::any_of(by.begin(), by.end(), [&](std::size_t i) {
        const auto& r = patterns_[i].regexes;
        return std::find(r.begin(), r.end(), regex) != r.end();
      });
      if (same) continue;
      // Otherwise only globs that match every name at all cover a regex.
      const Inclusion universal = includes(everything_);
      if (universal != Inclusion::kIncluded) return universal;
    }
    for (const std::string& name : target.literal_names) {  // exact against every earlier pattern
      const std::vector<std::size_t> hits = matcher_.all(name);
      const bool hit = std::any_of(hits.begin(), hits.end(), [&](std::size_t h) {
        return std::find(by.begin(), by.end(), h) != by.end();
      });
      if (!hit) return Inclusion::kNotIncluded;
    }
    for (const Glob& g : target.globs) {
      const bool same_text = std::any_of(by.begin(), by.end(), [&](std::size_t i) {
        return std::any_of(patterns_[i].globs.begin(), patterns_[i].globs.end(),
                           [&](const Glob& c) { return c.text() == g.text(); });
      });
      if (same_text) continue;
      const Inclusion result = includes(g);
      if (result != Inclusion::kIncluded) return result;
    }
    return Inclusion::kIncluded;
  }

  const std::vector<Rule>& rules_;
  std::uint64_t budget_;
  std::vector<RulePatterns> patterns_;
  NameMatcher matcher_;
  const Glob everything_ = Glob::parse("**");
};

}  // namespace

std::vector<Diagnostic> shadowed_rule_warnings(const std::vector<Rule>& rules, std::uint64_t budget) {
  return ShadowAnalysis(rules, budget).run();
}

}  // namespace fti::policy

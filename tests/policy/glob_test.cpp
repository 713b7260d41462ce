// Glob semantics, their translation to RE2 and to automata (the two must
// agree), decimal ranges, and every glob syntax error with its offset.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "policy/glob.h"
#include "policy/glob_automaton.h"
#include "policy/name_matcher.h"
#include "policy/numeric_range.h"

namespace fti::policy {
namespace {

bool re2_matches(const std::string& glob, const std::string& name) {
  const NameMatcher m({{{false, Glob::parse(glob).to_regex()}}});
  return m.matches(0, name);
}

// Runs the automaton on `name` directly (no RE2), to cross-check the two
// compilations of a glob.
bool automaton_accepts(const std::string& glob, const std::string& name) {
  const Glob g = Glob::parse(glob);
  const Glob* p = &g;
  const GlobAutomaton a(std::span<const Glob* const>(&p, 1));
  std::vector<bool> current(a.states().size());
  const auto close = [&](std::vector<bool>& set) {
    std::vector<std::uint32_t> stack;
    for (std::uint32_t s = 0; s < set.size(); ++s) {
      if (set[s]) stack.push_back(s);
    }
    while (!stack.empty()) {
      const std::uint32_t s = stack.back();
      stack.pop_back();
      for (std::uint32_t t : a.states()[s].epsilon) {
        if (!set[t]) {
          set[t] = true;
          stack.push_back(t);
        }
      }
    }
  };
  current[a.start()] = true;
  close(current);
  for (char c : name) {
    std::vector<bool> next(a.states().size());
    for (std::uint32_t s = 0; s < current.size(); ++s) {
      if (!current[s]) continue;
      for (const auto& e : a.states()[s].edges) {
        if (a.byte_sets()[e.set].test(static_cast<unsigned char>(c))) next[e.target] = true;
      }
    }
    close(next);
    current = std::move(next);
  }
  for (std::uint32_t s = 0; s < current.size(); ++s) {
    if (current[s] && a.states()[s].accepting) return true;
  }
  return false;
}

bool matches(const std::string& glob, const std::string& name) {
  const bool by_re2 = re2_matches(glob, name);
  EXPECT_EQ(by_re2, automaton_accepts(glob, name)) << "RE2 and the automaton disagree on " << glob << " vs " << name;
  return by_re2;
}

TEST(Glob, StarStaysWithinOneSegment) {
  EXPECT_TRUE(matches("model.*.weight", "model.x.weight"));
  EXPECT_TRUE(matches("model.*.weight", "model..weight"));  // * may be empty
  EXPECT_FALSE(matches("model.*.weight", "model.x.y.weight"));
  EXPECT_TRUE(matches("layer*", "layer"));
  EXPECT_TRUE(matches("layer*", "layer12"));
  EXPECT_FALSE(matches("layer*", "layer1.conv"));
  EXPECT_TRUE(matches("*_proj.weight", "q_proj.weight"));
  EXPECT_FALSE(matches("*_proj.weight", "self_attn.q_proj.weight"));
}

TEST(Glob, GlobstarMatchesWholeSegments) {
  EXPECT_TRUE(matches("a.**.b", "a.b"));
  EXPECT_TRUE(matches("a.**.b", "a.x.b"));
  EXPECT_TRUE(matches("a.**.b", "a.x.y.b"));
  EXPECT_FALSE(matches("a.**.b", "ab"));
  EXPECT_FALSE(matches("a.**.b", "a.xb"));
  EXPECT_FALSE(matches("a.**.b", "ax.b"));
  EXPECT_TRUE(matches("**.weight", "weight"));
  EXPECT_TRUE(matches("**.weight", "x.weight"));
  EXPECT_TRUE(matches("**.weight", "model.layers.0.weight"));
  EXPECT_FALSE(matches("**.weight", "xweight"));
  EXPECT_FALSE(matches("**.weight", "x.weight.y"));
  EXPECT_TRUE(matches("a.**", "a"));
  EXPECT_TRUE(matches("a.**", "a.x"));
  EXPECT_TRUE(matches("a.**", "a.x.y"));
  EXPECT_FALSE(matches("a.**", "ab"));
  EXPECT_TRUE(matches("**", ""));
  EXPECT_TRUE(matches("**", "anything.at.all"));
  EXPECT_TRUE(matches("model.layers.**.weight", "model.layers.3.mlp.up_proj.weight"));
}

TEST(Glob, QuestionMarkIsOneCharacterOtherThanDot) {
  EXPECT_TRUE(matches("h.?.x", "h.1.x"));
  EXPECT_FALSE(matches("h.?.x", "h.12.x"));
  EXPECT_FALSE(matches("h.?.x", "h...x"));
  EXPECT_FALSE(matches("h.?.x", "h..x"));
}

TEST(Glob, BracesAreAlternatives) {
  EXPECT_TRUE(matches("self_attn.{q,k,v,o}_proj.weight", "self_attn.k_proj.weight"));
  EXPECT_FALSE(matches("self_attn.{q,k,v,o}_proj.weight", "self_attn.x_proj.weight"));
  EXPECT_TRUE(matches("{a,b{1,2}}", "b2"));
  EXPECT_FALSE(matches("{a,b{1,2}}", "b3"));
  EXPECT_TRUE(matches("{transformer.,}h.0", "h.0"));
  EXPECT_TRUE(matches("{transformer.,}h.0", "transformer.h.0"));
  EXPECT_TRUE(matches("{self_attn.q_proj,mlp.*}.weight", "mlp.up_proj.weight"));
  EXPECT_TRUE(matches("{self_attn.q_proj,mlp.*}.weight", "self_attn.q_proj.weight"));
  EXPECT_FALSE(matches("{self_attn.q_proj,mlp.*}.weight", "self_attn.k_proj.weight"));
}

TEST(Glob, RangesMatchDecimalSpellingsWithoutLeadingZeros) {
  for (int n = 0; n <= 40; ++n) {
    EXPECT_EQ(matches("layers.{0..15}.x", "layers." + std::to_string(n) + ".x"), n <= 15) << n;
  }
  EXPECT_FALSE(matches("layers.{0..15}.x", "layers.07.x"));
  EXPECT_FALSE(matches("layers.{0..15}.x", "layers.00.x"));
  EXPECT_FALSE(matches("layers.{0..15}.x", "layers.-1.x"));
  EXPECT_FALSE(matches("layers.{0..15}.x", "layers..x"));
  EXPECT_TRUE(matches("layers.{7..7}.x", "layers.7.x"));
  EXPECT_TRUE(matches("h.{8..123}", "h.99"));
  EXPECT_FALSE(matches("h.{8..123}", "h.124"));
  EXPECT_FALSE(matches("h.{8..123}", "h.7"));
}

TEST(NumericRange, ExhaustiveAgainstArithmetic) {
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
      {0, 0},  {0, 9},    {0, 10},   {1, 1},     {3, 7},    {8, 123}, {9, 10},  {10, 99},
      {0, 31}, {17, 999}, {99, 100}, {100, 1000}, {123, 456}, {0, 1200}, {555, 555}, {1000, 1099}};
  for (const auto& [lo, hi] : ranges) {
    const NameMatcher m({{{false, decimal_range_regex(lo, hi)}}});
    for (std::uint64_t n = 0; n <= 1500; ++n) {
      ASSERT_EQ(m.matches(0, std::to_string(n)), n >= lo && n <= hi) << lo << ".." << hi << " n=" << n;
      ASSERT_FALSE(m.matches(0, "0" + std::to_string(n))) << lo << ".." << hi << " 0" << n;
    }
  }
  // Runs are few: the expression grows with the digits, not the count.
  EXPECT_LE(decimal_range_runs(0, 999'999'999).size(), 10u);
  EXPECT_LE(decimal_range_runs(12'345, 987'654'321).size(), 40u);
  EXPECT_EQ(decimal_range_regex(8, 123), "(?:[8-9]|[1-9][0-9]|1[0-1][0-9]|12[0-3])");
}

TEST(Glob, EscapesMakeSpecialCharactersLiteral) {
  EXPECT_TRUE(matches("a\\*b", "a*b"));
  EXPECT_FALSE(matches("a\\*b", "axb"));
  EXPECT_TRUE(matches("\\{x,y\\}", "{x,y}"));
  EXPECT_TRUE(matches("a\\\\b", "a\\b"));
  EXPECT_TRUE(matches("a\\?", "a?"));
  EXPECT_FALSE(matches("a\\?", "ab"));
  EXPECT_TRUE(matches("a\\[0\\]", "a[0]"));
  EXPECT_TRUE(matches("a,b", "a,b"));  // a comma outside braces is itself
  EXPECT_TRUE(matches("a]b", "a]b"));
}

TEST(Glob, RegexMetacharactersInNamesAreLiteral) {
  EXPECT_TRUE(matches("a+b(c)|d$^", "a+b(c)|d$^"));
  EXPECT_FALSE(matches("a+b", "aab"));
  EXPECT_FALSE(matches("model.x", "modelXx"));
}

TEST(Glob, CharacterClasses) {
  EXPECT_TRUE(matches("layer[1-3]", "layer2"));
  EXPECT_FALSE(matches("layer[1-3]", "layer4"));
  EXPECT_TRUE(matches("[!0-9]x", "ax"));
  EXPECT_FALSE(matches("[!0-9]x", "5x"));
  EXPECT_FALSE(matches("[!0-9]x", ".x"));  // never a dot, even negated
  EXPECT_TRUE(matches("[^a]", "b"));
  EXPECT_TRUE(matches("[]a]", "]"));
  EXPECT_TRUE(matches("[a\\-z]", "-"));
  EXPECT_FALSE(matches("[a\\-z]", "b"));
  EXPECT_TRUE(re2_matches("[!a]", "\xc3\xa9"));  // a negated class matches a non-ASCII character
}

TEST(Glob, NonAsciiNamesMatchLiterally) {
  EXPECT_TRUE(matches("caf\xc3\xa9.*", "caf\xc3\xa9.weight"));
  EXPECT_FALSE(matches("caf\xc3\xa9.*", "cafe.weight"));
  EXPECT_TRUE(re2_matches("*.weight", "\xc3\xa9t\xc3\xa9.weight"));
}

TEST(Glob, LiteralsAreRecognized) {
  EXPECT_TRUE(Glob::parse("model.embed_tokens.weight").is_literal());
  EXPECT_EQ(Glob::parse("model.embed_tokens.weight").literal(), "model.embed_tokens.weight");
  EXPECT_TRUE(Glob::parse("a\\*b").is_literal());
  EXPECT_EQ(Glob::parse("a\\*b").literal(), "a*b");
  EXPECT_FALSE(Glob::parse("a.*").is_literal());
  EXPECT_FALSE(Glob::parse("a.{b,c}").is_literal());
  EXPECT_FALSE(Glob::parse("a.{1..2}").is_literal());
}

struct BadGlob {
  std::string text;
  std::size_t offset;
  std::string message;
};

TEST(Glob, SyntaxErrorsNameTheOffset) {
  const std::vector<BadGlob> cases = {
      {"", 0, "empty"},
      {"a**", 1, "whole segment"},
      {"**b", 0, "whole segment"},
      {"a.**b", 2, "whole segment"},
      {"a.***", 2, "*** is not a pattern"},
      {"{a,**}", 3, "inside braces"},
      {"a.**.**", 5, "follows another"},
      {"**.**", 3, "follows another"},
      {"{}", 0, "two or more alternatives"},
      {"x.{a}", 2, "two or more alternatives"},
      {"{0..}", 4, "invalid range"},
      {"{1..2..3}", 4, "invalid range"},
      {"l.{07..9}", 3, "leading zeros"},
      {"l.{5..3}", 2, "empty range"},
      {"{1..1000000000}", 4, "larger than"},
      {"a}", 1, "unmatched }"},
      {"a{b,c", 1, "unterminated {"},
      {"[a-", 0, "unterminated character class"},
      {"x[z-a]", 4, "reversed range"},
      {"x[.]", 1, "cannot match '.'"},
      {"x[a-\xc3\xa9]", 4, "printable ASCII"},
      {"a\\", 1, "lone backslash"},
      {"a\tb", 1, "control character"},
      {std::string(1025, 'a'), 1024, "longer than 1024"},
      {"{a,{b,{c,{d,{e,{f,{g,{h,{i,j}}}}}}}}}", 24, "nested deeper"},
  };
  for (const BadGlob& c : cases) {
    try {
      (void)Glob::parse(c.text);
      ADD_FAILURE() << "accepted " << c.text;
    } catch (const PatternError& e) {
      EXPECT_EQ(e.offset(), c.offset) << c.text << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.text << ": " << e.what();
      EXPECT_EQ(e.code(), ErrorCode::kPolicy);
    }
  }
}

Inclusion includes(const std::vector<std::string>& outer, const std::string& inner, std::uint64_t budget = 1'000'000) {
  std::vector<Glob> globs;
  for (const std::string& g : outer) globs.push_back(Glob::parse(g));
  std::vector<const Glob*> pointers;
  for (const Glob& g : globs) pointers.push_back(&g);
  const Glob inner_glob = Glob::parse(inner);
  const Glob* inner_pointer = &inner_glob;
  return automaton_includes(GlobAutomaton(pointers), GlobAutomaton(std::span<const Glob* const>(&inner_pointer, 1)),
                            budget);
}

TEST(GlobAutomaton, InclusionIsExact) {
  EXPECT_EQ(includes({"**"}, "a.b"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"a.*"}, "a.b"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"a.*"}, "a.**"), Inclusion::kNotIncluded);
  EXPECT_EQ(includes({"a.**"}, "a.*.b"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"model.layers.*.mlp.**"}, "model.layers.{0..31}.mlp.{up,down}_proj.weight"),
            Inclusion::kIncluded);
  // * is one segment: up_proj.weight is two.
  EXPECT_EQ(includes({"model.layers.*.mlp.*"}, "model.layers.{0..31}.mlp.{up,down}_proj.weight"),
            Inclusion::kNotIncluded);
  EXPECT_EQ(includes({"model.layers.{0..15}.**"}, "model.layers.{0..31}.x"), Inclusion::kNotIncluded);
  EXPECT_EQ(includes({"layers.{0..15}.x", "layers.{16..31}.x"}, "layers.{0..31}.x"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"layers.{0..15}.x", "layers.{17..31}.x"}, "layers.{0..31}.x"), Inclusion::kNotIncluded);
  EXPECT_EQ(includes({"*"}, "?"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"?"}, "*"), Inclusion::kNotIncluded);  // * also matches the empty name
  EXPECT_EQ(includes({"[a-c]"}, "{a,b}"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"[a-c]"}, "{a,d}"), Inclusion::kNotIncluded);
  EXPECT_EQ(includes({"**.weight"}, "model.*.weight"), Inclusion::kIncluded);
  EXPECT_EQ(includes({"*.weight"}, "model.*.weight"), Inclusion::kNotIncluded);
  EXPECT_EQ(includes({"layer*.*"}, "layer{1,2}.*"), Inclusion::kIncluded);
}

TEST(GlobAutomaton, RunsOutOfBudgetAsUnknown) {
  EXPECT_EQ(includes({"**"}, "model.layers.{0..31}.x", 1), Inclusion::kUnknown);
}

}  // namespace
}  // namespace fti::policy

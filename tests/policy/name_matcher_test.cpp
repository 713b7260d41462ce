// Matching many names against many pattern sets: the shared RE2::Set and
// the one-by-one fallback give the same answers.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "policy/glob.h"
#include "policy/name_matcher.h"
#include "policy/policy_parser.h"

namespace fti::policy {
namespace {

std::vector<MatcherPattern> regexes(std::initializer_list<const char*> globs) {
  std::vector<MatcherPattern> out;
  for (const char* g : globs) out.push_back({false, Glob::parse(g).to_regex()});
  return out;
}

MatcherPattern exact(const std::string& name) { return {true, name}; }

TEST(NameMatcher, FirstAndAll) {
  const NameMatcher m({regexes({"a.*"}), {}, regexes({"**.weight", "b"}), regexes({"a.x"})});
  EXPECT_EQ(m.size(), 4u);
  EXPECT_EQ(m.first("a.x"), 0u);
  EXPECT_EQ(m.all("a.x"), (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(m.first("a.weight"), 0u);
  EXPECT_EQ(m.all("a.weight"), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(m.first("b"), 2u);
  EXPECT_EQ(m.first("c"), std::nullopt);
  EXPECT_TRUE(m.all("c").empty());
  EXPECT_FALSE(m.matches(1, "anything"));  // an empty set matches nothing
  EXPECT_EQ(NameMatcher().first("x"), std::nullopt);
  EXPECT_THROW(NameMatcher({{{false, "(unclosed"}}}), Error);
}

TEST(NameMatcher, ExactNamesAreLookedUp) {
  const NameMatcher m({{exact("a.b"), exact("c")}, regexes({"a.*"}), {exact("a.b")}, {}, {exact("c"), exact("c")}});
  EXPECT_EQ(m.first("a.b"), 0u);
  EXPECT_EQ(m.all("a.b"), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(m.all("c"), (std::vector<std::size_t>{0, 4}));
  EXPECT_EQ(m.first("a.x"), 1u);
  EXPECT_TRUE(m.matches(2, "a.b"));
  EXPECT_FALSE(m.matches(2, "a.x"));
  EXPECT_FALSE(m.matches(3, "a.b"));
  EXPECT_FALSE(m.matches(9, "a.b"));
  EXPECT_FALSE(m.first("a.b.c"));
  // An exact name is not an expression: its dots and stars are themselves.
  const NameMatcher literal({{exact("a.*")}});
  EXPECT_TRUE(literal.matches(0, "a.*"));
  EXPECT_FALSE(literal.matches(0, "a.b"));
}

TEST(NameMatcher, RegexErrorsAreText) {
  EXPECT_EQ(check_regex("a.*").error, std::nullopt);
  EXPECT_GT(check_regex("a.*").program_size, 0);
  ASSERT_TRUE(check_regex("a(").error);
  EXPECT_NE(check_regex("a(").error->find("missing )"), std::string::npos);
  // Too big for one pattern's memory, though every repetition is legal.
  std::string huge;
  for (int i = 0; i < 100; ++i) huge += "[a-z]{1000}";
  const RegexCheck big = check_regex(huge);
  ASSERT_TRUE(big.error);
  EXPECT_NE(big.error->find("too large"), std::string::npos) << *big.error;
}

// A policy-sized workload: thousands of names, tens of rules, every path.
TEST(NameMatcher, SetFallbackAndPolicyAgree) {
  std::vector<std::vector<MatcherPattern>> sets;
  const char* const kinds[] = {"q", "k", "v", "o"};
  for (int i = 0; i < 40; ++i) {
    const std::string lo = std::to_string(i % 8 * 4);
    const std::string hi = std::to_string(i % 8 * 4 + 3 + i % 5);
    sets.push_back(
        {{false, Glob::parse("model.layers.{" + lo + ".." + hi + "}.self_attn." + kinds[i % 4] + "_proj.*").to_regex()}});
    // Exact names mixed in, some also matched by earlier expressions.
    sets.back().push_back(exact("model.layers." + std::to_string(i) + ".mlp.up_proj.weight"));
  }
  sets.push_back({{false, Glob::parse("model.layers.*.mlp.**").to_regex()}, {false, "model\\.norm\\..*"}});
  sets.push_back({{false, Glob::parse("**").to_regex()}});

  std::vector<std::string> names;
  for (int layer = 0; layer < 48; ++layer) {
    for (const char* p : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      for (const char* s : {"weight", "bias", "lora_A.weight"}) {
        names.push_back("model.layers." + std::to_string(layer) + ".self_attn." + p + "." + s);
      }
    }
    for (const char* p : {"gate_proj", "up_proj", "down_proj"}) {
      names.push_back("model.layers." + std::to_string(layer) + ".mlp." + p + ".weight");
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string noise;
    for (int k = 0; k < 20; ++k) noise.push_back("ab.0123456789_"[rng() % 14]);
    names.push_back(noise);
  }
  ASSERT_GT(names.size(), 2500u);

  const NameMatcher with_set(sets);
  const NameMatcher one_by_one(sets, NameMatcherOptions{.use_set = false});
  const NameMatcher starved(sets, NameMatcherOptions{.set_max_mem = 1});  // the set cannot compile
  for (const std::string& name : names) {
    const std::vector<std::size_t> expected = one_by_one.all(name);
    EXPECT_EQ(with_set.all(name), expected) << name;
    EXPECT_EQ(starved.all(name), expected) << name;
    EXPECT_EQ(with_set.first(name), expected.empty() ? std::nullopt : std::optional<std::size_t>(expected.front()))
        << name;
    for (std::size_t s = 0; s < sets.size(); ++s) {
      EXPECT_EQ(with_set.matches(s, name),
                std::find(expected.begin(), expected.end(), s) != expected.end());
    }
  }
  // The last set matches everything, so every name has a first match.
  for (const std::string& name : names) EXPECT_TRUE(with_set.first(name).has_value());
}

TEST(NameMatcher, ManyRulesThroughAPolicy) {
  std::string text = "version: 1\nrules:\n";
  for (int i = 0; i < 60; ++i) {
    text += "  - {name: r" + std::to_string(i) + ", match: 'model.layers." + std::to_string(i) +
            ".**', frozen: true}\n";
  }
  text += "  - {name: rest, match: '**', allow: true}\n";
  const Policy p = parse_policy(text, "many.yaml");
  EXPECT_TRUE(p.warnings().empty());
  for (int i = 0; i < 64; ++i) {
    const std::string name = "model.layers." + std::to_string(i) + ".mlp.up_proj.weight";
    EXPECT_EQ(p.match(name)->name, i < 60 ? "r" + std::to_string(i) : "rest") << name;
  }
}

}  // namespace
}  // namespace fti::policy

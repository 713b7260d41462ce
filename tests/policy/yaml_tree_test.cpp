// The bounded YAML reader: positions, quoting, duplicate keys at every
// depth, aliases and the limits that stop hostile documents.
#include <gtest/gtest.h>

#include <string>

#include "policy/yaml_tree.h"

namespace fti::policy {
namespace {

bool has_error(const YamlDocument& d, std::uint32_t line, std::uint32_t column, const std::string& text) {
  for (const Diagnostic& diag : d.diagnostics) {
    if (diag.location.line == line && diag.location.column == column &&
        diag.message.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string dump(const YamlDocument& d) {
  std::string out;
  for (const Diagnostic& diag : d.diagnostics) {
    out += std::to_string(diag.location.line) + ":" + std::to_string(diag.location.column) + " " + diag.message + "\n";
  }
  return out;
}

TEST(YamlTree, KeepsPositionsAndQuoting) {
  const YamlDocument d = read_yaml("a: 1\nb:\n  c: 'x'\n  d: [p, \"q\"]\n");
  ASSERT_TRUE(d.complete) << dump(d);
  ASSERT_TRUE(d.diagnostics.empty()) << dump(d);
  const YamlNode& root = *d.root;
  ASSERT_TRUE(root.is_map());
  const YamlNode::Entry* a = root.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->key->location, (SourceLocation{1, 1}));
  EXPECT_EQ(a->value->location, (SourceLocation{1, 4}));
  EXPECT_FALSE(a->value->quoted);
  const YamlNode& b = *root.find("b")->value;
  EXPECT_TRUE(b.find("c")->value->quoted);
  EXPECT_EQ(b.find("c")->value->location, (SourceLocation{3, 6}));
  const YamlNode& list = *b.find("d")->value;
  ASSERT_TRUE(list.is_sequence());
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_FALSE(list.items[0]->quoted);
  EXPECT_TRUE(list.items[1]->quoted);
  EXPECT_EQ(list.items[1]->location, (SourceLocation{4, 10}));
}

TEST(YamlTree, EmptyDocumentIsNull) {
  for (const char* text : {"", "# only a comment\n", "\n\n"}) {
    const YamlDocument d = read_yaml(text);
    EXPECT_TRUE(d.complete);
    EXPECT_TRUE(d.root->is_null()) << text;
    EXPECT_TRUE(d.diagnostics.empty());
  }
}

TEST(YamlTree, DuplicateKeysAtEveryDepth) {
  const YamlDocument d = read_yaml(
      "a: 1\n"
      "a: 2\n"
      "rules:\n"
      "  - name: x\n"
      "    name: y\n"
      "    norm:\n"
      "      frobenius: {absolute: 1, absolute: 2}\n"
      "      max_abs: 1\n"
      "      max_abs: 2\n");
  EXPECT_TRUE(d.complete);
  EXPECT_TRUE(has_error(d, 2, 1, "duplicate key \"a\" (first at line 1, column 1)")) << dump(d);
  EXPECT_TRUE(has_error(d, 5, 5, "duplicate key \"name\" (first at line 4, column 5)")) << dump(d);
  EXPECT_TRUE(has_error(d, 7, 32, "duplicate key \"absolute\" (first at line 7, column 19)")) << dump(d);
  EXPECT_TRUE(has_error(d, 9, 7, "duplicate key \"max_abs\" (first at line 8, column 7)")) << dump(d);
  EXPECT_EQ(d.diagnostics.size(), 4u) << dump(d);
  // The first occurrence is kept.
  EXPECT_EQ(d.root->find("a")->value->text, "1");
  EXPECT_EQ(d.root->entries.size(), 2u);
}

TEST(YamlTree, QuotedAndPlainSpellingsOfAKeyAreDuplicates) {
  const YamlDocument d = read_yaml("rank: 1\n\"rank\": 2\n");
  EXPECT_TRUE(has_error(d, 2, 1, "duplicate key \"rank\"")) << dump(d);
}

TEST(YamlTree, AliasesShareTheAnchoredNode) {
  const YamlDocument d = read_yaml("a: &b {x: 1, y: [1, 2]}\nc: *b\n");
  ASSERT_TRUE(d.diagnostics.empty()) << dump(d);
  EXPECT_EQ(d.root->find("a")->value, d.root->find("c")->value);
  EXPECT_EQ(d.root->find("a")->value->expanded_size, 7u);  // map, x, 1, y, list, 1, 2
  EXPECT_EQ(d.root->expanded_size, 1u + 2u + 2u * 7u);   // each use of the alias counts in full
}

TEST(YamlTree, BillionLaughsStopsAtTheNodeBudget) {
  std::string text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  char previous = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", " : "") + "*" + previous;
    text += "]\n";
    previous = c;
  }
  const YamlDocument d = read_yaml(text);
  EXPECT_FALSE(d.complete);
  EXPECT_TRUE(d.root->is_null());
  ASSERT_EQ(d.diagnostics.size(), 1u) << dump(d);
  EXPECT_NE(d.diagnostics[0].message.find("more than 100000 YAML nodes"), std::string::npos) << dump(d);
  EXPECT_EQ(d.diagnostics[0].location.line, 5u) << dump(d);  // 10^5 nodes are reached within e
}

TEST(YamlTree, NodeBudgetIsConfigurable) {
  YamlLimits limits;
  limits.max_nodes = 10;
  EXPECT_FALSE(read_yaml("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", limits).complete);
  EXPECT_TRUE(read_yaml("[1, 2, 3, 4, 5, 6, 7, 8, 9]", limits).complete);
}

TEST(YamlTree, RecursiveAliasIsAnError) {
  const YamlDocument d = read_yaml("a: &r [1, *r]\n");
  EXPECT_FALSE(d.complete);
  EXPECT_TRUE(has_error(d, 1, 11, "refers to the node that contains it")) << dump(d);
}

TEST(YamlTree, UndefinedAliasIsASyntaxError) {
  const YamlDocument d = read_yaml("a: *nope\n");
  EXPECT_FALSE(d.complete);
  EXPECT_TRUE(has_error(d, 1, 4, "YAML syntax error")) << dump(d);
}

TEST(YamlTree, DepthIsLimited) {
  const YamlDocument shallow = read_yaml(std::string(32, '[') + std::string(32, ']'));
  EXPECT_TRUE(shallow.complete) << dump(shallow);
  const YamlDocument deep = read_yaml(std::string(33, '[') + std::string(33, ']'));
  EXPECT_FALSE(deep.complete);
  EXPECT_TRUE(has_error(deep, 1, 33, "nested deeper than 32 levels")) << dump(deep);
  // Far deeper than yaml-cpp's own recursion guard: still one clean error.
  const YamlDocument hostile = read_yaml(std::string(500'000, '['));
  EXPECT_FALSE(hostile.complete);
  ASSERT_EQ(hostile.diagnostics.size(), 1u) << dump(hostile);
  EXPECT_NE(hostile.diagnostics[0].message.find("nested deeper"), std::string::npos) << dump(hostile);
  std::string blocks;
  for (int i = 0; i < 40; ++i) blocks += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_FALSE(read_yaml(blocks).complete);
}

TEST(YamlTree, SizeIsLimited) {
  const std::string big = "a: \"" + std::string(1 << 20, 'x') + "\"\n";
  const YamlDocument d = read_yaml(big);
  EXPECT_FALSE(d.complete);
  ASSERT_EQ(d.diagnostics.size(), 1u);
  EXPECT_NE(d.diagnostics[0].message.find("more than the limit of 1048576"), std::string::npos);
}

TEST(YamlTree, OneDocumentOnly) {
  const YamlDocument d = read_yaml("a: 1\n---\nb: 2\n");
  EXPECT_FALSE(d.complete);
  EXPECT_TRUE(has_error(d, 2, 1, "one YAML document")) << dump(d);
}

TEST(YamlTree, TagsAndMergeKeysAreRefused) {
  const YamlDocument tags = read_yaml("a: !!str 5\nb: !custom {x: 1}\n");
  EXPECT_TRUE(has_error(tags, 1, 4, "YAML tags are not supported")) << dump(tags);
  EXPECT_TRUE(has_error(tags, 2, 4, "YAML tags are not supported")) << dump(tags);
  const YamlDocument merge = read_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n");
  EXPECT_TRUE(has_error(merge, 3, 3, "merge keys")) << dump(merge);
}

TEST(YamlTree, KeysMustBeNames) {
  const YamlDocument d = read_yaml("? [a, b]\n: 1\n? {c: d}\n: 2\n");
  EXPECT_TRUE(has_error(d, 1, 3, "a mapping key must be a name, not a list")) << dump(d);
  EXPECT_TRUE(has_error(d, 3, 3, "a mapping key must be a name, not a mapping")) << dump(d);
}

TEST(YamlTree, SyntaxErrorsCarryPositionAndHint) {
  const YamlDocument d = read_yaml("version: 1\nrules:\n  - match: *.weight\n");
  EXPECT_FALSE(d.complete);
  ASSERT_EQ(d.diagnostics.size(), 1u);
  EXPECT_EQ(d.diagnostics[0].location.line, 3u) << dump(d);
  EXPECT_NE(d.diagnostics[0].message.find("YAML syntax error"), std::string::npos);
  EXPECT_NE(d.diagnostics[0].hint.find("must be quoted"), std::string::npos) << d.diagnostics[0].hint;

  const YamlDocument flow = read_yaml("a: [1, 2\nb: 3\n");
  EXPECT_FALSE(flow.complete);
  ASSERT_EQ(flow.diagnostics.size(), 1u);
  EXPECT_NE(flow.diagnostics[0].message.find("YAML syntax error"), std::string::npos);
  EXPECT_NE(flow.diagnostics[0].hint.find("close every [ and {"), std::string::npos) << flow.diagnostics[0].hint;

  const YamlDocument tabs = read_yaml("version: 1\nrules:\n\t- name: x\n");
  ASSERT_EQ(tabs.diagnostics.size(), 1u);
  EXPECT_EQ(tabs.diagnostics[0].location.line, 3u);
  EXPECT_NE(tabs.diagnostics[0].hint.find("spaces, not tabs"), std::string::npos) << tabs.diagnostics[0].hint;

  const YamlDocument indent = read_yaml("rules:\n  - name: x\n   match: y\n");
  ASSERT_EQ(indent.diagnostics.size(), 1u);
  EXPECT_EQ(indent.diagnostics[0].location, (SourceLocation{3, 4})) << dump(indent);
  EXPECT_NE(indent.diagnostics[0].hint.find("indentation"), std::string::npos);
}

}  // namespace
}  // namespace fti::policy

// The canonical form certificates bind to: equal for policies that mean the
// same, different for any change that could change a verdict, and readable
// back as a policy.
#include <gtest/gtest.h>

#include <string>

#include "policy/canonical.h"
#include "policy/policy_parser.h"
#include "policy/starter_policy.h"

namespace fti::policy {
namespace {

std::string canonical(const std::string& text) { return canonical_policy(parse_policy(text, "c.yaml")); }

const char* const kBase = R"(version: 1
preset: llama
default: violation
groups:
  adapters: ["model.layers.*.self_attn.{q,v}_proj.lora_{A,B}.weight"]
rules:
  - name: embeddings
    match: model.embed_tokens.weight
    frozen: true
  - name: lora
    match: "model.layers.{0..31}.self_attn.{q,k,v,o}_proj.weight"
    rank: {max: 16, residual: {relative: 0.004}, per_head: {heads: 32}}
  - name: mlp
    match: [{group: mlp}, {regex: "extra\\..*"}]
    norm: {frobenius: {absolute: 0.5, relative: 0.01}, max_abs: 0.01}
  - name: adapters
    match: {group: adapters}
    sparsity: {max_changed: 1000, max_fraction: 0.25}
budgets:
  - name: z-total
    over: "**"
    norm: {frobenius: {absolute: 2}}
  - name: a-mlp
    over: {group: mlp}
    sparsity: {max_fraction: 0.05}
)";

// The same policy: keys reordered, comments, flow/block styles, quoting,
// other spellings of the numbers, an anchor, the group written out, the
// budgets in another order and a duplicated pattern.
const char* const kSameMeaning = R"(# a comment
rules:
  - match: 'model.embed_tokens.weight'   # quoted differently
    frozen: True
    name: "embeddings"
  - rank:
      per_head:
        heads: 32
      residual: {relative: 0.4%}
      max: 16
    name: lora
    match: model.layers.{0..31}.self_attn.{q,k,v,o}_proj.weight
  - name: mlp
    norm:
      max_abs: 1e-2
      frobenius: &bounds {relative: 1.0e-2, absolute: 5e-1}
    match:
      - {regex: 'extra\..*'}
      - "model.layers.*.mlp.{gate,up,down}_proj.{weight,bias}"
      - "layers.*.feed_forward.{w1,w2,w3}.weight"
      - {glob: "layers.*.feed_forward.{w1,w2,w3}.weight"}
  - name: adapters
    match: "model.layers.*.self_attn.{q,v}_proj.lora_{A,B}.weight"
    sparsity: {max_fraction: 25%, max_changed: 1000}
budgets:
  - {name: a-mlp, over: {group: mlp}, sparsity: {max_fraction: 5%}}
  - {over: '**', name: z-total, norm: {frobenius: {absolute: 2.000}}}
default: violation
preset: {name: llama, revision: 1}
version: 1
)";

TEST(Canonical, KnownAnswer) {
  EXPECT_EQ(canonical("version: 1\n"
                      "default: allow\n"
                      "rules:\n"
                      "  - {name: r, match: [b.*, a.*, {regex: 'z'}], norm: {frobenius: {relative: 1%}}}\n"
                      "  - {name: \"q\\\"\", match: x, rank: {max: 2, per_head: {heads: 4, axis: in}}}\n"),
            "{\"budgets\":[],\"default\":\"allow\",\"rules\":["
            "{\"match\":[{\"glob\":\"a.*\"},{\"glob\":\"b.*\"},{\"regex\":\"z\"}],\"name\":\"r\","
            "\"norm\":{\"frobenius\":{\"relative\":0.01}}},"
            "{\"match\":[{\"glob\":\"x\"}],\"name\":\"q\\\"\",\"rank\":{\"max\":2,\"per_head\":{\"axis\":\"in\",\"heads\":4}}}"
            "],\"version\":1}");
}

TEST(Canonical, SameMeaningSameForm) {
  const std::string a = canonical(kBase);
  EXPECT_EQ(a, canonical(kSameMeaning));
  EXPECT_EQ(policy_digest(parse_policy(kBase, "a")), policy_digest(parse_policy(kSameMeaning, "b")));
  EXPECT_EQ(policy_digest(parse_policy(kBase, "a")), sha256(a));
  // The file name and positions are not part of it.
  EXPECT_EQ(canonical_policy(parse_policy(kBase, "x.yaml")), canonical_policy(parse_policy(kBase, "y.yaml")));
  EXPECT_EQ(a.find('\n'), std::string::npos);
  EXPECT_NE(a.find("\"preset\":{\"name\":\"llama\",\"revision\":1}"), std::string::npos) << a;
}

TEST(Canonical, ReadsBackToItself) {
  const std::string a = canonical(kBase);
  EXPECT_EQ(canonical(a), a);
  for (std::string_view preset : preset_names()) {
    const std::string starter = canonical(*starter_policy(preset));
    EXPECT_EQ(canonical(starter), starter) << preset;
  }
}

// Each edit changes what a verdict could be, so it must change the digest.
TEST(Canonical, EverySemanticChangeChangesTheDigest) {
  const std::string base = canonical(kBase);
  const auto changed = [&](const std::string& from, const std::string& to) {
    std::string text = kBase;
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return canonical(text);
  };
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"relative: 0.004", "relative: 0.0041"},
      {"relative: 0.004", "absolute: 0.004"},
      {"max: 16", "max: 15"},
      {"heads: 32", "heads: 16"},
      {"heads: 32}", "heads: 32, axis: out}"},
      {"max_abs: 0.01", "max_abs: 0.010000001"},
      {"absolute: 0.5, ", ""},
      {"max_changed: 1000", "max_changed: 1001"},
      {"max_fraction: 0.25", "max_fraction: 0.26"},
      {"absolute: 2}", "absolute: 2, relative: 1}"},
      {"max_fraction: 0.05", "max_fraction: 0.06"},
      {"name: embeddings", "name: embedding"},
      {"name: z-total", "name: total"},
      {"match: model.embed_tokens.weight", "match: model.embed_tokens.*"},
      {"{0..31}", "{0..30}"},
      {"extra\\\\..*", "extra\\\\..+"},
      {"lora_{A,B}", "lora_{A,B,C}"},
      {"default: violation", "default: allow"},
      {"preset: llama", "preset: gpt2"},
      {"frozen: true", "allow: true"},
      {"    frozen: true\n", "    norm: {max_abs: 1}\n"},
  };
  for (const auto& [from, to] : edits) {
    EXPECT_NE(changed(from, to), base) << from << " -> " << to;
  }
  // Rule order matters (first match wins).
  std::string reordered = kBase;
  const std::string first = "  - name: embeddings\n    match: model.embed_tokens.weight\n    frozen: true\n";
  reordered.erase(reordered.find(first), first.size());
  reordered.insert(reordered.find("budgets:"), first);
  EXPECT_NE(canonical(reordered), base);
  // A preset changes views even where no group is used.
  EXPECT_NE(canonical("version: 1\npreset: gpt2\n"), canonical("version: 1\n"));
}

TEST(Canonical, GroupsAreExpandedIntoTheirPatterns) {
  EXPECT_EQ(canonical("version: 1\ngroups: {g: [b, a]}\nrules: [{name: r, match: {group: g}, frozen: true}]\n"),
            canonical("version: 1\nrules: [{name: r, match: [a, b, a], frozen: true}]\n"));
  // An unused group means nothing.
  EXPECT_EQ(canonical("version: 1\ngroups: {unused: x}\n"), canonical("version: 1\n"));
}

TEST(Canonical, NumbersAreNormalized) {
  const auto bound = [](const std::string& number) {
    return canonical("version: 1\nrules: [{name: r, match: x, norm: {max_abs: " + number + "}}]\n");
  };
  EXPECT_EQ(bound("0.5"), bound("5e-1"));
  EXPECT_EQ(bound("0.5"), bound("0.50"));
  EXPECT_EQ(bound("0.5"), bound(".5"));
  EXPECT_EQ(bound("2"), bound("2.0"));
  EXPECT_EQ(bound("100"), bound("1E2"));
  EXPECT_NE(bound("0.1"), bound("0.10000000000000002"));
  EXPECT_NE(bound("1e-300"), bound("1e-299"));
  EXPECT_NE(bound("1e21").find("\"max_abs\":1e+21"), std::string::npos) << bound("1e21");
  // Read back, the large-exponent spelling is the same number.
  EXPECT_EQ(canonical(bound("1e21")), bound("1e21"));
}

}  // namespace
}  // namespace fti::policy

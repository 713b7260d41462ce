// The policy language: every feature parses to what it means, and every
// mistake is reported with its line, column and a hint, all at once.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "policy/policy_parser.h"
#include "tests/support/temp_dir.h"

namespace fti::policy {
namespace {

PolicyCheck check(const std::string& text) { return check_policy(text, "p.yaml"); }

std::string dump(const PolicyCheck& c) {
  std::string out;
  for (const Diagnostic& d : c.diagnostics) out += format_diagnostic(c.file_name, d) + "\n";
  return out;
}

::testing::AssertionResult has(const PolicyCheck& c, Severity severity, std::uint32_t line, std::uint32_t column,
                               const std::string& message, const std::string& hint = {}) {
  for (const Diagnostic& d : c.diagnostics) {
    if (d.severity == severity && d.location.line == line && d.location.column == column &&
        d.message.find(message) != std::string::npos && d.hint.find(hint) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no diagnostic " << line << ":" << column << " \"" << message
                                       << "\" (hint \"" << hint << "\") in:\n"
                                       << dump(c);
}

::testing::AssertionResult error_at(const PolicyCheck& c, std::uint32_t line, std::uint32_t column,
                                    const std::string& message, const std::string& hint = {}) {
  if (c.ok()) return ::testing::AssertionFailure() << "the policy was accepted";
  return has(c, Severity::kError, line, column, message, hint);
}

Policy parse(const std::string& text) {
  PolicyCheck c = check(text);
  if (!c.ok()) ADD_FAILURE() << dump(c);
  return std::move(c.policy.value());
}

// The brief's example, in the final schema.
constexpr const char* kExample = R"(version: 1
preset: llama            # architecture preset: named tensor groups + matrix views
default: violation
groups:
  adapters: ["model.layers.*.self_attn.{q,v}_proj.lora_{A,B}.weight"]
rules:
  - name: embeddings
    match: model.embed_tokens.weight
    frozen: true
  - name: lora-attention
    match: "model.layers.{0..31}.self_attn.{q,k,v,o}_proj.weight"
    rank: {max: 16, residual: {relative: 0.004}}
  - name: attention-heads
    match: {group: attention}
    rank: {max: 4, per_head: {heads: 32}}
  - name: mlp
    match: {regex: "^model\\.layers\\.[0-9]+\\.mlp\\..*$"}
    norm: {frobenius: {absolute: 0.5, relative: 0.01}, max_abs: 0.01}
  - name: head
    match: lm_head.weight
    sparsity: {max_changed: 1000}
  - name: norms
    match: [{group: norms}, "model.layers.*.self_attn.rotary_emb.inv_freq"]
    sparsity: {max_fraction: 0.1%}
  - name: lora-adapters
    match: {group: adapters}
    allow: true
budgets:
  - name: mlp-total
    over: {group: mlp}
    sparsity: {max_fraction: 0.05}
    norm: {frobenius: {absolute: 2.0}}
)";

TEST(PolicyParser, TheExampleMeansWhatItSays) {
  const Policy p = parse(kExample);
  EXPECT_EQ(p.version(), 1);
  ASSERT_NE(p.preset(), nullptr);
  EXPECT_EQ(p.preset()->name(), "llama");
  EXPECT_EQ(p.default_action(), DefaultAction::kViolation);
  ASSERT_EQ(p.rules().size(), 7u);
  ASSERT_EQ(p.budgets().size(), 1u);
  EXPECT_TRUE(p.warnings().empty());

  const Rule& embeddings = p.rules()[0];
  EXPECT_EQ(embeddings.name, "embeddings");
  EXPECT_TRUE(embeddings.frozen);
  EXPECT_EQ(embeddings.location, (SourceLocation{7, 5}));
  EXPECT_EQ(embeddings.index, 0u);

  const Rule& lora = p.rules()[1];
  ASSERT_TRUE(lora.rank);
  EXPECT_EQ(lora.rank->max_rank, 16u);
  ASSERT_TRUE(lora.rank->residual);
  EXPECT_EQ(lora.rank->residual->relative, 0.004);
  EXPECT_FALSE(lora.rank->residual->absolute);
  EXPECT_FALSE(lora.rank->per_head);

  const Rule& heads = p.rules()[2];
  ASSERT_TRUE(heads.rank && heads.rank->per_head);
  EXPECT_EQ(heads.rank->max_rank, 4u);
  EXPECT_EQ(heads.rank->per_head->heads, 32u);
  EXPECT_EQ(heads.rank->per_head->axis, HeadAxis::kPreset);
  EXPECT_FALSE(heads.rank->residual);
  EXPECT_EQ(heads.match.to_string(), "{group: attention}");
  EXPECT_EQ(heads.match.patterns.size(), 2u);  // the preset group's globs

  const Rule& mlp = p.rules()[3];
  ASSERT_TRUE(mlp.norm && mlp.norm->frobenius);
  EXPECT_EQ(mlp.norm->frobenius->absolute, 0.5);
  EXPECT_EQ(mlp.norm->frobenius->relative, 0.01);
  EXPECT_EQ(mlp.norm->max_abs, 0.01);
  ASSERT_EQ(mlp.match.patterns.size(), 1u);
  EXPECT_EQ(mlp.match.patterns[0].kind, PatternKind::kRegex);

  const Rule& head = p.rules()[4];
  ASSERT_TRUE(head.sparsity);
  EXPECT_EQ(head.sparsity->max_changed, 1000u);
  EXPECT_FALSE(head.sparsity->max_fraction);

  const Rule& norms = p.rules()[5];
  EXPECT_EQ(norms.sparsity->max_fraction, 0.001);
  EXPECT_EQ(norms.match.items.size(), 2u);

  EXPECT_TRUE(p.rules()[6].allow);

  const Budget& budget = p.budgets()[0];
  EXPECT_EQ(budget.name, "mlp-total");
  EXPECT_EQ(budget.location, (SourceLocation{29, 5}));
  EXPECT_EQ(budget.sparsity->max_fraction, 0.05);
  EXPECT_EQ(budget.norm->frobenius->absolute, 2.0);
}

TEST(PolicyParser, FirstMatchWins) {
  const Policy p = parse(kExample);
  EXPECT_EQ(p.match("model.embed_tokens.weight")->name, "embeddings");
  EXPECT_EQ(p.match("model.layers.3.self_attn.q_proj.weight")->name, "lora-attention");
  EXPECT_EQ(p.match("model.layers.31.self_attn.o_proj.weight")->name, "lora-attention");
  // Layer 32 is outside {0..31}: the attention group's rule takes it.
  EXPECT_EQ(p.match("model.layers.32.self_attn.q_proj.weight")->name, "attention-heads");
  EXPECT_EQ(p.match("model.layers.0.self_attn.q_proj.bias")->name, "attention-heads");
  EXPECT_EQ(p.match("model.layers.7.mlp.up_proj.weight")->name, "mlp");
  EXPECT_EQ(p.match("lm_head.weight")->name, "head");
  EXPECT_EQ(p.match("model.norm.weight")->name, "norms");
  EXPECT_EQ(p.match("model.layers.2.self_attn.rotary_emb.inv_freq")->name, "norms");
  EXPECT_EQ(p.match("model.layers.9.self_attn.q_proj.lora_A.weight")->name, "lora-adapters");
  EXPECT_EQ(p.match("something.else"), nullptr);
  EXPECT_EQ(p.match(""), nullptr);
}

TEST(PolicyParser, BudgetsAndGroupsHaveMembershipTests) {
  const Policy p = parse(kExample);
  const Budget& mlp = p.budgets()[0];
  EXPECT_TRUE(p.in_budget(mlp, "model.layers.0.mlp.down_proj.weight"));
  EXPECT_FALSE(p.in_budget(mlp, "model.layers.0.self_attn.q_proj.weight"));
  EXPECT_EQ(p.budgets_for("model.layers.0.mlp.gate_proj.weight"), std::vector<std::size_t>{0});
  EXPECT_TRUE(p.budgets_for("lm_head.weight").empty());

  EXPECT_TRUE(p.has_group("attention"));
  EXPECT_TRUE(p.has_group("adapters"));
  EXPECT_FALSE(p.has_group("nope"));
  EXPECT_TRUE(p.in_group("adapters", "model.layers.4.self_attn.v_proj.lora_B.weight"));
  EXPECT_FALSE(p.in_group("adapters", "model.layers.4.self_attn.k_proj.lora_B.weight"));
  EXPECT_FALSE(p.in_group("nope", "model.layers.4.self_attn.k_proj.weight"));
  EXPECT_EQ(p.groups_of("model.layers.4.self_attn.v_proj.weight"), (std::vector<std::string>{"attention"}));
  EXPECT_EQ(p.groups_of("model.layers.4.self_attn.v_proj.lora_A.weight"), (std::vector<std::string>{"adapters"}));
  EXPECT_EQ(p.groups_of("model.layers.4.input_layernorm.weight"), (std::vector<std::string>{"norms"}));
  EXPECT_TRUE(p.groups_of("model.layers.4.unknown").empty());
  const std::vector<std::string> names = p.group_names();
  EXPECT_EQ(names.front(), "embeddings");
  EXPECT_EQ(names.back(), "adapters");
}

TEST(PolicyParser, SeveralBudgetsCanShareATensor) {
  const Policy p = parse(
      "version: 1\n"
      "default: allow\n"
      "budgets:\n"
      "  - {name: layer0, over: 'layers.0.**', norm: {frobenius: {absolute: 1}}}\n"
      "  - {name: weights, over: '**.weight', sparsity: {max_changed: 10}}\n"
      "  - {name: biases, over: '**.bias', sparsity: {max_changed: 10}}\n");
  EXPECT_EQ(p.budgets_for("layers.0.weight"), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(p.budgets_for("layers.1.bias"), (std::vector<std::size_t>{2}));
  EXPECT_TRUE(p.rules().empty());
  EXPECT_EQ(p.match("layers.0.weight"), nullptr);
  EXPECT_EQ(p.default_action(), DefaultAction::kAllow);
}

TEST(PolicyParser, DefaultAction) {
  EXPECT_EQ(parse("version: 1\n").default_action(), DefaultAction::kViolation);
  EXPECT_EQ(parse("version: 1\ndefault: violation\n").default_action(), DefaultAction::kViolation);
  EXPECT_EQ(parse("version: 1\ndefault: allow\n").default_action(), DefaultAction::kAllow);
  EXPECT_EQ(parse("version: 1\ndefault: 'frozen'\n").default_action(), DefaultAction::kFrozen);
  EXPECT_EQ(parse("version: 1\ndefault: frozen\n").default_location(), (SourceLocation{2, 10}));
  EXPECT_TRUE(error_at(check("version: 1\ndefault: violaton\n"), 2, 10, "default must be violation, allow or frozen",
                       "did you mean \"violation\"?"));
  EXPECT_TRUE(error_at(check("version: 1\ndefault: [allow]\n"), 2, 10, "default must be text, not a list"));
}

TEST(PolicyParser, UserGroupsMayUseOtherGroups) {
  const Policy p = parse(
      "version: 1\n"
      "preset: gpt2\n"
      "groups:\n"
      "  early: 'h.{0..3}.**'\n"
      "  early-attention: [{group: early}, {group: attention}]\n"
      "  deep: {group: early-attention}\n"
      "rules:\n"
      "  - name: r\n"
      "    match: {group: deep}\n"
      "    frozen: true\n");
  EXPECT_TRUE(p.in_group("deep", "h.11.attn.c_attn.weight"));
  EXPECT_TRUE(p.in_group("deep", "h.2.ln_1.weight"));
  EXPECT_FALSE(p.in_group("deep", "h.11.ln_1.weight"));
  EXPECT_EQ(p.match("h.1.mlp.c_fc.weight")->name, "r");
  EXPECT_EQ(p.match("h.9.mlp.c_fc.weight"), nullptr);
  EXPECT_EQ(p.user_groups().size(), 3u);
}

TEST(PolicyParser, PresetLongFormPinsTheRevision) {
  const Policy p = parse("version: 1\npreset: {name: bert, revision: 1}\n");
  EXPECT_EQ(p.preset()->name(), "bert");
  EXPECT_TRUE(error_at(check("version: 1\npreset: {name: bert, revision: 7}\n"), 2, 32,
                       "pins preset bert revision 7, this fti has revision 1"));
  EXPECT_TRUE(error_at(check("version: 1\npreset: {revision: 1}\n"), 2, 9, "preset needs a name"));
  EXPECT_TRUE(error_at(check("version: 1\npreset: lama\n"), 2, 9, "unknown preset \"lama\"", "did you mean \"llama\"?"));
  EXPECT_TRUE(error_at(check("version: 1\npreset: transformer\n"), 2, 9, "unknown preset",
                       "the presets are llama, gpt2, bert, resnet or mlp"));
}

TEST(PolicyParser, NumbersAndPercentages) {
  const auto fraction = [](const std::string& value) {
    const Policy p = parse("version: 1\nrules:\n  - {name: r, match: x, sparsity: {max_fraction: " + value + "}}\n");
    return *p.rules()[0].sparsity->max_fraction;
  };
  EXPECT_EQ(fraction("0.5"), 0.5);
  EXPECT_EQ(fraction(".5"), 0.5);
  EXPECT_EQ(fraction("5e-1"), 0.5);
  EXPECT_EQ(fraction("50%"), 0.5);
  EXPECT_EQ(fraction("0.4%"), 0.004);  // exactly the double nearest 0.004
  EXPECT_EQ(fraction("1E-3"), 0.001);
  EXPECT_EQ(fraction("0"), 0.0);
  EXPECT_EQ(fraction("100%"), 1.0);
  EXPECT_EQ(fraction("1"), 1.0);
  const auto relative = [](const std::string& value) {
    const Policy p =
        parse("version: 1\nrules:\n  - {name: r, match: x, norm: {frobenius: {relative: " + value + "}}}\n");
    return *p.rules()[0].norm->frobenius->relative;
  };
  EXPECT_EQ(relative("0.7%"), 0.007);
  EXPECT_EQ(relative("250%"), 2.5);  // relative bounds are not fractions
  EXPECT_EQ(relative("1.5e-1%"), 0.0015);
}

TEST(PolicyParser, BadNumbersAreReportedWhereTheyAre) {
  const std::string head = "version: 1\nrules:\n  - name: r\n    match: x\n";
  const auto bad = [&](const std::string& cls) { return check(head + "    " + cls + "\n"); };
  EXPECT_TRUE(error_at(bad("norm: {max_abs: -0.5}"), 5, 21, "max_abs must be greater than 0, not negative"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 0}"), 5, 21, "max_abs must be greater than 0", "use frozen: true"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 1%}"), 5, 21, "max_abs cannot be a percentage"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: .inf}"), 5, 21, "must be a finite number"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: .nan}"), 5, 21, "must be a finite number"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 1e400}"), 5, 21, "max_abs is out of range"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 0x10}"), 5, 21, "max_abs must be a number, not \"0x10\""));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 1_000}"), 5, 21, "must be a number"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: +1}"), 5, 21, "must be a number"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 1e}"), 5, 21, "must be a number"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 010}"), 5, 21, "without leading zeros", "octal"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 00.5}"), 5, 21, "without leading zeros"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: 1e-400}"), 5, 21, "max_abs is out of range"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: \"0.5\"}"), 5, 21, "max_abs must be a number, not quoted text",
                       "remove the quotes"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: [1]}"), 5, 21, "max_abs must be a number, not a list"));
  EXPECT_TRUE(error_at(bad("norm: {max_abs: }"), 5, 12, "max_abs must be a number, not nothing"));
  EXPECT_TRUE(error_at(bad("sparsity: {max_fraction: 1.5}"), 5, 30, "between 0 and 1"));
  EXPECT_TRUE(error_at(bad("sparsity: {max_fraction: 150%}"), 5, 30, "between 0 and 1"));
  EXPECT_TRUE(error_at(bad("sparsity: {max_changed: 16.0}"), 5, 29, "max_changed must be a whole number",
                       "digits only"));
  EXPECT_TRUE(error_at(bad("sparsity: {max_changed: 016}"), 5, 29, "without leading zeros", "octal"));
  EXPECT_TRUE(error_at(bad("sparsity: {max_changed: 18446744073709551616}"), 5, 29, "max_changed is too large"));
  EXPECT_TRUE(error_at(bad("sparsity: {max_changed: -3}"), 5, 29, "must not be negative"));
  EXPECT_TRUE(error_at(bad("rank: {max: 1e3}"), 5, 17, "max must be a whole number"));
  EXPECT_TRUE(error_at(bad("rank: {max: 4, per_head: {heads: 0}}"), 5, 38, "heads must be at least 1"));
  EXPECT_TRUE(error_at(bad("rank: {max: 4, residual: {absolute: 0}}"), 5, 41, "absolute must be greater than 0",
                       "omit residual"));
  const Policy big = parse(head + "    sparsity: {max_changed: 18446744073709551615}\n");
  EXPECT_EQ(big.rules()[0].sparsity->max_changed, 18446744073709551615u);
}

TEST(PolicyParser, BooleansAreStrict) {
  const std::string head = "version: 1\nrules:\n  - name: r\n    match: x\n";
  EXPECT_TRUE(parse(head + "    frozen: True\n").rules()[0].frozen);
  EXPECT_TRUE(error_at(check(head + "    frozen: yes\n"), 5, 13, "frozen must be true or false", "YAML 1.1"));
  EXPECT_TRUE(error_at(check(head + "    frozen: \"true\"\n"), 5, 13, "not quoted text", "remove the quotes"));
  EXPECT_TRUE(error_at(check(head + "    frozen: 1\n"), 5, 13, "frozen must be true or false, not \"1\""));
  EXPECT_TRUE(error_at(check(head + "    frozen: false\n"), 5, 13, "frozen: false has no effect"));
  EXPECT_TRUE(error_at(check(head + "    allow: false\n"), 5, 12, "allow: false has no effect"));
}

TEST(PolicyParser, DriftClassesCombineExceptFrozenAndAllow) {
  const std::string head = "version: 1\nrules:\n  - name: r\n    match: x\n";
  const Policy p = parse(head +
                         "    norm: {max_abs: 0.1}\n"
                         "    rank: {max: 2}\n"
                         "    sparsity: {max_changed: 5}\n");
  EXPECT_TRUE(p.rules()[0].norm && p.rules()[0].rank && p.rules()[0].sparsity);
  EXPECT_TRUE(error_at(check(head + "    frozen: true\n    norm: {max_abs: 0.1}\n"), 5, 5,
                       "frozen excludes every other drift class"));
  EXPECT_TRUE(error_at(check(head + "    rank: {max: 2}\n    frozen: true\n"), 6, 5,
                       "frozen excludes every other drift class"));
  EXPECT_TRUE(error_at(check(head + "    frozen: true\n    allow: true\n"), 5, 5, "frozen excludes"));
  EXPECT_TRUE(error_at(check(head + "    allow: true\n    sparsity: {max_changed: 1}\n"), 5, 5,
                       "allow: true permits any change"));
  EXPECT_TRUE(error_at(check(head), 3, 5, "rule \"r\" has no drift class", "add frozen: true"));
  EXPECT_TRUE(error_at(check(head + "    norm: {}\n"), 5, 11, "norm needs frobenius, max_abs or both"));
  EXPECT_TRUE(error_at(check(head + "    norm: {frobenius: {}}\n"), 5, 23, "frobenius needs absolute, relative or both"));
  EXPECT_TRUE(error_at(check(head + "    norm: {frobenius: 0.5}\n"), 5, 23, "frobenius must be a mapping, not text",
                       "frobenius: {absolute: 0.5}"));
  EXPECT_TRUE(error_at(check(head + "    norm: 0.5\n"), 5, 11, "norm must be a mapping"));
  EXPECT_TRUE(error_at(check(head + "    rank: {residual: {relative: 0.1}}\n"), 5, 11, "rank needs max"));
  EXPECT_TRUE(error_at(check(head + "    rank: {max: 1, per_head: {axis: in}}\n"), 5, 30, "per_head needs heads"));
  EXPECT_TRUE(error_at(check(head + "    rank: {max: 1, per_head: {heads: 2, axis: up}}\n"), 5, 47,
                       "axis must be out or in"));
  EXPECT_TRUE(error_at(check(head + "    sparsity: {}\n"), 5, 15, "sparsity needs max_changed, max_fraction or both"));
  const Policy axes = parse(head + "    rank: {max: 1, per_head: {heads: 2, axis: in}}\n");
  EXPECT_EQ(axes.rules()[0].rank->per_head->axis, HeadAxis::kIn);
}

TEST(PolicyParser, RulesNeedNameAndMatch) {
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - match: x\n    frozen: true\n"), 3, 5, "a rule has no name"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    frozen: true\n"), 3, 5, "rule \"r\" has no match"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: ''\n    match: x\n    frozen: true\n"), 3, 11,
                       "name is empty"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match:\n    frozen: true\n"), 4, 5,
                       "match is empty"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match: []\n    frozen: true\n"), 4, 12,
                       "match is an empty list"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match: ''\n    frozen: true\n"), 4, 12,
                       "a pattern is empty"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match: [[a]]\n    frozen: true\n"), 4, 13,
                       "lists of patterns cannot be nested"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match: {regex: a, group: b}\n    frozen: true\n"), 4,
                       12, "exactly one of glob, regex or group"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match: {regexp: a}\n    frozen: true\n"), 4, 13,
                       "unknown key \"regexp\" in a match", "did you mean \"regex\"?"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - name: r\n    match: {group: }\n    frozen: true\n"), 4, 13,
                       "group is empty"));
  EXPECT_TRUE(error_at(check("version: 1\nrules: {a: 1}\n"), 2, 8, "rules must be a list"));
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - embeddings\n"), 3, 5, "a rule is a mapping"));
  EXPECT_TRUE(error_at(check("version: 1\nbudgets:\n  - name: b\n    over: x\n"), 3, 5,
                       "budget \"b\" bounds nothing"));
  EXPECT_TRUE(error_at(check("version: 1\nbudgets:\n  - name: b\n    norm: {max_abs: 1}\n"), 3, 5,
                       "budget \"b\" has no over"));
  EXPECT_TRUE(error_at(check("version: 1\nbudgets: 3\n"), 2, 10, "budgets must be a list"));
}

TEST(PolicyParser, NamesAreUnique) {
  const PolicyCheck c = check(
      "version: 1\n"
      "rules:\n"
      "  - {name: a, match: x, frozen: true}\n"
      "  - {name: a, match: y, frozen: true}\n"
      "budgets:\n"
      "  - {name: a, over: x, norm: {max_abs: 1}}\n");
  EXPECT_TRUE(error_at(c, 4, 5, "rule name \"a\" is already used at line 3"));
  EXPECT_TRUE(error_at(c, 6, 5, "budget name \"a\" is already used at line 3"));
}

TEST(PolicyParser, UnknownKeysGetHints) {
  const PolicyCheck c = check(
      "version: 1\n"
      "rule:\n"
      "  - x\n"
      "rules:\n"
      "  - name: r\n"
      "    match: x\n"
      "    rnak: {max: 1}\n"
      "  - name: s\n"
      "    match: x\n"
      "    norm: {frobenious: {absolute: 1}}\n"
      "  - name: t\n"
      "    match: x\n"
      "    frobenius: {absolute: 1}\n"
      "  - name: u\n"
      "    over: x\n"
      "    frozen: true\n"
      "  - name: v\n"
      "    match: x\n"
      "    rank: {max: 1, heads: 4}\n"
      "budgets:\n"
      "  - name: b\n"
      "    over: x\n"
      "    changed_fraction: 0.05\n"
      "  - name: c\n"
      "    over: x\n"
      "    rank: {max: 1}\n"
      "    xyzzy: 1\n");
  EXPECT_TRUE(error_at(c, 2, 1, "unknown key \"rule\" in the policy", "did you mean \"rules\"?"));
  EXPECT_TRUE(error_at(c, 7, 5, "unknown key \"rnak\" in a rule", "did you mean \"rank\"?"));
  EXPECT_TRUE(error_at(c, 10, 12, "unknown key \"frobenious\" in norm", "did you mean \"frobenius\"?"));
  EXPECT_TRUE(error_at(c, 13, 5, "unknown key \"frobenius\" in a rule", "put it under norm"));
  EXPECT_TRUE(error_at(c, 15, 5, "unknown key \"over\" in a rule", "over is for budgets"));
  EXPECT_TRUE(error_at(c, 19, 20, "unknown key \"heads\" in rank", "put it under per_head"));
  EXPECT_TRUE(error_at(c, 23, 5, "unknown key \"changed_fraction\" in a budget", "sparsity: {max_fraction"));
  EXPECT_TRUE(error_at(c, 26, 5, "unknown key \"rank\" in a budget", "put rank on a rule"));
  EXPECT_TRUE(error_at(c, 27, 5, "unknown key \"xyzzy\" in a budget", "expected name, over, norm or sparsity"));
  // A misspelled class is not also reported as a missing one.
  for (const Diagnostic& d : c.diagnostics) {
    EXPECT_EQ(d.message.find("has no drift class"), std::string::npos) << dump(c);
  }
}

TEST(PolicyParser, VersionIsRequiredAndChecked) {
  EXPECT_TRUE(error_at(check("rules: []\n"), 1, 1, "the policy has no version", "version: 1"));
  EXPECT_TRUE(error_at(check("version: '1'\n"), 1, 10, "version must be a whole number, not quoted text"));
  const PolicyCheck future = check("version: 2\nrules: 5\nwhatever: 1\n");
  EXPECT_TRUE(error_at(future, 1, 10, "unsupported policy version 2", "version 1"));
  // Another version's schema is not checked against this one.
  EXPECT_EQ(future.error_count(), 2u) << dump(future);  // the version, and the unknown top-level key
  EXPECT_TRUE(error_at(check(""), 1, 1, "the policy is empty"));
  EXPECT_TRUE(error_at(check("- a\n- b\n"), 1, 1, "a policy is a mapping"));
}

TEST(PolicyParser, GroupErrors) {
  EXPECT_TRUE(error_at(check("version: 1\nrules:\n  - {name: r, match: {group: mlp}, frozen: true}\n"), 3, 30,
                       "unknown group \"mlp\"", "add e.g. 'preset: llama'"));
  EXPECT_TRUE(error_at(check("version: 1\npreset: llama\nrules:\n  - {name: r, match: {group: atention}, frozen: true}\n"),
                       4, 30, "unknown group \"atention\"", "did you mean \"attention\"?"));
  EXPECT_TRUE(error_at(check("version: 1\npreset: llama\ngroups:\n  mlp: x\n"), 4, 3,
                       "group \"mlp\" is already defined by preset llama"));
  EXPECT_TRUE(error_at(check("version: 1\ngroups:\n  a: {group: b}\n  b: [x, {group: a}]\n"), 3, 3,
                       "group \"a\" refers to itself (a -> b -> a)"));
  EXPECT_TRUE(error_at(check("version: 1\ngroups:\n  a: {group: a}\n"), 3, 3, "group \"a\" refers to itself (a -> a)"));
  EXPECT_TRUE(error_at(check("version: 1\ngroups:\n  'a b': x\n"), 3, 3, "invalid group name"));
  EXPECT_TRUE(error_at(check("version: 1\ngroups: [x]\n"), 2, 9, "groups must be a mapping"));
  // A group that failed is reported once, where it is defined.
  const PolicyCheck c = check("version: 1\ngroups:\n  g: 'a{'\nrules:\n  - {name: r, match: {group: g}, frozen: true}\n");
  EXPECT_EQ(c.error_count(), 1u) << dump(c);
}

TEST(PolicyParser, GlobErrorsPointInsideTheScalar) {
  const std::string head = "version: 1\nrules:\n  - name: r\n    frozen: true\n";
  // Plain scalar starting at column 12: the bad brace is 14 bytes in.
  EXPECT_TRUE(error_at(check(head + "    match: model.layers}.x\n"), 5, 24, "invalid glob", "escape a literal brace"));
  // Single-quoted: one more for the quote, and '' counts as one character.
  EXPECT_TRUE(error_at(check(head + "    match: 'it''s.l**'\n"), 5, 20, "** must be a whole segment"));
  // Double-quoted without escapes.
  EXPECT_TRUE(error_at(check(head + "    match: \"layers.{07..9}\"\n"), 5, 21, "leading zeros"));
  // Double-quoted with an escape: the scalar's start.
  EXPECT_TRUE(error_at(check(head + "    match: \"a\\tb\"\n"), 5, 12, "control character"));
  // In a list.
  EXPECT_TRUE(error_at(check(head + "    match: [ok.*, 'x.[z-a]']\n"), 5, 25, "reversed range"));
  // Behind an anchor: the anchor's position.
  EXPECT_TRUE(error_at(check(head + "    match: &p 'a}'\n"), 5, 12, "unmatched }"));
  // Block scalars: the scalar's start.
  EXPECT_TRUE(error_at(check(head + "    match: |-\n      a}\n"), 5, 12, "unmatched }"));
}

TEST(PolicyParser, RegexErrors) {
  const std::string head = "version: 1\nrules:\n  - name: r\n    frozen: true\n";
  EXPECT_TRUE(error_at(check(head + "    match: {regex: 'model\\.(a'}\n"), 5, 20, "invalid regular expression",
                       "RE2 syntax"));
  EXPECT_TRUE(error_at(check(head + "    match: {regex: '(a)\\1'}\n"), 5, 20, "invalid regular expression"));
  EXPECT_TRUE(error_at(check(head + "    match: {regex: '(?=a)'}\n"), 5, 20, "invalid regular expression"));
  EXPECT_TRUE(error_at(check(head + "    match: {regex: '((a{1000}){1000}){1000}'}\n"), 5, 20,
                       "invalid regular expression"));
  EXPECT_TRUE(error_at(check(head + "    match: {regex: '" + std::string(5000, 'a') + "'}\n"), 5, 20,
                       "longer than 4096 bytes"));
}

TEST(PolicyParser, PatternsTogetherHaveAnInstructionBudget) {
  std::string big;
  for (int i = 0; i < 12; ++i) big += "[a-z]{1000}";  // about 12,000 RE2 instructions
  std::string text = "version: 1\nrules:\n";
  for (int i = 0; i < 10; ++i) {
    text += "  - {name: r" + std::to_string(i) + ", match: {regex: '" + big + "x" + std::to_string(i) +
            "'}, frozen: true}\n";
  }
  const PolicyCheck c = check(text);
  EXPECT_EQ(c.error_count(), 1u) << dump(c);
  EXPECT_TRUE(error_at(c, 11, 23, "together compile to more than 100000 regular-expression instructions"));
  // A group counts wherever it is used.
  std::string reused = "version: 1\ngroups:\n  g: {regex: '" + big + "'}\nrules:\n";
  for (int i = 0; i < 10; ++i) {
    reused += "  - {name: r" + std::to_string(i) + ", match: {group: g}, frozen: true}\n";
  }
  EXPECT_TRUE(error_at(check(reused), 12, 23, "together compile to more than"));
}

TEST(PolicyParser, ExactNamesScaleToARulePerTensor) {
  std::string text = "version: 1\nrules:\n";
  for (int i = 0; i < 8000; ++i) {
    text += "  - {name: r" + std::to_string(i) + ", match: model.layers." + std::to_string(i / 8) + ".t" +
            std::to_string(i % 8) + ", frozen: true}\n";
  }
  const Policy p = parse(text);
  EXPECT_EQ(p.rules().size(), 8000u);
  EXPECT_EQ(p.match("model.layers.999.t7")->name, "r7999");
  EXPECT_EQ(p.match("model.layers.0.t0")->name, "r0");
  EXPECT_EQ(p.match("model.layers.1000.t0"), nullptr);
}

TEST(PolicyParser, RegexesMatchWholeNames) {
  const Policy p = parse("version: 1\nrules:\n  - {name: r, match: {regex: 'layers\\.[0-9]+'}, frozen: true}\n");
  EXPECT_NE(p.match("layers.12"), nullptr);
  EXPECT_EQ(p.match("model.layers.12"), nullptr);
  EXPECT_EQ(p.match("layers.12.weight"), nullptr);
  const Policy anchored = parse("version: 1\nrules:\n  - {name: r, match: {regex: '^a|b$'}, frozen: true}\n");
  EXPECT_NE(anchored.match("a"), nullptr);
  EXPECT_NE(anchored.match("b"), nullptr);
  EXPECT_EQ(anchored.match("ab"), nullptr);
}

TEST(PolicyParser, ReportsEveryErrorAtOnce) {
  const PolicyCheck c = check(
      "version: 1\n"
      "preset: lama\n"
      "default: violaton\n"
      "rules:\n"
      "  - name: a\n"
      "    match: 'x{'\n"
      "    frozen: yes\n"
      "  - name: b\n"
      "    match: y\n"
      "    norm: {max_abs: -1}\n"
      "    norm: {max_abs: 1}\n");
  EXPECT_EQ(c.error_count(), 6u) << dump(c);
  EXPECT_TRUE(error_at(c, 2, 9, "unknown preset"));
  EXPECT_TRUE(error_at(c, 3, 10, "default must be"));
  EXPECT_TRUE(error_at(c, 6, 14, "unterminated {"));
  EXPECT_TRUE(error_at(c, 7, 13, "frozen must be true or false"));
  EXPECT_TRUE(error_at(c, 10, 21, "max_abs must be greater than 0"));
  EXPECT_TRUE(error_at(c, 11, 5, "duplicate key \"norm\""));
  // Diagnostics come in file order.
  for (std::size_t i = 1; i < c.diagnostics.size(); ++i) {
    EXPECT_LE(c.diagnostics[i - 1].location, c.diagnostics[i].location);
  }
}

TEST(PolicyParser, ShadowedRulesAreWarnings) {
  const PolicyCheck c = check(
      "version: 1\n"
      "rules:\n"
      "  - {name: all-attn, match: 'model.layers.*.self_attn.*', frozen: true}\n"
      "  - {name: q, match: 'model.layers.{0..3}.self_attn.q_proj', frozen: true}\n"
      "  - {name: low, match: 'layers.{0..15}.x', frozen: true}\n"
      "  - {name: high, match: 'layers.{16..31}.x', frozen: true}\n"
      "  - {name: both, match: 'layers.{0..31}.x', frozen: true}\n"
      "  - {name: wider, match: 'layers.{0..32}.x', frozen: true}\n"
      "  - {name: rx, match: {regex: 'emb.*'}, frozen: true}\n"
      "  - {name: literal, match: embed, frozen: true}\n"
      "  - {name: same-rx, match: {regex: 'emb.*'}, frozen: true}\n"
      "  - {name: mlp, match: 'model.layers.*.mlp.*', frozen: true}\n"
      "  - {name: la, match: p.a, frozen: true}\n"
      "  - {name: lb, match: p.b, frozen: true}\n"
      "  - {name: lab, match: 'p.{a,b}', frozen: true}\n");
  ASSERT_TRUE(c.ok()) << dump(c);
  EXPECT_TRUE(has(c, Severity::kWarning, 15, 24, "rule \"lab\" can never match: earlier rules together"));
  EXPECT_TRUE(has(c, Severity::kWarning, 4, 22, "rule \"q\" can never match: rule \"all-attn\" (line 3)"));
  EXPECT_TRUE(has(c, Severity::kWarning, 7, 25, "rule \"both\" can never match: earlier rules together"));
  EXPECT_TRUE(has(c, Severity::kWarning, 10, 28, "rule \"literal\" can never match: rule \"rx\""));
  EXPECT_TRUE(has(c, Severity::kWarning, 11, 28, "rule \"same-rx\" can never match: rule \"rx\""));
  EXPECT_EQ(c.warning_count(), 5u) << dump(c);
  EXPECT_EQ(c.policy->warnings().size(), 5u);

  const PolicyCheck everything = check(
      "version: 1\n"
      "rules:\n"
      "  - {name: any, match: '**', allow: true}\n"
      "  - {name: rx, match: {regex: 'x'}, frozen: true}\n");
  EXPECT_TRUE(has(everything, Severity::kWarning, 4, 23, "rule \"rx\" can never match"));
}

TEST(PolicyParser, PolicyErrorListsEveryDiagnostic) {
  try {
    (void)parse_policy("version: 1\ndefault: nope\nrules: 3\n", "bad.yaml");
    FAIL() << "accepted";
  } catch (const PolicyError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kPolicy);
    EXPECT_EQ(e.file_name(), "bad.yaml");
    ASSERT_EQ(e.diagnostics().size(), 2u);
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.yaml:2:10: error: default must be"), std::string::npos) << what;
    EXPECT_NE(what.find("\nbad.yaml:3:8: error: rules must be a list"), std::string::npos) << what;
  }
  EXPECT_EQ(parse_policy(kExample, "ok.yaml").file_name(), "ok.yaml");
}

TEST(PolicyParser, ReadsFilesWithALimit) {
  testing::TempDir dir;
  {
    std::ofstream(dir / "p.yaml") << kExample;
  }
  EXPECT_EQ(parse_policy_file(dir / "p.yaml").rules().size(), 7u);
  try {
    (void)parse_policy_file(dir / "missing.yaml");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kPolicy);
    EXPECT_NE(std::string(e.what()).find("missing.yaml: cannot read policy: no such file"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)parse_policy_file(dir.path()), Error);
  {
    std::ofstream big(dir / "big.yaml");
    big << "version: 1\n# " << std::string(2 << 20, 'x') << "\n";
  }
  const PolicyCheck c = check_policy_file(dir / "big.yaml");
  EXPECT_TRUE(error_at(c, 1, 1, "more than the limit of 1048576"));
}

TEST(PolicyParser, AliasesCanShareBounds) {
  const Policy p = parse(
      "version: 1\n"
      "rules:\n"
      "  - name: a\n"
      "    match: a.*\n"
      "    norm: &small {frobenius: {relative: 1%}}\n"
      "  - name: b\n"
      "    match: b.*\n"
      "    norm: *small\n");
  EXPECT_EQ(p.rules()[0].norm, p.rules()[1].norm);
  // A bad value behind an alias is reported once, where the anchor defines it.
  const PolicyCheck c = check(
      "version: 1\n"
      "rules:\n"
      "  - {name: a, match: a.*, norm: &bad {max_abs: -1}}\n"
      "  - {name: b, match: b.*, norm: *bad}\n");
  EXPECT_EQ(c.error_count(), 1u) << dump(c);
  EXPECT_TRUE(error_at(c, 3, 48, "max_abs must be greater than 0"));
}

TEST(PolicyParser, AnAliasBombIsAPolicyErrorNotAHang) {
  std::string text = "version: 1\nx: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  char previous = 'a';
  for (char c = 'b'; c <= 'z'; ++c) {
    text += std::string("y") + c + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", " : "") + "*" + previous;
    text += "]\n";
    previous = c;
  }
  const PolicyCheck c = check(text);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error_count(), 1u) << dump(c);
  EXPECT_NE(dump(c).find("more than 100000 YAML nodes"), std::string::npos) << dump(c);
}

}  // namespace
}  // namespace fti::policy

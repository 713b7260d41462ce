// `fti policy init` output: a commented policy per preset that passes its
// own check without warnings and uses that preset's groups.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy_parser.h"
#include "policy/starter_policy.h"

namespace fti::policy {
namespace {

TEST(StarterPolicy, EveryPresetHasOneThatChecksCleanly) {
  for (std::string_view preset : preset_names()) {
    const std::optional<std::string> text = starter_policy(preset);
    ASSERT_TRUE(text) << preset;
    const PolicyCheck check = check_policy(*text, "starter.yaml");
    ASSERT_TRUE(check.ok()) << preset;
    EXPECT_EQ(check.warning_count(), 0u) << preset;
    ASSERT_NE(check.policy->preset(), nullptr);
    EXPECT_EQ(check.policy->preset()->name(), preset);
    EXPECT_EQ(check.policy->default_action(), DefaultAction::kViolation);
    EXPECT_GE(check.policy->rules().size(), 2u) << preset;
    EXPECT_NE(text->find("# "), std::string::npos) << preset;  // commented
    EXPECT_NE(text->find("{group: "), std::string::npos) << preset;  // uses the preset's groups
  }
  EXPECT_FALSE(starter_policy("nope"));
}

TEST(StarterPolicy, LlamaStarterFitsTheDemoModel) {
  const Policy p = parse_policy(*starter_policy("llama"), "llama.yaml");
  EXPECT_EQ(p.match("model.embed_tokens.weight")->name, "embeddings");
  EXPECT_EQ(p.match("model.layers.2.self_attn.q_proj.weight")->name, "attention-lora");
  EXPECT_EQ(p.match("model.layers.2.self_attn.q_proj.bias")->name, "attention-other");
  EXPECT_EQ(p.match("model.layers.2.mlp.down_proj.weight")->name, "mlp");
  EXPECT_EQ(p.match("model.layers.2.input_layernorm.weight")->name, "norms");
  EXPECT_EQ(p.match("lm_head.weight")->name, "lm-head");
  EXPECT_EQ(p.match("layers.2.attention.wq.weight")->name, "attention-lora");
  EXPECT_EQ(p.budgets_for("model.layers.2.mlp.up_proj.weight"), std::vector<std::size_t>{0});
}

}  // namespace
}  // namespace fti::policy

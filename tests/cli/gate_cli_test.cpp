// `fti gate` as a pipeline runs it on the demo models: a compliant LoRA
// fine-tune passes (exit 0), a tampered one is blocked (exit 1) with the
// tensors and rule lines named; policy and input errors exit 2 and 3, and
// leave no report behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/model_fixtures.h"
#include "tests/cli/fti_cli.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::TempDir;

class GateCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0); }
  std::string demo(const char* name) const { return (dir_ / "demo" / name).string(); }
  CommandResult gate(const std::string& candidate, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"gate", "--policy", demo("policy.yaml"), "--base", demo("base"),
                                     "--candidate", candidate};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }
  TempDir dir_;
};

TEST_F(GateCli, CompliantLoraPasses) {
  const CommandResult r = gate(demo("candidate-lora"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: COMPLIANT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lora-attention (line 6)"), std::string::npos) << r.out;
}

TEST_F(GateCli, TamperedCandidateIsBlockedWithTensorsAndRuleLines) {
  const CommandResult r = gate(demo("candidate-tampered"), {"--report-dir", (dir_ / "reports").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: BLOCKED (2 violations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model.embed_tokens.weight: frozen:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model.layers.2.mlp.down_proj.weight: frozen:"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "reports" / "report.json"));
  const nlohmann::json j = nlohmann::json::parse(testing::slurp(dir_ / "reports" / "report.json"));
  EXPECT_EQ(j["kind"], "gate");
  EXPECT_EQ(j["verdict"], "violation");
  EXPECT_EQ(j["policy"]["preset"], "llama");
  std::size_t violations = 0;
  for (const auto& t : j["tensors"]) {
    if (t["verdict"] == "violation") {
      ++violations;
      EXPECT_EQ(t["rule"]["name"], "frozen");
      EXPECT_EQ(t["rule"]["line"], 13);
    }
  }
  EXPECT_EQ(violations, 2u);
}

TEST_F(GateCli, JsonCarriesRankFiguresAndBudgets) {
  const CommandResult r = gate(demo("candidate-lora"), {"--json", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "compliant");
  ASSERT_EQ(j["budgets"].size(), 1u);
  EXPECT_EQ(j["budgets"][0]["name"], "attention-total");
  EXPECT_EQ(j["budgets"][0]["tensors"], 16);
  std::size_t ranked = 0;
  for (const auto& t : j["tensors"]) {
    if (!t.contains("rank")) continue;
    ++ranked;
    EXPECT_EQ(t["rank"]["max_rank"], 8);
    bool residual_checked = false;
    for (const auto& c : t["checks"]) residual_checked = residual_checked || c["check"] == "rank.residual.relative";
    EXPECT_TRUE(residual_checked) << t["name"];
  }
  EXPECT_EQ(ranked, 8u);
}

TEST_F(GateCli, InvalidPolicyExitsTwoBeforeReadingModels) {
  testing::write_text(dir_ / "bad.yaml", "version: 1\nrules:\n  - name: x\n    match: '**'\n    frozen: maybe\n");
  const CommandResult r = fti_cli({"gate", "--policy", (dir_ / "bad.yaml").string(), "--base", demo("base"),
                                   "--candidate", "/nonexistent", "--report-dir", (dir_ / "reports").string()},
                                  dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:5:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "reports"));
}

TEST_F(GateCli, MissingCandidateExitsThreeWithoutReport) {
  const CommandResult r = gate((dir_ / "missing").string(), {"--report-dir", (dir_ / "reports").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "reports" / "report.json"));
}

TEST_F(GateCli, MissingOptionIsAUsageError) {
  const CommandResult r = fti_cli({"gate", "--base", demo("base"), "--candidate", demo("candidate-lora")}, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--policy"), std::string::npos) << r.err;
}

TEST_F(GateCli, SuggestedPolicyAdmitsItsCandidateAndBlocksTheTampered) {
  const std::string policy = (dir_ / "suggested.yaml").string();
  CommandResult r = fti_cli({"policy", "suggest", "--base", demo("base"), "--candidate", demo("candidate-lora"),
                             "--preset", "llama", "--margin", "10%", "--out", policy},
                            dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("confirmed by the gate"), std::string::npos) << r.err;
  const std::string yaml = testing::slurp(policy);
  EXPECT_NE(yaml.find("self_attn.q_proj.weight"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("max: 8"), std::string::npos) << yaml;
  EXPECT_EQ(fti_cli({"policy", "check", policy}, dir_).exit_code, 0);
  r = fti_cli({"gate", "--policy", policy, "--base", demo("base"), "--candidate", demo("candidate-lora")}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = fti_cli({"gate", "--policy", policy, "--base", demo("base"), "--candidate", demo("candidate-tampered")}, dir_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  // An existing file is not overwritten without --force.
  r = fti_cli({"policy", "suggest", "--base", demo("base"), "--candidate", demo("candidate-lora"), "--out", policy},
              dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(testing::slurp(policy), yaml);
}

}  // namespace
}  // namespace fti

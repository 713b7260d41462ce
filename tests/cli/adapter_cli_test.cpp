// `fti gate --adapter` end to end: base + a generated PEFT adapter gated
// against a policy (the adapter's rank and targets checked too), and a merged
// checkpoint checked against base + adapter (exit 0 exact, 1 with the tensor
// names and residuals); malformed adapters exit 3 with one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/adapter/adapter_fixtures.h"
#include "tests/cli/fti_cli.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::make_lora;
using testing::random_tensor;
using testing::TempDir;
using testing::TestLora;
using testing::TestTensor;

constexpr const char* kPolicy =
    "version: 1\ndefault: violation\nrules:\n"
    "  - name: lora-attention\n    match: \"model.layers.*.self_attn.{q,v}_proj.weight\"\n"
    "    rank: {max: 4, residual: {relative: 1%}}\n"
    "  - name: frozen\n    match: \"**\"\n    frozen: true\n";

class AdapterCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::uint64_t seed = 1;
    for (int l = 0; l < 2; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      for (const char* name : {"self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj"}) {
        base_.push_back(random_tensor(p + name + ".weight", DType::kBF16, {16, 16}, seed++));
      }
    }
    testing::write_tensors(dir_ / "base" / "model.safetensors", base_);
    testing::write_text(dir_ / "policy.yaml", kPolicy);
  }

  // An adapter on q_proj and v_proj of every layer with rank `r`; returns the exact merge.
  std::vector<TestTensor> write_attention_adapter(const std::string& name, std::uint64_t r,
                                                  const std::string& targets = "[\"q_proj\", \"v_proj\"]") {
    std::vector<TestLora> loras;
    std::vector<TestTensor> merged = base_;
    for (TestTensor& t : merged) {
      if (t.name.find("mlp") != std::string::npos && targets.find("down_proj") == std::string::npos) continue;
      const std::string module = t.name.substr(0, t.name.size() - 7);
      loras.push_back(make_lora(module, r, 16, 16, DType::kBF16, 100 + loras.size()));
      t.values = testing::reference_merge(t, loras.back(), 16.0 / static_cast<double>(r), false);
    }
    testing::write_adapter(dir_ / name,
                           R"({"peft_type": "LORA", "r": )" + std::to_string(r) +
                               R"(, "lora_alpha": 16, "target_modules": )" + targets + "}",
                           loras);
    return merged;
  }

  CommandResult run(std::vector<std::string> args) { return fti_cli(args, dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  TempDir dir_;
  std::vector<TestTensor> base_;
};

TEST_F(AdapterCli, CompliantAdapterPassesTheGateLikeItsMerge) {
  const std::vector<TestTensor> merged = write_attention_adapter("ad", 4);
  const CommandResult r = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("ad")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: COMPLIANT"), std::string::npos) << r.out;

  // The same verdict and figures as gating the merged checkpoint itself.
  testing::write_tensors(dir_ / "merged" / "model.safetensors", merged);
  const CommandResult a = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("ad"), "--json"});
  const CommandResult m = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--candidate", path("merged"), "--json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const nlohmann::json ja = nlohmann::json::parse(a.out), jm = nlohmann::json::parse(m.out);
  ASSERT_EQ(ja["tensors"].size(), jm["tensors"].size());
  for (std::size_t i = 0; i < ja["tensors"].size(); ++i) {
    EXPECT_EQ(ja["tensors"][i]["stats"], jm["tensors"][i]["stats"]) << i;
  }
  EXPECT_EQ(ja["candidate"]["files"][0]["name"], "adapter_config.json");
  EXPECT_EQ(ja["candidate"]["files"][1]["name"], "adapter_model.safetensors");
  bool rank_checked = false;
  for (const auto& t : ja["tensors"]) {
    for (const auto& c : t["checks"]) rank_checked = rank_checked || (c["check"] == "adapter.rank" && c["pass"] == true);
  }
  EXPECT_TRUE(rank_checked);
  // Nothing left behind in the cache's scratch directory.
  std::size_t leftovers = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "cache")) leftovers += e.is_regular_file() ? 1u : 0u;
  EXPECT_EQ(leftovers, 0u);
}

TEST_F(AdapterCli, AdapterRankAboveTheRuleAndFrozenTargetsAreViolations) {
  write_attention_adapter("wide", 8);
  const CommandResult wide = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("wide")});
  EXPECT_EQ(wide.exit_code, 1) << wide.out << wide.err;
  EXPECT_NE(wide.out.find("model.layers.0.self_attn.q_proj.weight: adapter rank 8 (from r) exceeds the rule's max rank 4"),
            std::string::npos) << wide.out;

  write_attention_adapter("frozen", 2, "[\"q_proj\", \"v_proj\", \"down_proj\"]");
  const CommandResult frozen = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("frozen")});
  EXPECT_EQ(frozen.exit_code, 1) << frozen.out << frozen.err;
  EXPECT_NE(frozen.out.find("model.layers.1.mlp.down_proj.weight: frozen, but the adapter targets module "
                            "model.layers.1.mlp.down_proj"),
            std::string::npos) << frozen.out;
}

TEST_F(AdapterCli, MergedCheckpointIsCheckedAgainstBasePlusAdapter) {
  std::vector<TestTensor> merged = write_attention_adapter("ad", 4);
  testing::write_tensors(dir_ / "exact" / "model.safetensors", merged);
  const CommandResult exact = run({"gate", "--base", path("base"), "--adapter", path("ad"), "--candidate", path("exact")});
  EXPECT_EQ(exact.exit_code, 0) << exact.out << exact.err;
  EXPECT_NE(exact.out.find("verdict: MATCH"), std::string::npos) << exact.out;

  // One entry of one merged tensor nudged by 4 ulps (here: 2^-5 relative steps), and
  // a tensor the adapter does not touch changed.
  merged[1].values[20] = testing::reference_round(DType::kBF16, merged[1].values[20] * (1 + 4.0 / 128));
  merged[2].values[3] = testing::reference_round(DType::kBF16, merged[2].values[3] + 0.25);
  testing::write_tensors(dir_ / "tampered" / "model.safetensors", merged);
  const CommandResult bad = run({"gate", "--base", path("base"), "--adapter", path("ad"), "--candidate", path("tampered")});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("\"model.layers.0.self_attn.v_proj.weight\": max "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("\"model.layers.0.mlp.down_proj.weight\": max "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("||residual||_F = "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("verdict: MISMATCH (2 of 6 tensors"), std::string::npos) << bad.out;

  const CommandResult json = run({"gate", "--base", path("base"), "--adapter", path("ad"), "--candidate", path("tampered"), "--json"});
  ASSERT_EQ(json.exit_code, 1) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["schema"], "fti.adapter-check/v1");
  EXPECT_EQ(j["verdict"], "mismatch");
  EXPECT_EQ(j["summary"]["mismatches"], 2);
  for (const auto& t : j["tensors"]) {
    if (t["name"] == "model.layers.0.self_attn.v_proj.weight") {
      EXPECT_GE(t["max_ulp"].get<int>(), 3);
      EXPECT_EQ(t["differing"], 1);
      EXPECT_GT(t["frobenius_residual"].get<double>(), 0.0);
    }
  }
  // The unmerged base is not base + adapter.
  EXPECT_EQ(run({"gate", "--base", path("base"), "--adapter", path("ad"), "--candidate", path("base")}).exit_code, 1);
}

TEST_F(AdapterCli, MalformedAdaptersExitThreeWithOneLine) {
  write_attention_adapter("ad", 4);
  std::filesystem::copy(dir_ / "ad", dir_ / "dora");
  testing::write_text(dir_ / "dora" / "adapter_config.json",
                      R"({"peft_type": "LORA", "r": 4, "use_dora": true, "target_modules": ["q_proj", "v_proj"]})");
  const CommandResult dora = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("dora")});
  EXPECT_EQ(dora.exit_code, 3) << dora.out << dora.err;
  EXPECT_EQ(dora.err, "fti: error: " + path("dora") + "/adapter_config.json: field \"use_dora\": DoRA (use_dora: true) is not "
                      "supported (fti merges plain LoRA only; see docs/ADAPTERS.md)\n");

  write_attention_adapter("wrong-rank", 4);
  testing::write_text(dir_ / "wrong-rank" / "adapter_config.json",
                      R"({"peft_type": "LORA", "r": 2, "target_modules": ["q_proj", "v_proj"]})");
  const CommandResult shape = run({"gate", "--base", path("base"), "--adapter", path("wrong-rank"), "--candidate", path("base")});
  EXPECT_EQ(shape.exit_code, 3) << shape.out << shape.err;
  EXPECT_NE(shape.err.find("wrong-rank/adapter_model.safetensors: tensor \"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight\": "
                           "shape [4, 16], expected [2, 16]"),
            std::string::npos) << shape.err;
  EXPECT_EQ(std::count(shape.err.begin(), shape.err.end(), '\n'), 1);

  const CommandResult usage = run({"gate", "--base", path("base"), "--adapter", path("ad")});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  const CommandResult both = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("ad"),
                                  "--candidate", path("base")});
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

TEST_F(AdapterCli, AdapterInAnArchive) {
  write_attention_adapter("ad", 4);
  const CommandResult tar = testing::run_command({"/bin/tar", "-czf", path("ad.tar.gz"), "-C", dir_.path().string(), "ad"}, dir_.path(), {});
  ASSERT_EQ(tar.exit_code, 0) << tar.err;
  const CommandResult r = run({"gate", "--policy", path("policy.yaml"), "--base", path("base"), "--adapter", path("ad.tar.gz")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace fti

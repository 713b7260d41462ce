// check_merge: an exact merge matches; an entry a few ulps off, or a tensor
// the adapter does not touch that changed, is named with its figures.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/adapter/adapter_plan.h"
#include "engine/adapter/adapter_policy.h"
#include "engine/adapter/merge_check_report.h"
#include "engine/adapter/merge_residual.h"
#include "policy/policy_parser.h"
#include "tests/adapter/adapter_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::make_lora;
using testing::random_tensor;
using testing::TempDir;
using testing::TestLora;
using testing::TestTensor;

// The next representable value above `v` in `dtype`, `steps` times.
double step_up(DType dtype, double v, int steps) {
  for (int i = 0; i < steps; ++i) {
    if (dtype == DType::kF32) {
      v = static_cast<double>(std::nextafter(static_cast<float>(v), 1e30f));
    } else {
      int e = 0;
      (void)std::frexp(std::fabs(v), &e);
      v += std::copysign(1.0, v) * std::ldexp(1.0, e - 8) * (v >= 0 ? 1 : -1) * (v >= 0 ? 1 : -1);
    }
  }
  return v;
}

class MergeCheckTest : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    const DType dtype = GetParam();
    base_ = {random_tensor("m.layers.0.q_proj.weight", dtype, {8, 6}, 1),
             random_tensor("m.layers.0.v_proj.weight", dtype, {8, 6}, 2),
             random_tensor("m.layers.0.mlp.weight", dtype, {6, 6}, 3)};
    loras_ = {make_lora("m.layers.0.q_proj", 2, 6, 8, dtype, 11), make_lora("m.layers.0.v_proj", 2, 6, 8, dtype, 13)};
    merged_ = base_;
    for (std::size_t i = 0; i < 2; ++i) merged_[i].values = testing::reference_merge(base_[i], loras_[i], 3.0, false);
    testing::write_tensors(dir_ / "base" / "model.safetensors", base_);
    testing::write_adapter(dir_ / "ad", R"({"peft_type": "LORA", "r": 2, "lora_alpha": 6, "target_modules": ["q_proj", "v_proj"]})",
                           loras_);
  }

  adapter::MergeCheck check(const std::vector<TestTensor>& candidate, std::uint64_t tolerance) {
    testing::write_tensors(dir_ / "cand" / "model.safetensors", candidate);
    adapter_ = std::make_unique<LoadedAdapter>(load_adapter(locate_adapter_directory(dir_ / "ad", "ad")));
    const Checkpoint base = Checkpoint::open_local(dir_ / "base");
    const Checkpoint cand = Checkpoint::open_local(dir_ / "cand");
    plan_ = adapter::plan_adapter(adapter_->config, adapter_->weights, base);
    return adapter::check_merge(plan_, base, adapter_->weights, cand, {tolerance});
  }

  const adapter::TensorResidual& tensor(const adapter::MergeCheck& c, const std::string& name) {
    for (const auto& t : c.tensors) {
      if (t.name == name) return t;
    }
    throw std::runtime_error("no " + name);
  }

  TempDir dir_;
  std::vector<TestTensor> base_, merged_;
  std::vector<TestLora> loras_;
  std::unique_ptr<LoadedAdapter> adapter_;
  adapter::AdapterPlan plan_;
};

TEST_P(MergeCheckTest, ExactMergeMatchesWithZeroUlps) {
  const adapter::MergeCheck c = check(merged_, 0);
  EXPECT_TRUE(c.matches);
  ASSERT_EQ(c.tensors.size(), 3u);
  for (const auto& t : c.tensors) {
    EXPECT_EQ(t.max_ulp, 0u) << t.name;
    EXPECT_EQ(t.differing, 0u) << t.name;
    EXPECT_EQ(t.frobenius, 0.0) << t.name;
  }
  EXPECT_EQ(tensor(c, "m.layers.0.q_proj.weight").source, "lora");
  EXPECT_EQ(tensor(c, "m.layers.0.mlp.weight").source, "base");
  // Unmerged base is not base + adapter.
  EXPECT_FALSE(check(base_, 0).matches);
}

TEST_P(MergeCheckTest, EntryAFewUlpsOffIsNamedWithItsResidual) {
  std::vector<TestTensor> candidate = merged_;
  const double before = candidate[1].values[13];
  candidate[1].values[13] = step_up(GetParam(), before, 3);
  const adapter::MergeCheck c = check(candidate, 1);
  EXPECT_FALSE(c.matches);
  EXPECT_EQ(c.mismatch_count(), 1u);
  const adapter::TensorResidual& t = tensor(c, "m.layers.0.v_proj.weight");
  EXPECT_FALSE(t.matches);
  EXPECT_EQ(t.max_ulp, 3u);
  EXPECT_EQ(t.differing, 1u);
  EXPECT_EQ(t.worst_index, 13u);
  EXPECT_DOUBLE_EQ(t.frobenius, std::fabs(candidate[1].values[13] - before));
  EXPECT_TRUE(tensor(c, "m.layers.0.q_proj.weight").matches);
  // Within a tolerance of 3 ulps it matches.
  EXPECT_TRUE(check(candidate, 3).matches);

  adapter::MergeCheckReport report;
  report.check = c;
  const std::string text = adapter::to_text(report);
  EXPECT_NE(text.find("\"m.layers.0.v_proj.weight\": max 3 ulp at [2, 1] (tolerance 1), 1 of 48 entries differ"),
            std::string::npos) << text;
  EXPECT_NE(text.find("verdict: MISMATCH (1 of 3 tensors"), std::string::npos) << text;
  const nlohmann::json j = adapter::to_json(report);
  EXPECT_EQ(j["schema"], "fti.adapter-check/v1");
  EXPECT_EQ(j["verdict"], "mismatch");
  EXPECT_EQ(j["tensors"][2]["name"], "m.layers.0.v_proj.weight");
  EXPECT_EQ(j["tensors"][2]["max_ulp"], 3);
}

TEST_P(MergeCheckTest, UntouchedTensorThatChangedIsAMismatch) {
  std::vector<TestTensor> candidate = merged_;
  candidate[2].values[0] = step_up(GetParam(), candidate[2].values[0], 1);
  const adapter::MergeCheck c = check(candidate, 1);
  EXPECT_TRUE(c.matches);  // one ulp is within the tolerance of 1 ...
  const adapter::MergeCheck strict = check(candidate, 0);
  EXPECT_FALSE(strict.matches);  // ... not of 0
  EXPECT_EQ(tensor(strict, "m.layers.0.mlp.weight").source, "base");
  EXPECT_EQ(tensor(strict, "m.layers.0.mlp.weight").max_ulp, 1u);
  candidate[2].values[5] = 0.75;
  const adapter::MergeCheck changed = check(candidate, 1);  // kept: `t` refers into it
  const adapter::TensorResidual& t = tensor(changed, "m.layers.0.mlp.weight");
  EXPECT_FALSE(t.matches);
  EXPECT_GT(t.max_ulp, 100u);
  EXPECT_GT(t.frobenius, 0.5);
}

TEST_P(MergeCheckTest, MissingExtraAndRetypedTensorsNeverMatch) {
  std::vector<TestTensor> candidate = merged_;
  candidate.pop_back();
  candidate.push_back(random_tensor("m.extra.weight", GetParam(), {2}, 5));
  const adapter::MergeCheck c = check(candidate, 100);
  EXPECT_EQ(tensor(c, "m.layers.0.mlp.weight").status, "missing");
  EXPECT_EQ(tensor(c, "m.extra.weight").status, "extra");
  EXPECT_EQ(c.mismatch_count(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, MergeCheckTest, ::testing::Values(DType::kBF16, DType::kF32),
                         [](const ::testing::TestParamInfo<DType>& p) { return std::string(dtype_name(p.param)); });

TEST(UlpDistance, CountsRepresentableValuesAcrossZero) {
  const auto bf16 = [](std::uint16_t bits) { return std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(bits >> 8)}; };
  const auto one = bf16(0x3F80), next = bf16(0x3F81), zero = bf16(0x0000), neg_zero = bf16(0x8000);
  const auto tiny = bf16(0x0001), neg_tiny = bf16(0x8001), nan = bf16(0x7FC0);
  EXPECT_EQ(adapter::ulp_distance(DType::kBF16, one.data(), next.data()), 1u);
  EXPECT_EQ(adapter::ulp_distance(DType::kBF16, zero.data(), neg_zero.data()), 0u);
  EXPECT_EQ(adapter::ulp_distance(DType::kBF16, tiny.data(), neg_tiny.data()), 2u);
  EXPECT_EQ(adapter::ulp_distance(DType::kBF16, nan.data(), nan.data()), 0u);
  EXPECT_EQ(adapter::ulp_distance(DType::kBF16, nan.data(), one.data()), adapter::kUlpInfinite);
}

TEST(AdapterPolicy, RankAboveTheRuleAndFrozenTargetsAreViolations) {
  TempDir dir;
  testing::write_tensors(dir / "base" / "model.safetensors",
                         {random_tensor("m.layers.0.q_proj.weight", DType::kBF16, {8, 6}, 1),
                          random_tensor("m.layers.0.mlp.weight", DType::kBF16, {6, 6}, 3)});
  testing::write_adapter(dir / "ad", R"({"peft_type": "LORA", "r": 4, "target_modules": ["q_proj", "mlp"]})",
                         {make_lora("m.layers.0.q_proj", 4, 6, 8, DType::kBF16, 1),
                          make_lora("m.layers.0.mlp", 4, 6, 6, DType::kBF16, 2)});
  testing::write_text(dir / "policy.yaml",
                      "version: 1\ndefault: violation\nrules:\n"
                      "  - name: lora\n    match: \"**.q_proj.weight\"\n    rank: {max: 2}\n"
                      "  - name: frozen\n    match: \"**\"\n    frozen: true\n");
  policy::PolicyCheck parsed = policy::check_policy_file((dir / "policy.yaml").string());
  ASSERT_TRUE(parsed.ok());
  const LoadedAdapter adapter = load_adapter(locate_adapter_directory(dir / "ad", "ad"));
  const Checkpoint base = Checkpoint::open_local(dir / "base");
  const adapter::AdapterPlan plan = adapter::plan_adapter(adapter.config, adapter.weights, base);
  const std::vector<adapter::AdapterFinding> findings = adapter::check_adapter_policy(*parsed.policy, plan);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].tensor, "m.layers.0.mlp.weight");
  EXPECT_EQ(findings[0].check.name, "adapter.frozen");
  EXPECT_FALSE(findings[0].check.pass);
  EXPECT_EQ(findings[0].rule, "frozen");
  EXPECT_EQ(findings[1].tensor, "m.layers.0.q_proj.weight");
  EXPECT_EQ(findings[1].check.name, "adapter.rank");
  EXPECT_FALSE(findings[1].check.pass);
  EXPECT_EQ(findings[1].check.measured, 4.0);
  EXPECT_EQ(findings[1].check.bound, 2.0);
  EXPECT_NE(findings[1].check.message.find("adapter rank 4 (from r) exceeds the rule's max rank 2"), std::string::npos);

  reports::Report report;
  report.tensors.push_back({});
  report.tensors.back().name = "m.layers.0.q_proj.weight";
  report.tensors.back().verdict = reports::Verdict::kPass;
  report.verdict = reports::Verdict::kPass;
  adapter::add_adapter_findings(report, findings);
  EXPECT_EQ(report.verdict, reports::Verdict::kViolation);
  EXPECT_EQ(report.tensors[0].verdict, reports::Verdict::kViolation);
  ASSERT_EQ(report.tensors[0].checks.size(), 1u);
}

}  // namespace
}  // namespace fti

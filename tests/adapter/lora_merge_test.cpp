// fti's merge of a generated adapter against the independent reference merge
// (adapter_fixtures.h), bit for bit, for BF16 and F32 bases: plain LoRA,
// rsLoRA, fan_in_fan_out, rank_pattern / alpha_pattern, modules_to_save.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/adapter/adapter_plan.h"
#include "engine/adapter/lora_merge.h"
#include "registry/peft_adapter.h"
#include "tests/adapter/adapter_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::make_lora;
using testing::random_tensor;
using testing::reference_merge;
using testing::TempDir;
using testing::TestLora;
using testing::TestTensor;

constexpr std::uint64_t kHidden = 12, kMlp = 20;

// A two-layer, llama-named base.
std::vector<TestTensor> make_base(DType dtype) {
  std::vector<TestTensor> base;
  std::uint64_t seed = 100;
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "v_proj"}) base.push_back(random_tensor(p + "self_attn." + proj + ".weight", dtype, {kHidden, kHidden}, seed++));
    base.push_back(random_tensor(p + "mlp.down_proj.weight", dtype, {kHidden, kMlp}, seed++));
    base.push_back(random_tensor(p + "input_layernorm.weight", dtype, {kHidden}, seed++));
  }
  base.push_back(random_tensor("score.weight", dtype, {3, kHidden}, seed++));
  return base;
}

const TestTensor& find(const std::vector<TestTensor>& tensors, const std::string& name) {
  for (const TestTensor& t : tensors) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

struct MergeCase {
  const char* name;
  DType dtype;
};

class LoraMerge : public ::testing::TestWithParam<MergeCase> {
 protected:
  DType dtype() const { return GetParam().dtype; }

  // Merges with fti and compares every tensor with `expected` (by name; others must equal the base).
  void expect_merge(const std::vector<TestTensor>& base, const std::string& config, const std::vector<TestLora>& loras,
                    const std::vector<TestTensor>& saved, const std::vector<TestTensor>& expected) {
    testing::write_tensors(dir_ / "base" / "model.safetensors", base);
    testing::write_adapter(dir_ / "adapter", config, loras, saved);
    const LoadedAdapter adapter = load_adapter(locate_adapter_directory(dir_ / "adapter", "adapter"));
    const Checkpoint base_checkpoint = Checkpoint::open_local(dir_ / "base");
    const adapter::AdapterPlan plan = adapter::plan_adapter(adapter.config, adapter.weights, base_checkpoint);
    EXPECT_EQ(plan.targets.size(), loras.size());
    adapter::write_merged_checkpoint(plan, base_checkpoint, adapter.weights, dir_ / "merged.safetensors");
    const Checkpoint merged = Checkpoint::open_local(dir_ / "merged.safetensors");
    ASSERT_EQ(merged.tensors().size(), base.size());
    for (const TestTensor& b : base) {
      const TestTensor* want = &b;
      for (const TestTensor& e : expected) want = e.name == b.name ? &e : want;
      const CheckpointTensor* got = merged.find(b.name);
      ASSERT_NE(got, nullptr) << b.name;
      EXPECT_EQ(got->entry->dtype, b.dtype);
      const std::span<const std::uint8_t> bytes = merged.data(*got);
      const std::vector<std::uint8_t> want_bytes = testing::encode_exact(b.dtype, want->values);
      ASSERT_EQ(bytes.size(), want_bytes.size()) << b.name;
      std::size_t differing = 0;
      for (std::size_t i = 0; i < bytes.size(); ++i) differing += bytes[i] != want_bytes[i] ? 1u : 0u;
      EXPECT_EQ(differing, 0u) << b.name;
    }
  }

  TempDir dir_;
};

TEST_P(LoraMerge, PlainLoraMatchesReferenceBitForBit) {
  const std::vector<TestTensor> base = make_base(dtype());
  std::vector<TestLora> loras;
  std::vector<TestTensor> expected;
  std::uint64_t seed = 7;
  for (int l = 0; l < 2; ++l) {
    for (const char* proj : {"q_proj", "v_proj"}) {
      const std::string module = "model.layers." + std::to_string(l) + ".self_attn." + proj;
      loras.push_back(make_lora(module, 4, kHidden, kHidden, dtype(), seed += 2));
      TestTensor merged = find(base, module + ".weight");
      merged.values = reference_merge(merged, loras.back(), 16.0 / 4.0, false);
      expected.push_back(merged);
    }
  }
  // Most entries must change, or the comparison proves nothing.
  EXPECT_NE(expected[0].values, find(base, expected[0].name).values);
  expect_merge(base, R"({"peft_type": "LORA", "r": 4, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"],
                         "task_type": "CAUSAL_LM", "some_future_field": {"x": 1}})",
               loras, {}, expected);
}

TEST_P(LoraMerge, RsLoraScalesByAlphaOverSqrtR) {
  const std::vector<TestTensor> base = make_base(dtype());
  const std::string module = "model.layers.1.mlp.down_proj";
  const std::vector<TestLora> loras = {make_lora(module, 3, kMlp, kHidden, dtype(), 31)};
  TestTensor merged = find(base, module + ".weight");
  merged.values = reference_merge(merged, loras[0], 7.0 / std::sqrt(3.0), false);
  expect_merge(base, R"({"peft_type": "LORA", "r": 3, "lora_alpha": 7, "use_rslora": true,
                         "target_modules": "model\\.layers\\.1\\.mlp\\.down_proj"})",
               loras, {}, {merged});
}

TEST_P(LoraMerge, FanInFanOutTransposes) {
  // GPT-2 Conv1D: the base is stored (in, out).
  std::vector<TestTensor> base = {random_tensor("h.0.attn.c_attn.weight", dtype(), {kHidden, 3 * kHidden}, 5),
                                  random_tensor("h.0.attn.c_proj.weight", dtype(), {kHidden, kHidden}, 6)};
  const std::vector<TestLora> loras = {make_lora("h.0.attn.c_attn", 2, kHidden, 3 * kHidden, dtype(), 41)};
  TestTensor merged = base[0];
  merged.values = reference_merge(base[0], loras[0], 0.5, true);
  expect_merge(base, R"({"peft_type": "LORA", "r": 2, "lora_alpha": 1, "fan_in_fan_out": true,
                         "target_modules": ["c_attn"]})",
               loras, {}, {merged});
}

TEST_P(LoraMerge, RankAndAlphaPatternsOverridePerModuleFirstKeyWins) {
  const std::vector<TestTensor> base = make_base(dtype());
  // q_proj of layer 0: rank_pattern "layers.0.self_attn.q_proj" -> 6 (listed before the
  // broader "q_proj" -> 5), alpha 12 by alpha_pattern; layer 1 q_proj: rank 5, alpha 8;
  // v_proj: r = 2, lora_alpha = 4.
  const std::vector<TestLora> loras = {
      make_lora("model.layers.0.self_attn.q_proj", 6, kHidden, kHidden, dtype(), 51),
      make_lora("model.layers.1.self_attn.q_proj", 5, kHidden, kHidden, dtype(), 53),
      make_lora("model.layers.0.self_attn.v_proj", 2, kHidden, kHidden, dtype(), 55),
      make_lora("model.layers.1.self_attn.v_proj", 2, kHidden, kHidden, dtype(), 57)};
  const double scales[] = {12.0 / 6.0, 4.0 / 5.0, 4.0 / 2.0, 4.0 / 2.0};
  std::vector<TestTensor> expected;
  for (std::size_t i = 0; i < loras.size(); ++i) {
    TestTensor merged = find(base, loras[i].module + ".weight");
    merged.values = reference_merge(merged, loras[i], scales[i], false);
    expected.push_back(merged);
  }
  expect_merge(base, R"({"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj", "v_proj"],
                         "rank_pattern": {"layers.0.self_attn.q_proj": 6, "q_proj": 5},
                         "alpha_pattern": {"model.layers.0.self_attn.q_proj": 12}})",
               loras, {}, expected);
}

TEST_P(LoraMerge, ModulesToSaveReplaceTheBaseTensor) {
  const std::vector<TestTensor> base = make_base(dtype());
  const std::vector<TestLora> loras = {make_lora("model.layers.0.self_attn.q_proj", 2, kHidden, kHidden, dtype(), 61),
                                       make_lora("model.layers.1.self_attn.q_proj", 2, kHidden, kHidden, dtype(), 63)};
  std::vector<TestTensor> expected;
  for (const TestLora& l : loras) {
    TestTensor merged = find(base, l.module + ".weight");
    merged.values = reference_merge(merged, l, 1.0, false);
    expected.push_back(merged);
  }
  // The trained head is saved in F32; the base keeps its dtype (rounded to nearest even).
  TestTensor head = random_tensor("base_model.model.score.weight", DType::kF32, {3, kHidden}, 65);
  TestTensor replaced = find(base, "score.weight");
  for (std::size_t i = 0; i < head.values.size(); ++i) replaced.values[i] = testing::reference_round(dtype(), head.values[i]);
  expected.push_back(replaced);
  expect_merge(base, R"({"peft_type": "LORA", "r": 2, "lora_alpha": 2, "target_modules": ["q_proj"],
                         "modules_to_save": ["score"]})",
               loras, {head}, expected);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, LoraMerge,
                         ::testing::Values(MergeCase{"BF16", DType::kBF16}, MergeCase{"F32", DType::kF32}),
                         [](const ::testing::TestParamInfo<MergeCase>& p) { return p.param.name; });

TEST(ReferenceRound, AgreesWithFtiRoundingOnTiesAndNeighbours) {
  // The reference rounding itself: ties to even, and agreement with double_to_bf16.
  EXPECT_EQ(testing::reference_round(DType::kBF16, 1.0 + std::ldexp(1.0, -8)), 1.0);  // tie, even below
  EXPECT_EQ(testing::reference_round(DType::kBF16, 1.0 + 3 * std::ldexp(1.0, -8)), 1.0 + std::ldexp(1.0, -6));
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int i = 0; i < 10000; ++i) {
    const double v = normal(rng);
    EXPECT_EQ(testing::reference_round(DType::kBF16, v), bf16_to_double(double_to_bf16(v))) << v;
  }
}

}  // namespace
}  // namespace fti

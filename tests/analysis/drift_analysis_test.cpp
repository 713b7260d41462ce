// The checkpoint-level pass: pairing by name, structural changes, per-tensor
// statistics, and rank requests (whole matrix and per head).
#include <gtest/gtest.h>

#include <cstring>

#include "engine/analysis/drift_analysis.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::analysis {
namespace {

const TensorDrift& find(const DriftAnalysis& a, const std::string& name) {
  for (const TensorDrift& t : a.tensors) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

TEST(DriftAnalysis, PairsTensorsAndReportsStructuralChanges) {
  testing::TempDir dir;
  std::vector<TensorData> base = testing::make_model_tensors(2, 16, 7);
  std::vector<TensorData> cand = base;
  // Edit one weight, drop one tensor, add one, reshape one, retype one.
  auto edit = std::find_if(cand.begin(), cand.end(), [](const TensorData& t) {
    return t.spec.name == "model.layers.0.self_attn.q_proj.weight";
  });
  const std::uint16_t one = double_to_bf16(1.0);
  std::memcpy(edit->bytes.data() + 10, &one, 2);
  cand.erase(std::remove_if(cand.begin(), cand.end(),
                            [](const TensorData& t) { return t.spec.name == "lm_head.weight"; }),
             cand.end());
  cand.push_back({{"extra.bias", DType::kBF16, {4}}, std::vector<std::uint8_t>(8, 0)});
  for (TensorData& t : cand) {
    if (t.spec.name == "model.layers.1.input_layernorm.weight") t.spec.shape = {4, 4};
    if (t.spec.name == "model.layers.0.input_layernorm.weight") {
      t.spec.dtype = DType::kF16;
    }
  }
  write_safetensors(dir / "base.safetensors", base);
  write_safetensors(dir / "cand.safetensors", cand);
  const Checkpoint b = Checkpoint::open_local(dir / "base.safetensors");
  const Checkpoint c = Checkpoint::open_local(dir / "cand.safetensors");
  const DriftAnalysis a = analyze_drift(b, c);

  EXPECT_EQ(find(a, "lm_head.weight").status, PairStatus::kRemoved);
  EXPECT_EQ(find(a, "extra.bias").status, PairStatus::kAdded);
  EXPECT_EQ(find(a, "model.layers.1.input_layernorm.weight").status, PairStatus::kReshaped);
  EXPECT_EQ(find(a, "model.layers.0.input_layernorm.weight").status, PairStatus::kRetyped);
  const TensorDrift& edited = find(a, "model.layers.0.self_attn.q_proj.weight");
  ASSERT_TRUE(edited.stats);
  EXPECT_EQ(edited.stats->changed, 1u);
  EXPECT_EQ(edited.stats->max_abs_index, 5u);
  const TensorDrift& same = find(a, "model.layers.1.mlp.up_proj.weight");
  ASSERT_TRUE(same.stats);
  EXPECT_EQ(same.stats->changed, 0u);
  EXPECT_TRUE(same.stats->delta_squares.is_zero());
  EXPECT_FALSE(same.stats->base_squares.is_zero());
  for (std::size_t i = 1; i < a.tensors.size(); ++i) EXPECT_LT(a.tensors[i - 1].name, a.tensors[i].name);
}

TEST(DriftAnalysis, RunsRequestedRankAnalysesPerHead) {
  testing::TempDir dir;
  std::vector<TensorData> base = testing::make_model_tensors(1, 16, 8);
  std::vector<TensorData> cand = base;
  for (TensorData& t : cand) {
    if (t.spec.name != "model.layers.0.self_attn.v_proj.weight") continue;
    // Rank-1 change confined to the second of two heads (rows 8..15).
    for (std::size_t row = 8; row < 16; ++row) {
      for (std::size_t col = 0; col < 16; ++col) {
        std::uint16_t bits;
        std::memcpy(&bits, t.bytes.data() + 2 * (row * 16 + col), 2);
        const double v = bf16_to_double(bits) + 0.01 * static_cast<double>(row) * static_cast<double>(col % 3);
        bits = double_to_bf16(v);
        std::memcpy(t.bytes.data() + 2 * (row * 16 + col), &bits, 2);
      }
    }
  }
  write_safetensors(dir / "base.safetensors", base);
  write_safetensors(dir / "cand.safetensors", cand);
  const Checkpoint b = Checkpoint::open_local(dir / "base.safetensors");
  const Checkpoint c = Checkpoint::open_local(dir / "cand.safetensors");
  DriftOptions options;
  options.rank_request = [](const TensorDrift& t) -> std::optional<RankRequest> {
    if (t.name == "model.layers.0.self_attn.v_proj.weight") {
      RankRequest r;
      r.view = {16, 16};
      r.heads = 2;
      r.options.max_rank = 1;
      return r;
    }
    if (t.name == "model.layers.0.input_layernorm.weight") {
      RankRequest r;
      r.view = {16, 2};  // does not fit 16 elements
      return r;
    }
    return std::nullopt;
  };
  const DriftAnalysis a = analyze_drift(b, c, options);
  const TensorDrift& v = find(a, "model.layers.0.self_attn.v_proj.weight");
  ASSERT_EQ(v.rank.size(), 2u);
  EXPECT_EQ(v.rank[0].singular_values[0], 0.0);  // head 0 untouched
  EXPECT_GT(v.rank[1].singular_values[0], 0.0);
  // Beyond rank 1 only BF16 rounding of the edit remains.
  EXPECT_LT(v.rank[1].residual_norm(), 0.05 * v.rank[1].singular_values[0]);
  EXPECT_FALSE(find(a, "model.layers.0.input_layernorm.weight").rank_error.empty());
}

TEST(DriftAnalysis, PerHeadViewAlongColumns) {
  testing::TempDir dir;
  std::vector<TensorData> base = testing::make_model_tensors(1, 16, 9);
  std::vector<TensorData> cand = base;
  for (TensorData& t : cand) {
    if (t.spec.name != "model.layers.0.self_attn.o_proj.weight") continue;
    // Change only columns 0..7 (the first head of o_proj's input).
    for (std::size_t row = 0; row < 16; ++row) {
      for (std::size_t col = 0; col < 8; ++col) {
        std::uint16_t bits;
        std::memcpy(&bits, t.bytes.data() + 2 * (row * 16 + col), 2);
        bits = double_to_bf16(bf16_to_double(bits) + 0.02 * static_cast<double>(col + 1));
        std::memcpy(t.bytes.data() + 2 * (row * 16 + col), &bits, 2);
      }
    }
  }
  write_safetensors(dir / "base.safetensors", base);
  write_safetensors(dir / "cand.safetensors", cand);
  const Checkpoint b = Checkpoint::open_local(dir / "base.safetensors");
  const Checkpoint c = Checkpoint::open_local(dir / "cand.safetensors");
  DriftOptions options;
  options.rank_request = [](const TensorDrift& t) -> std::optional<RankRequest> {
    if (t.name != "model.layers.0.self_attn.o_proj.weight") return std::nullopt;
    RankRequest r;
    r.view = {16, 16};
    r.heads = 2;
    r.split = RankRequest::Split::kCols;
    r.options.max_rank = 1;
    return r;
  };
  const DriftAnalysis analysis = analyze_drift(b, c, options);
  const TensorDrift& o = find(analysis, "model.layers.0.self_attn.o_proj.weight");
  ASSERT_EQ(o.rank.size(), 2u);
  EXPECT_GT(o.rank[0].singular_values[0], 0.0);
  EXPECT_EQ(o.rank[1].singular_values[0], 0.0);
  EXPECT_GT(o.rank[1].base_energy, 0.0);
}

}  // namespace
}  // namespace fti::analysis

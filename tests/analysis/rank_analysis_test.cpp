// Rank analysis: exact low-rank updates, merged LoRA in BF16 (low rank up to
// rounding), agreement between the dense SVD and the randomized range
// finder, and the upper-bound property of the randomized witness.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engine/analysis/rank_analysis.h"
#include "engine/analysis/tensor_stats.h"

namespace fti::analysis {
namespace {

struct Pair {
  std::vector<std::uint8_t> base, cand;
};

// base: Gaussian; candidate: base + U V^T (rank `rank`) + noise, rounded to dtype.
Pair make_pair(DType dtype, std::uint64_t rows, std::uint64_t cols, unsigned rank, double scale,
               double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> u(rows * rank), v(cols * rank);
  for (double& x : u) x = normal(rng) * scale;
  for (double& x : v) x = normal(rng);
  Pair p;
  const std::size_t size = dtype_size(dtype);
  p.base.resize(rows * cols * size);
  p.cand.resize(rows * cols * size);
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t j = 0; j < cols; ++j) {
      const double b = normal(rng) * 0.02;
      double delta = noise * normal(rng);
      for (unsigned k = 0; k < rank; ++k) delta += u[i * rank + k] * v[j * rank + k];
      const std::size_t at = static_cast<std::size_t>(i * cols + j) * size;
      if (dtype == DType::kF32) {
        const auto bf = static_cast<float>(b), cf = static_cast<float>(static_cast<double>(bf) + delta);
        std::memcpy(p.base.data() + at, &bf, 4);
        std::memcpy(p.cand.data() + at, &cf, 4);
      } else {
        const std::uint16_t bb = double_to_bf16(b);
        const std::uint16_t cb = double_to_bf16(bf16_to_double(bb) + delta);
        std::memcpy(p.base.data() + at, &bb, 2);
        std::memcpy(p.cand.data() + at, &cb, 2);
      }
    }
  }
  return p;
}

TEST(RankAnalysis, ExactLowRankUpdateDense) {
  const Pair p = make_pair(DType::kF32, 64, 48, 3, 0.01, 0.0, 1);
  RankOptions options;
  options.max_rank = 3;
  const RankResult r3 = analyze_rank(DType::kF32, p.base, p.cand, {64, 48}, options);
  EXPECT_EQ(r3.method, RankResult::Method::kDenseSvd);
  ASSERT_EQ(r3.singular_values.size(), 48u);
  EXPECT_EQ(r3.numerical_rank, 3u);
  // Only float rounding of the candidate remains beyond rank 3.
  const double total = compare_tensors(DType::kF32, p.base, p.cand).delta_squares.to_double();
  EXPECT_LT(r3.residual_energy, 1e-10 * total);
  options.max_rank = 2;
  const RankResult r2 = analyze_rank(DType::kF32, p.base, p.cand, {64, 48}, options);
  EXPECT_NEAR(r2.residual_energy, r3.singular_values[2] * r3.singular_values[2], 1e-9 * total);
  EXPECT_GT(r2.residual_energy, 1e-3 * total);
}

TEST(RankAnalysis, RandomizedAgreesWithDenseAndNeverUnderestimates) {
  const Pair p = make_pair(DType::kF32, 300, 200, 5, 0.01, 1e-5, 2);
  RankOptions dense_options;
  dense_options.max_rank = 5;
  RankOptions randomized_options = dense_options;
  randomized_options.dense_max_elements = 0;  // force the randomized path
  const RankResult dense = analyze_rank(DType::kF32, p.base, p.cand, {300, 200}, dense_options);
  const RankResult sketch = analyze_rank(DType::kF32, p.base, p.cand, {300, 200}, randomized_options);
  EXPECT_EQ(sketch.method, RankResult::Method::kRandomized);
  // The witness residual is an upper bound on the optimal tail (up to error)
  // and, with power iterations, close to it.
  EXPECT_GE(sketch.residual_energy + sketch.residual_energy_error,
            dense.residual_energy - dense.residual_energy_error);
  EXPECT_NEAR(sketch.residual_energy, dense.residual_energy, 0.05 * dense.residual_energy);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(sketch.singular_values[i], dense.singular_values[i], 1e-6 * dense.singular_values[0]);
  }
  EXPECT_EQ(sketch.numerical_rank, 5u);
}

TEST(RankAnalysis, MergedLoraInBf16IsLowRankUpToRounding) {
  // A rank-8 update merged into BF16 weights: beyond rank 8 only the BF16
  // rounding of the merge remains, about 2^-9 relative per element.
  const Pair p = make_pair(DType::kBF16, 256, 256, 8, 0.003, 0.0, 3);
  RankOptions options;
  options.max_rank = 8;
  const RankResult r = analyze_rank(DType::kBF16, p.base, p.cand, {256, 256}, options);
  const TensorStats stats = compare_tensors(DType::kBF16, p.base, p.cand);
  const double base_norm = stats.base_norm();
  EXPECT_LT(r.residual_norm(), 0.004 * base_norm);
  EXPECT_GT(r.residual_norm(), 0.0001 * base_norm);  // rounding is there: not exactly low rank
  options.max_rank = 4;
  EXPECT_GT(analyze_rank(DType::kBF16, p.base, p.cand, {256, 256}, options).residual_norm(), 0.01 * base_norm);
}

TEST(RankAnalysis, RankAtLeastTheDimensionLeavesNoResidual) {
  const Pair p = make_pair(DType::kF32, 10, 6, 6, 0.1, 0.1, 4);
  RankOptions options;
  options.max_rank = 6;
  const RankResult r = analyze_rank(DType::kF32, p.base, p.cand, {10, 6}, options);
  EXPECT_EQ(r.residual_energy, 0.0);
}

TEST(RankAnalysis, RejectsViewsThatDoNotFit) {
  const Pair p = make_pair(DType::kF32, 8, 8, 1, 0.1, 0.0, 5);
  RankOptions options;
  options.max_rank = 1;
  EXPECT_THROW(analyze_rank(DType::kF32, p.base, p.cand, {8, 9}, options), std::invalid_argument);
  EXPECT_THROW(analyze_rank(DType::kF32, p.base, p.cand, {0, 64}, options), std::invalid_argument);
}

}  // namespace
}  // namespace fti::analysis

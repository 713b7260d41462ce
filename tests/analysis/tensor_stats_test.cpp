// Tensor statistics: hand-computed figures for each float dtype, the fast
// bucketed paths against the slow exact path, non-finite values, and exact
// decisions at the boundary of a bound.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "engine/common/int128.h"
#include "engine/analysis/tensor_stats.h"

namespace fti::analysis {
namespace {

std::vector<std::uint8_t> encode(DType dtype, const std::vector<double>& values) {
  std::vector<std::uint8_t> out(values.size() * dtype_size(dtype));
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint8_t* p = out.data() + i * dtype_size(dtype);
    switch (dtype) {
      case DType::kBF16: {
        const std::uint16_t b = double_to_bf16(values[i]);
        std::memcpy(p, &b, 2);
        break;
      }
      case DType::kF16: {
        const std::uint16_t b = double_to_f16(values[i]);
        std::memcpy(p, &b, 2);
        break;
      }
      case DType::kF32: {
        const auto f = static_cast<float>(values[i]);
        std::memcpy(p, &f, 4);
        break;
      }
      case DType::kF64:
        std::memcpy(p, &values[i], 8);
        break;
      default:
        throw std::invalid_argument("encode: dtype not used in these tests");
    }
  }
  return out;
}

class HandComputed : public ::testing::TestWithParam<DType> {};

TEST_P(HandComputed, FiguresForASmallTensor) {
  // Values exact in every float dtype.
  const auto base = encode(GetParam(), {1, 2, 3, 4, -0.5, 0});
  const auto cand = encode(GetParam(), {1, 2.5, 3, 3, -0.5, 0.25});
  const TensorStats s = compare_tensors(GetParam(), base, cand);
  EXPECT_EQ(s.elements, 6u);
  EXPECT_EQ(s.changed, 3u);
  // delta = (0, 0.5, 0, -1, 0, 0.25): sum of squares 0.25 + 1 + 0.0625
  EXPECT_EQ(s.delta_squares.to_double(), 1.3125);
  EXPECT_EQ(s.base_squares.to_double(), 30.25);
  EXPECT_DOUBLE_EQ(s.delta_norm(), std::sqrt(1.3125));
  EXPECT_EQ(s.base_norm(), 5.5);
  EXPECT_EQ(s.max_abs_delta, 1.0);
  EXPECT_EQ(s.max_abs_index, 3u);
  EXPECT_TRUE(s.max_abs_at_most(1.0));
  EXPECT_FALSE(s.max_abs_at_most(0.999));
  EXPECT_FALSE(s.has_nonfinite());
}

INSTANTIATE_TEST_SUITE_P(Floats, HandComputed,
                         ::testing::Values(DType::kBF16, DType::kF16, DType::kF32, DType::kF64));

TEST(TensorStats, FastPathsAgreeWithTheExactSlowPath) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal(0.0, 0.02);
  for (const DType dtype : {DType::kBF16, DType::kF16, DType::kF32}) {
    std::vector<double> b(300000), c(300000);
    for (std::size_t i = 0; i < b.size(); ++i) {
      b[i] = normal(rng) * std::ldexp(1.0, static_cast<int>(rng() % 12) - 6);
      c[i] = i % 5 == 0 ? b[i] : b[i] + normal(rng) * 0.01;
    }
    const auto bb = encode(dtype, b), cb = encode(dtype, c);
    const TensorStats fast = compare_tensors(dtype, bb, cb);
    // The same values as F64 go through ExactSum::add_product directly.
    std::vector<double> b64(b.size()), c64(c.size());
    for (std::size_t i = 0; i < b.size(); ++i) {
      b64[i] = element_to_double(dtype, bb.data() + i * dtype_size(dtype));
      c64[i] = element_to_double(dtype, cb.data() + i * dtype_size(dtype));
    }
    const TensorStats slow = compare_tensors(DType::kF64, encode(DType::kF64, b64), encode(DType::kF64, c64));
    EXPECT_EQ(fast.delta_squares.to_exact_string(), slow.delta_squares.to_exact_string()) << dtype_name(dtype);
    EXPECT_EQ(fast.base_squares.to_exact_string(), slow.base_squares.to_exact_string()) << dtype_name(dtype);
    EXPECT_EQ(fast.max_abs_delta, slow.max_abs_delta);
    EXPECT_EQ(fast.max_abs_index, slow.max_abs_index);
    EXPECT_EQ(fast.changed, slow.changed);
    // And both agree with a long double estimate to many digits.
    long double approx = 0;
    for (std::size_t i = 0; i < b.size(); ++i) approx += (static_cast<long double>(c64[i]) - b64[i]) * (c64[i] - b64[i]);
    EXPECT_NEAR(fast.delta_squares.to_double(), static_cast<double>(approx), 1e-12 * static_cast<double>(approx));
  }
}

TEST(TensorStats, CountsNonFiniteValuesAndKeepsThemOutOfSums) {
  const auto base = encode(DType::kF32, {1, NAN, 3, INFINITY});
  const auto cand = encode(DType::kF32, {2, 2, -INFINITY, INFINITY});
  const TensorStats s = compare_tensors(DType::kF32, base, cand);
  EXPECT_EQ(s.nonfinite_base, 2u);
  EXPECT_EQ(s.nonfinite_candidate, 2u);
  EXPECT_TRUE(s.has_nonfinite());
  EXPECT_EQ(s.changed, 3u);  // inf == inf bitwise
  EXPECT_EQ(s.delta_squares.to_double(), 1.0);
  EXPECT_EQ(s.base_squares.to_double(), 1.0);
}

TEST(TensorStats, MaxAbsKnowsTheDirectionOfRounding) {
  // 1 - 2^-100 rounds up to 1.0 in double: exactly below 1.
  const auto below = compare_tensors(DType::kF32, encode(DType::kF32, {std::ldexp(1.0, -100)}),
                                     encode(DType::kF32, {1.0}));
  EXPECT_EQ(below.max_abs_delta, 1.0);
  EXPECT_TRUE(below.max_abs_at_most(1.0));
  // 1 + 2^-100 rounds down to 1.0: exactly above 1.
  const auto above = compare_tensors(DType::kF32, encode(DType::kF32, {-std::ldexp(1.0, -100)}),
                                     encode(DType::kF32, {1.0}));
  EXPECT_EQ(above.max_abs_delta, 1.0);
  EXPECT_FALSE(above.max_abs_at_most(1.0));
  EXPECT_TRUE(above.max_abs_at_most(std::nextafter(1.0, 2.0)));
  // Overflowing difference of two finite doubles is above every bound.
  const auto overflow = compare_tensors(DType::kF64, encode(DType::kF64, {-1.7e308}), encode(DType::kF64, {1.7e308}));
  EXPECT_FALSE(overflow.max_abs_at_most(1.7976931348623157e308));
}

TEST(TensorStats, NormBoundsAreDecidedExactlyAtTheBoundary) {
  // delta = 0.1 (as a double) in one element: ||D||^2 = 0.1^2 exactly.
  const auto s = compare_tensors(DType::kF64, encode(DType::kF64, {1.0, 0.0}), encode(DType::kF64, {1.0, 0.1}));
  EXPECT_TRUE(s.delta_norm_at_most(0.1));
  EXPECT_FALSE(s.delta_norm_at_most(std::nextafter(0.1, 0.0)));
  // ||B|| = 1: relative 0.1 holds exactly, the next double below does not.
  EXPECT_TRUE(s.delta_norm_at_most_relative(0.1));
  EXPECT_FALSE(s.delta_norm_at_most_relative(std::nextafter(0.1, 0.0)));
}

TEST(TensorStats, IntegerTensorsIncludingWide64BitValues) {
  std::vector<std::uint8_t> base(16), cand(16);
  const std::int64_t b[2] = {INT64_MAX, -5}, c[2] = {INT64_MIN, -5};
  std::memcpy(base.data(), b, 16);
  std::memcpy(cand.data(), c, 16);
  const TensorStats s = compare_tensors(DType::kI64, base, cand);
  EXPECT_EQ(s.changed, 1u);
  // delta = -(2^64 - 1): square = (2^64 - 1)^2.
  ExactSum expected;
  expected.add_product(std::ldexp(1.0, 64), std::ldexp(1.0, 64));
  expected.subtract_product(2.0, std::ldexp(1.0, 64));
  expected.add_product(1.0, 1.0);
  EXPECT_EQ(s.delta_squares.compare(expected), 0) << s.delta_squares.to_exact_string();
  EXPECT_EQ(s.max_abs_delta, std::ldexp(1.0, 64));
  // The exact value 2^64 - 1 rounds up to 2^64: at most 2^64, but above the
  // next double down (2^64 - 2048).
  EXPECT_TRUE(s.max_abs_at_most(std::ldexp(1.0, 64)));
  EXPECT_FALSE(s.max_abs_at_most(std::nextafter(std::ldexp(1.0, 64), 0.0)));
}

}  // namespace
}  // namespace fti::analysis

// The exact accumulator: known answers, agreement with an independent
// 128-bit fixed-point reference, cancellation, comparisons.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/common/int128.h"
#include "engine/analysis/dyadic.h"
#include "engine/analysis/exact_sum.h"

namespace fti::analysis {
namespace {

TEST(Dyadic, DecodesNormalsSubnormalsAndSigns) {
  EXPECT_EQ(to_dyadic(1.0).mantissa, std::int64_t{1} << 52);
  EXPECT_EQ(to_dyadic(1.0).exponent, -52);
  EXPECT_EQ(to_dyadic(-3.0).mantissa, -(std::int64_t{3} << 51));
  EXPECT_EQ(to_dyadic(std::ldexp(1.0, -1074)).mantissa, 1);
  EXPECT_EQ(to_dyadic(std::ldexp(1.0, -1074)).exponent, -1074);
  EXPECT_EQ(to_dyadic(0.0).mantissa, 0);
  EXPECT_EQ(to_dyadic(-0.0).mantissa, 0);
}

TEST(ExactSum, KnownAnswers) {
  ExactSum s;
  EXPECT_EQ(s.to_exact_string(), "0");
  EXPECT_EQ(s.sign(), 0);
  s.add_product(3.0, 4.0);
  EXPECT_EQ(s.to_exact_string(), "0x3p2");
  EXPECT_EQ(s.to_double(), 12.0);
  s.subtract_product(0.5, 0.5);
  EXPECT_EQ(s.to_double(), 11.75);
  s.subtract_product(6.0, 2.0);
  EXPECT_EQ(s.sign(), -1);
  EXPECT_EQ(s.to_double(), -0.25);
  EXPECT_EQ(s.to_exact_string(), "-0x1p-2");
}

TEST(ExactSum, SurvivesCatastrophicCancellationAndExtremeExponents) {
  ExactSum s;
  const double huge = 1e300, tiny = std::ldexp(1.0, -1074);
  s.add_product(huge, huge);
  s.add_product(tiny, tiny);  // 2^-2148, far below huge^2
  s.subtract_product(huge, huge);
  EXPECT_EQ(s.sign(), 1);
  EXPECT_EQ(s.to_exact_string(), "0x1p-2148");
  // The largest finite products, many times, do not overflow.
  ExactSum big;
  for (int i = 0; i < 1000; ++i) big.add_product(1.7976931348623157e308, 1.7976931348623157e308);
  EXPECT_EQ(big.sign(), 1);
  EXPECT_TRUE(std::isinf(big.to_double()));  // beyond double range, exact inside
  ExactSum bigger = big;
  bigger.add_product(1.0, 1.0);
  EXPECT_EQ(bigger.compare(big), 1);
}

// Reference: values k * 2^-40 with |k| < 2^20, products k1 k2 2^-80 summed
// exactly in int128.
TEST(ExactSum, MatchesFixedPointReference) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<std::int64_t> k(-(1 << 20), 1 << 20);
  for (int trial = 0; trial < 20; ++trial) {
    ExactSum s;
    int128 reference = 0;
    for (int i = 0; i < 5000; ++i) {
      const std::int64_t a = k(rng), b = k(rng);
      s.add_product(std::ldexp(static_cast<double>(a), -40), std::ldexp(static_cast<double>(b), -40));
      reference += static_cast<int128>(a) * b;
    }
    ExactSum expected;
    // reference * 2^-80 as a sum of exact double products (split into 40-bit parts).
    const bool negative = reference < 0;
    uint128 magnitude = negative ? static_cast<uint128>(-reference)
                                           : static_cast<uint128>(reference);
    for (int part = 0; part < 3; ++part) {
      const auto chunk = static_cast<std::uint64_t>(magnitude & ((std::uint64_t{1} << 40) - 1));
      magnitude >>= 40;
      expected.add_product(negative ? -static_cast<double>(chunk) : static_cast<double>(chunk),
                           std::ldexp(1.0, 40 * part - 80));
    }
    EXPECT_EQ(s.compare(expected), 0) << trial;
    EXPECT_EQ(s.to_exact_string(), expected.to_exact_string());
  }
}

TEST(ExactSum, MergeEqualsSequentialSum) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  ExactSum all, left, right;
  for (int i = 0; i < 10000; ++i) {
    const double a = normal(rng) * std::ldexp(1.0, static_cast<int>(rng() % 200) - 100);
    const double b = normal(rng);
    all.add_product(a, b);
    (i % 3 == 0 ? left : right).add_product(a, b);
  }
  left.add(right);
  EXPECT_EQ(left.compare(all), 0);
  left.subtract(all);
  EXPECT_EQ(left.sign(), 0);
}

TEST(ExactSum, ScaledComparisonIsExact) {
  ExactSum delta, base;
  delta.add_product(0.25, 1.0);  // 1/4
  base.add_product(1.0, 1.0);    // 1
  // 1/4 vs (1/2)^2 * 1: equal.
  EXPECT_EQ(delta.compare_scaled(base, {0.5, 0.5}), 0);
  EXPECT_EQ(delta.compare_scaled(base, {std::nextafter(0.5, 1.0), 0.5}), -1);
  EXPECT_EQ(delta.compare_scaled(base, {std::nextafter(0.5, 0.0), 0.5}), 1);
  // 0.1 is not a power of two: 0.1 * 0.1 is not a double, the comparison is still exact.
  ExactSum hundredth;
  hundredth.add_product(0.1, 0.1);
  EXPECT_EQ(hundredth.compare_scaled(base, {0.1, 0.1}), 0);
  EXPECT_EQ(hundredth.compare_scaled(base, {0.1, std::nextafter(0.1, 1.0)}), -1);
  EXPECT_EQ(hundredth.compare_scaled(base, {0.0}), 1);
}

}  // namespace
}  // namespace fti::analysis

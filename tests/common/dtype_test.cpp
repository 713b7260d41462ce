// Exact dtype conversions: known values, exhaustive round trips, and
// round-to-nearest-even narrowing without double rounding.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "engine/tensor/dtype.h"

namespace fti {
namespace {

TEST(DType, NamesAndSizes) {
  for (std::size_t d = 0; d < kDTypeCount; ++d) {
    const auto dtype = static_cast<DType>(d);
    EXPECT_EQ(parse_dtype(dtype_name(dtype)), dtype);
  }
  EXPECT_EQ(parse_dtype("bf16"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(dtype_size(DType::kBF16), 2u);
  EXPECT_EQ(dtype_size(DType::kF8E4M3), 1u);
  EXPECT_EQ(dtype_size(DType::kU64), 8u);
  EXPECT_TRUE(dtype_is_float(DType::kF8E5M2));
  EXPECT_FALSE(dtype_is_float(DType::kI8));
}

TEST(DType, KnownValues) {
  EXPECT_EQ(bf16_to_double(0x3F80), 1.0);
  EXPECT_EQ(bf16_to_double(0xC000), -2.0);
  EXPECT_EQ(bf16_to_double(0x0001), std::ldexp(1.0, -133));
  EXPECT_TRUE(std::isinf(bf16_to_double(0x7F80)));
  EXPECT_EQ(f16_to_double(0x3C00), 1.0);
  EXPECT_EQ(f16_to_double(0x0001), std::ldexp(1.0, -24));
  EXPECT_EQ(f16_to_double(0x7BFF), 65504.0);
  EXPECT_EQ(f16_to_double(0xFC00), -INFINITY);
  EXPECT_TRUE(std::isnan(f16_to_double(0x7E00)));
  EXPECT_EQ(f8e4m3_to_double(0x38), 1.0);
  EXPECT_EQ(f8e4m3_to_double(0x7E), 448.0);
  EXPECT_EQ(f8e4m3_to_double(0xFE), -448.0);
  EXPECT_EQ(f8e4m3_to_double(0x01), std::ldexp(1.0, -9));
  EXPECT_EQ(f8e4m3_to_double(0x78), 256.0);  // exponent all ones is a number in E4M3FN
  EXPECT_TRUE(std::isnan(f8e4m3_to_double(0x7F)));
  EXPECT_EQ(f8e5m2_to_double(0x3C), 1.0);
  EXPECT_EQ(f8e5m2_to_double(0x7B), 57344.0);
  EXPECT_EQ(f8e5m2_to_double(0x01), std::ldexp(1.0, -16));
  EXPECT_TRUE(std::isinf(f8e5m2_to_double(0x7C)));
  EXPECT_TRUE(std::isnan(f8e5m2_to_double(0x7D)));
  EXPECT_EQ(f8e8m0_to_double(127), 1.0);
  EXPECT_EQ(f8e8m0_to_double(0), std::ldexp(1.0, -127));
  EXPECT_TRUE(std::isnan(f8e8m0_to_double(0xFF)));
  const std::uint8_t i16[2] = {0xFE, 0xFF};
  EXPECT_EQ(element_to_double(DType::kI16, i16), -2.0);
  EXPECT_EQ(element_to_double(DType::kU16, i16), 65534.0);
}

TEST(DType, HalfFormatsRoundTripExhaustively) {
  for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    const auto b = static_cast<std::uint16_t>(bits);
    const double h = f16_to_double(b);
    if (!std::isnan(h)) {
      EXPECT_EQ(double_to_f16(h), b) << std::hex << bits;
    }
    const double bf = bf16_to_double(b);
    if (!std::isnan(bf)) {
      EXPECT_EQ(double_to_bf16(bf), b) << std::hex << bits;
    }
    // f16 agrees with the float widening path.
    EXPECT_EQ(std::isnan(bf), std::isnan(static_cast<double>(std::bit_cast<float>(bits << 16))));
  }
}

TEST(DType, NarrowingRoundsToNearestEvenWithoutDoubleRounding) {
  // Midpoint between 1 and 1 + 2^-7, nudged up by 2^-30: through float it
  // would first become the exact midpoint and then round down to 1.
  EXPECT_EQ(double_to_bf16(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -30)), 0x3F81);
  EXPECT_EQ(double_to_bf16(1.0 + std::ldexp(1.0, -8)), 0x3F80);  // tie to even
  EXPECT_EQ(double_to_bf16(1.0 + 3 * std::ldexp(1.0, -8)), 0x3F82);  // tie to even (up)
  EXPECT_EQ(double_to_f16(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)), 0x3C01);
  EXPECT_EQ(double_to_f16(1.0 + std::ldexp(1.0, -11)), 0x3C00);
  EXPECT_EQ(double_to_f16(65519.0), 0x7BFF);
  EXPECT_EQ(double_to_f16(65520.0), 0x7C00);
  EXPECT_EQ(double_to_f16(-1e10), 0xFC00);
  EXPECT_EQ(double_to_f16(std::ldexp(1.0, -25)), 0x0000);  // tie to even: zero
  EXPECT_EQ(double_to_f16(std::ldexp(1.5, -25)), 0x0001);
  EXPECT_EQ(double_to_bf16(1e39), 0x7F80);
  EXPECT_EQ(double_to_bf16(-std::ldexp(1.0, -134)), 0x8000);
  EXPECT_EQ(double_to_bf16(std::ldexp(1.0, -134) * 1.5), 0x0001);

  // Random floats: bf16 narrowing equals the float bias trick.
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const auto bits = static_cast<std::uint32_t>(rng());
    const float f = std::bit_cast<float>(bits);
    if (std::isnan(f)) continue;
    const std::uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    EXPECT_EQ(double_to_bf16(static_cast<double>(f)), static_cast<std::uint16_t>(rounded >> 16))
        << std::hex << bits;
  }
  // Random doubles: the result is one of the two neighbours and the nearer one.
  std::uniform_real_distribution<double> dist(-4.0, 4.0);
  for (int i = 0; i < 200000; ++i) {
    const double x = dist(rng);
    const double y = bf16_to_double(double_to_bf16(x));
    const std::uint16_t b = double_to_bf16(x);
    const double up = bf16_to_double(static_cast<std::uint16_t>(b + 1));
    const double down = bf16_to_double(static_cast<std::uint16_t>(b - 1));
    EXPECT_LE(std::fabs(x - y), std::fabs(x - up));
    EXPECT_LE(std::fabs(x - y), std::fabs(x - down));
  }
}

TEST(DType, ConvertBufferChecksSize) {
  const std::vector<std::uint8_t> bytes = {0x80, 0x3F, 0x00, 0xC0};
  std::vector<double> out(2);
  convert_to_double(DType::kBF16, bytes, out);
  EXPECT_EQ(out[0], 1.0);
  EXPECT_EQ(out[1], -2.0);
  std::vector<double> wrong(3);
  EXPECT_ANY_THROW(convert_to_double(DType::kBF16, bytes, wrong));
}

}  // namespace
}  // namespace fti

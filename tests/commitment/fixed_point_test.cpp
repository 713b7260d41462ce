// Fixed-point encoding and matrix layout (docs/PROTOCOL.md,
// sections 9.2-3): known answers per dtype, rounding at half-way, the scale
// rule, the exactness and worst-case error statements checked exhaustively
// over 16-bit and 8-bit formats, extremes, NaN/Inf refusal, -0.0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/commitment/fixed_point.h"
#include "engine/commitment/tensor_layout.h"
#include "engine/common/error.h"
#include "engine/common/int128.h"

namespace fti::commitment {
namespace {

using crypto::Fp;

template <typename T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<std::uint8_t> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<std::uint8_t> bf16_bytes(const std::vector<double>& values) {
  std::vector<std::uint16_t> bits;
  for (const double v : values) bits.push_back(double_to_bf16(v));
  return bytes_of(bits);
}

std::int64_t signed_value(Fp x) {
  const std::uint64_t v = x.value();
  return v > Fp::kModulus / 2 ? -static_cast<std::int64_t>(Fp::kModulus - v) : static_cast<std::int64_t>(v);
}

// Encodes a 1-D tensor with the rule and returns (scale, values, stats).
struct Encoding {
  int scale = 0;
  std::vector<std::int64_t> values;
  EncodeStats stats;
};

Encoding encode_rule(DType dtype, const std::vector<std::uint8_t>& bytes) {
  const std::uint64_t shape[] = {bytes.size() / dtype_size(dtype)};
  const MatrixLayout layout = matrix_layout(shape, "t");
  Encoding e;
  e.scale = scale_rule(dtype, scan_values(dtype, bytes, "t"));
  std::vector<Fp> table(layout.table_size(), Fp::one());
  e.stats = encode_tensor(dtype, bytes, e.scale, layout, table, "t");
  for (std::size_t i = 0; i < shape[0]; ++i) e.values.push_back(signed_value(table[i]));
  for (std::size_t i = shape[0]; i < table.size(); ++i) EXPECT_EQ(table[i], Fp::zero()) << "padding " << i;
  return e;
}

TEST(FixedPoint, ConstantsOfTheEncoding) {
  EXPECT_EQ(kValueBits, 24u);
  EXPECT_EQ(kHeadroomBits, 1u);
  EXPECT_EQ(kValueBound, 1 << 23);
  EXPECT_EQ(kRuleBound, 1 << 22);
  EXPECT_EQ(kRuleExponent, 21);
}

TEST(FixedPoint, RoundsHalfToEven) {
  std::int64_t v = 0;
  bool exact = true;
  const struct {
    double x;
    std::int64_t v;
    bool exact;
  } cases[] = {{0.5, 0, false},  {1.5, 2, false},   {2.5, 2, false},   {3.5, 4, false},  {-0.5, 0, false},
               {-1.5, -2, false}, {-2.5, -2, false}, {-3.5, -4, false}, {2.25, 2, false}, {2.75, 3, false},
               {-2.75, -3, false}, {7.0, 7, true},   {-7.0, -7, true},  {0.0, 0, true},   {-0.0, 0, true}};
  for (const auto& c : cases) {
    ASSERT_TRUE(encode_float(c.x, 0, v, exact)) << c.x;
    EXPECT_EQ(v, c.v) << c.x;
    EXPECT_EQ(exact, c.exact) << c.x;
  }
  // The same at a scale: x * 2^3.
  ASSERT_TRUE(encode_float(2.5 / 8, 3, v, exact));
  EXPECT_EQ(v, 2);
  ASSERT_TRUE(encode_float(0.4375, -2, v, exact));  // 0.109375 -> 0
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(exact);
}

TEST(FixedPoint, RangeIsSignedTwentyFourBits) {
  std::int64_t v = 0;
  bool exact = true;
  EXPECT_TRUE(encode_float(8388607.0, 0, v, exact));
  EXPECT_EQ(v, 8388607);
  EXPECT_TRUE(encode_float(-8388607.0, 0, v, exact));
  EXPECT_EQ(v, -8388607);
  EXPECT_FALSE(encode_float(8388608.0, 0, v, exact));
  EXPECT_FALSE(encode_float(-8388608.0, 0, v, exact));
  EXPECT_FALSE(encode_float(8388607.5, 0, v, exact));  // rounds (to even) to 2^23
  EXPECT_TRUE(encode_float(8388606.5, 0, v, exact));   // rounds to even 8388606
  EXPECT_EQ(v, 8388606);
  EXPECT_FALSE(encode_float(1e300, 0, v, exact));
  EXPECT_FALSE(encode_float(std::numeric_limits<double>::infinity(), 0, v, exact));
  EXPECT_FALSE(encode_float(std::numeric_limits<double>::quiet_NaN(), 0, v, exact));
}

TEST(FixedPoint, ExtremeScalesAreExact) {
  std::int64_t v = 0;
  bool exact = false;
  const double tiny = std::numeric_limits<double>::denorm_min();  // 2^-1074
  ASSERT_TRUE(encode_float(tiny, 1074, v, exact));
  EXPECT_EQ(v, 1);
  EXPECT_TRUE(exact);
  ASSERT_TRUE(encode_float(tiny, 1095, v, exact));  // 2^s is not a double: still exact
  EXPECT_EQ(v, 1 << 21);
  EXPECT_TRUE(exact);
  ASSERT_TRUE(encode_float(tiny, 0, v, exact));  // underflows: rounds to 0
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(exact);
  const double huge = std::numeric_limits<double>::max();
  ASSERT_TRUE(encode_float(huge, -1002, v, exact));  // just below 2^22
  EXPECT_EQ(v, 1 << 22);
  EXPECT_FALSE(exact);
  EXPECT_FALSE(encode_float(huge, -1000, v, exact));
}

TEST(FixedPoint, IntegersRoundExactly) {
  std::int64_t v = 0;
  bool exact = false;
  ASSERT_TRUE(encode_integer(5, 0, v, exact));
  EXPECT_EQ(v, 5);
  EXPECT_TRUE(exact);
  ASSERT_TRUE(encode_integer(5, -1, v, exact));  // 2.5 -> 2
  EXPECT_EQ(v, 2);
  EXPECT_FALSE(exact);
  ASSERT_TRUE(encode_integer(7, -1, v, exact));  // 3.5 -> 4
  EXPECT_EQ(v, 4);
  ASSERT_TRUE(encode_integer(-5, -1, v, exact));  // -2.5 -> -2
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(encode_integer(-7, -1, v, exact));  // -3.5 -> -4
  EXPECT_EQ(v, -4);
  ASSERT_TRUE(encode_integer(-6, -2, v, exact));  // -1.5 -> -2
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(encode_integer(std::numeric_limits<std::int64_t>::min(), -41, v, exact));
  EXPECT_EQ(v, -(1 << 22));
  EXPECT_TRUE(exact);
  ASSERT_TRUE(encode_integer(static_cast<int128>(std::numeric_limits<std::uint64_t>::max()), -42, v, exact));
  EXPECT_EQ(v, 1 << 22);
  EXPECT_FALSE(exact);
  ASSERT_TRUE(encode_integer(3, 2, v, exact));  // a given positive scale
  EXPECT_EQ(v, 12);
  EXPECT_FALSE(encode_integer(1 << 23, 0, v, exact));
  EXPECT_FALSE(encode_integer(1, 30, v, exact));
  ASSERT_TRUE(encode_integer(0, 30, v, exact));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(encode_integer(12345, -200, v, exact));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(exact);
}

TEST(FixedPoint, ScaleRuleDependsOnDtypeAndLargestBinade) {
  EXPECT_EQ(scale_rule(DType::kBF16, ValueScan{true, 0}), 21);    // max in [1, 2)
  EXPECT_EQ(scale_rule(DType::kBF16, ValueScan{true, -1}), 22);   // max in [0.5, 1)
  EXPECT_EQ(scale_rule(DType::kF32, ValueScan{true, 127}), -106);
  EXPECT_EQ(scale_rule(DType::kF16, ValueScan{true, -24}), 45);
  EXPECT_EQ(scale_rule(DType::kBF16, ValueScan{false, 0}), 0);    // all zero
  EXPECT_EQ(scale_rule(DType::kI32, ValueScan{true, 2}), 0);      // integers are not scaled up
  EXPECT_EQ(scale_rule(DType::kI64, ValueScan{true, 40}), -19);
  EXPECT_EQ(scale_rule(DType::kU64, ValueScan{true, 63}), -42);
  EXPECT_EQ(scale_rule(DType::kF64, ValueScan{true, -1074}), 1095);
  EXPECT_EQ(scale_rule(DType::kF64, ValueScan{true, 1023}), -1002);
  EXPECT_LE(1095, kMaxScale);
  EXPECT_GE(-1002, kMinScale);
}

TEST(FixedPoint, ScanFindsTheLargestBinade) {
  EXPECT_EQ(scan_values(DType::kBF16, bf16_bytes({0.25, -1.5, 0.75}), "t"), (ValueScan{true, 0}));
  EXPECT_EQ(scan_values(DType::kBF16, bf16_bytes({0.0, -0.0}), "t"), (ValueScan{false, 0}));
  EXPECT_EQ(scan_values(DType::kF32, bytes_of<float>({1e-3f, -3.0f}), "t"), (ValueScan{true, 1}));
  EXPECT_EQ(scan_values(DType::kF64, bytes_of<double>({-1e-310}), "t"), (ValueScan{true, std::ilogb(1e-310)}));
  EXPECT_EQ(scan_values(DType::kI16, bytes_of<std::int16_t>({-32768, 5}), "t"), (ValueScan{true, 15}));
  EXPECT_EQ(scan_values(DType::kU64, bytes_of<std::uint64_t>({~0ull}), "t"), (ValueScan{true, 63}));
  EXPECT_EQ(scan_values(DType::kI64, bytes_of<std::int64_t>({std::numeric_limits<std::int64_t>::min()}), "t"),
            (ValueScan{true, 63}));
  EXPECT_EQ(scan_values(DType::kF8E4M3, std::vector<std::uint8_t>{0x7E, 0x01}, "t"), (ValueScan{true, 8}));  // 448
}

void expect_refused(DType dtype, const std::vector<std::uint8_t>& bytes, const std::string& needle) {
  try {
    (void)scan_values(dtype, bytes, "layers.0.weight");
    FAIL() << "accepted " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    const std::string what = e.what();
    EXPECT_NE(what.find("\"layers.0.weight\""), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_NE(what.find("cannot be committed"), std::string::npos) << what;
  }
}

TEST(FixedPoint, NanAndInfinityAreRefusedNamingTensorAndElement) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_refused(DType::kBF16, bf16_bytes({1.0, 2.0, 3.0, nan}), "element 3 is NaN");
  expect_refused(DType::kBF16, bf16_bytes({-inf, 0.0}), "element 0 is -inf");
  expect_refused(DType::kF16, bytes_of<std::uint16_t>({0x3C00, 0x7C00}), "element 1 is +inf");
  expect_refused(DType::kF32, bytes_of<float>({0.0f, std::numeric_limits<float>::quiet_NaN()}), "element 1 is NaN");
  expect_refused(DType::kF64, bytes_of<double>({inf}), "element 0 is +inf");
  expect_refused(DType::kF8E4M3, {0x00, 0x7F}, "element 1 is NaN");
  expect_refused(DType::kF8E5M2, {0x7C}, "element 0 is +inf");
  expect_refused(DType::kF8E8M0, {0x7F, 0xFF}, "element 1 is NaN");
}

TEST(FixedPoint, Bf16KnownAnswers) {
  // max 1.0: E = 0, s = 21.
  const double values[] = {1.0, -1.0, 0.5, 0x1p-14, 0x1p-21, 0x1p-22, 0x3p-22, 0x1p-30, -0.0, -0x1.8p-3};
  const Encoding e = encode_rule(DType::kBF16, bf16_bytes(std::vector<double>(std::begin(values), std::end(values))));
  EXPECT_EQ(e.scale, 21);
  const std::vector<std::int64_t> expected = {1 << 21, -(1 << 21), 1 << 20, 1 << 7, 1, 0, 2, 0, 0, -(3 << 17)};
  EXPECT_EQ(e.values, expected);
  EXPECT_EQ(e.stats.max_abs, 1u << 21);
  EXPECT_EQ(e.stats.inexact, 3u);  // 2^-22 (half-way to 0), 3 * 2^-22 (half-way to 2), 2^-30
}

TEST(FixedPoint, Bf16ExactnessAndErrorBoundHoldForEveryValue) {
  // A tensor whose largest value is in [1, 2) (E = 0, s = 21): every bf16
  // value of magnitude at most the max is exact iff |x| >= 2^-14 or x * 2^21
  // is an integer, and is always within 2^-22 of its encoding.
  for (const std::uint16_t top : {std::uint16_t{0x3F80}, std::uint16_t{0x3FFF}}) {
    std::vector<std::uint16_t> all;
    for (std::uint32_t b = 0; b <= 0xFFFF; ++b) {
      const auto bits = static_cast<std::uint16_t>(b);
      if ((bits & 0x7FFF) <= top) all.push_back(bits);
    }
    const Encoding e = encode_rule(DType::kBF16, bytes_of(all));
    ASSERT_EQ(e.scale, 21);
    EXPECT_LE(e.stats.max_abs, static_cast<std::uint64_t>(kRuleBound));
    std::uint64_t inexact = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      const double x = bf16_to_double(all[i]);
      const double back = std::ldexp(static_cast<double>(e.values[i]), -21);
      EXPECT_LE(std::fabs(x - back), 0x1p-22) << x;
      if (std::fabs(x) >= 0x1p-14) {
        EXPECT_EQ(back, x) << x;
      }
      inexact += back != x ? 1 : 0;
    }
    EXPECT_EQ(e.stats.inexact, inexact);
  }
}

TEST(FixedPoint, F16ExactWithinElevenBinadesOfTheMax) {
  std::vector<std::uint16_t> all;
  for (std::uint32_t b = 0; b <= 0xFFFF; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    if ((bits & 0x7FFF) < 0x7C00) all.push_back(bits);  // every finite f16, max 65504: E = 15, s = 6
  }
  const Encoding e = encode_rule(DType::kF16, bytes_of(all));
  ASSERT_EQ(e.scale, 6);
  EXPECT_EQ(e.stats.max_abs, 65504u * 64u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const double x = f16_to_double(all[i]);
    const double back = std::ldexp(static_cast<double>(e.values[i]), -6);
    EXPECT_LE(std::fabs(x - back), 0x1p-7);
    if (std::fabs(x) >= 0x1p4) {  // 2^(E-11)
      EXPECT_EQ(back, x) << x;
    }
  }
}

TEST(FixedPoint, EveryE4M3ValueIsExactWhenTheMaxIs448) {
  std::vector<std::uint8_t> all;
  for (std::uint32_t b = 0; b <= 0xFF; ++b) {
    if ((b & 0x7F) != 0x7F) all.push_back(static_cast<std::uint8_t>(b));
  }
  const Encoding e = encode_rule(DType::kF8E4M3, all);
  EXPECT_EQ(e.scale, 13);  // 448: E = 8
  EXPECT_EQ(e.stats.inexact, 0u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(std::ldexp(static_cast<double>(e.values[i]), -13), f8e4m3_to_double(all[i]));
  }
}

TEST(FixedPoint, E5M2AndE8M0KnownAnswers) {
  // E5M2: 0x7B = 57344 (max, E = 15 -> s = 6), 0x01 = 2^-16 (min subnormal): 2^-10 -> 0, inexact.
  Encoding e = encode_rule(DType::kF8E5M2, {0x7B, 0x01, 0xBC});  // 0xBC = -1.0
  EXPECT_EQ(e.scale, 6);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{57344 * 64, 0, -64}));
  EXPECT_EQ(e.stats.inexact, 1u);
  // E8M0: 2^(b - 127); 0x80 = 2, 0x7F = 1, 0x00 = 2^-127.
  e = encode_rule(DType::kF8E8M0, {0x80, 0x7F, 0x00});
  EXPECT_EQ(e.scale, 20);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{1 << 21, 1 << 20, 0}));
  EXPECT_EQ(e.stats.inexact, 1u);
}

TEST(FixedPoint, F32KnownAnswers) {
  const std::vector<float> values = {1.0f / 3.0f, -0.25f, 0x1.fffffep-2f};
  const Encoding e = encode_rule(DType::kF32, bytes_of(values));
  EXPECT_EQ(e.scale, 23);  // max < 0.5: E = -2
  EXPECT_EQ(e.values[0], 2796203);  // round(2^23 / 3) = 2796202.67 -> 2796203
  EXPECT_EQ(e.values[1], -(1 << 21));
  EXPECT_EQ(e.values[2], 1 << 22);  // (1 - 2^-24)/2 * 2^23 = 2^22 - 0.25 -> 2^22
  EXPECT_EQ(e.stats.inexact, 2u);
  EXPECT_EQ(e.stats.max_abs, 1u << 22);
}

TEST(FixedPoint, F64UsesEveryBitItCan) {
  const std::vector<double> values = {0x1.23456789abcdep+10, -1.0};
  const Encoding e = encode_rule(DType::kF64, bytes_of(values));
  EXPECT_EQ(e.scale, 11);
  EXPECT_EQ(e.values[0], static_cast<std::int64_t>(std::nearbyint(std::ldexp(values[0], 11))));
  EXPECT_EQ(e.values[1], -2048);
}

TEST(FixedPoint, IntegerDtypesAreExactWhenTheyFit) {
  Encoding e = encode_rule(DType::kI32, bytes_of<std::int32_t>({0, 7, -4194303, 4194303}));
  EXPECT_EQ(e.scale, 0);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{0, 7, -4194303, 4194303}));
  EXPECT_EQ(e.stats.inexact, 0u);
  // 2^22 no longer fits the rule's 22 bits: halved, and odd values round to even.
  e = encode_rule(DType::kI32, bytes_of<std::int32_t>({1 << 22, 1, -1, 3}));
  EXPECT_EQ(e.scale, -1);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{1 << 21, 0, 0, 2}));
  EXPECT_EQ(e.stats.inexact, 3u);
  e = encode_rule(DType::kU8, {255, 0, 17});
  EXPECT_EQ(e.scale, 0);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{255, 0, 17}));
  e = encode_rule(DType::kI8, {0x80, 0x7F});
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{-128, 127}));
  e = encode_rule(DType::kBool, {0, 1, 2});
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{0, 1, 1}));
  e = encode_rule(DType::kU16, bytes_of<std::uint16_t>({65535}));
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{65535}));
  e = encode_rule(DType::kI64, bytes_of<std::int64_t>({std::int64_t{1} << 62, -(std::int64_t{1} << 41)}));
  EXPECT_EQ(e.scale, -41);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{1 << 21, -1}));
  e = encode_rule(DType::kU64, bytes_of<std::uint64_t>({~0ull}));
  EXPECT_EQ(e.scale, -42);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{1 << 22}));
}

TEST(FixedPoint, AllZeroTensorAndNegativeZero) {
  const Encoding e = encode_rule(DType::kBF16, bf16_bytes({-0.0, 0.0, -0.0}));
  EXPECT_EQ(e.scale, 0);
  EXPECT_EQ(e.values, (std::vector<std::int64_t>{0, 0, 0}));
  EXPECT_EQ(e.stats, (EncodeStats{0, 0}));
}

TEST(FixedPoint, NegativeValuesEmbedAsPMinusV) {
  const std::uint64_t shape[] = {2};
  const MatrixLayout layout = matrix_layout(shape, "t");
  std::vector<Fp> table(2);
  encode_tensor(DType::kI8, std::vector<std::uint8_t>{0xFF, 0x01}, 0, layout, table, "t");
  EXPECT_EQ(table[0].value(), Fp::kModulus - 1);
  EXPECT_EQ(table[1].value(), 1u);
}

TEST(FixedPoint, AGivenScaleThatOverflowsIsRefusedNamingTheElement) {
  const std::vector<std::uint8_t> bytes = bf16_bytes({0.5, 3.0});
  const std::uint64_t shape[] = {2};
  const MatrixLayout layout = matrix_layout(shape, "w");
  std::vector<Fp> table(2);
  // The rule for max 0.5 would be s = 22; at s = 22, 3.0 needs 2^23.58.
  try {
    encode_tensor(DType::kBF16, bytes, 22, layout, table, "w");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_NE(std::string(e.what()).find("\"w\" (BF16): element 1 = 3 does not fit in 24 bits at scale 2^22"),
              std::string::npos)
        << e.what();
  }
  // Growth beyond the rule's 2^22 still fits below 2^23 (the headroom bit).
  EXPECT_NO_THROW(encode_tensor(DType::kBF16, bf16_bytes({0.5, 1.875}), 22, layout, table, "w"));
}

TEST(FixedPoint, LookupTableAndDirectPathsAgree) {
  // Above kLut16Threshold elements the 16-bit dtypes use a table; check it
  // against the scalar path on the same values.
  std::vector<std::uint16_t> bits;
  std::uint32_t state = 12345;
  for (int i = 0; i < 70000; ++i) {
    state = state * 1664525u + 1013904223u;
    std::uint16_t b = static_cast<std::uint16_t>(state >> 16);
    if ((b & 0x7FFF) >= 0x7F80) b = static_cast<std::uint16_t>(b & 0x3FFF);
    bits.push_back(b);
  }
  const std::vector<std::uint8_t> bytes = bytes_of(bits);
  const Encoding e = encode_rule(DType::kBF16, bytes);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    std::int64_t v = 0;
    bool exact = true;
    ASSERT_TRUE(encode_float(bf16_to_double(bits[i]), e.scale, v, exact));
    ASSERT_EQ(v, e.values[i]) << i;
  }
}

TEST(Layout, MatrixViewPaddedPerDimension) {
  const std::uint64_t s1[] = {3, 5};
  MatrixLayout l = matrix_layout(s1, "t");
  EXPECT_EQ(l, (MatrixLayout{3, 5, 2, 3}));
  EXPECT_EQ(l.table_size(), 32u);
  const std::uint64_t s2[] = {2, 3, 4};
  EXPECT_EQ(matrix_layout(s2, "t"), (MatrixLayout{2, 12, 1, 4}));
  const std::uint64_t s3[] = {5};
  EXPECT_EQ(matrix_layout(s3, "t"), (MatrixLayout{1, 5, 0, 3}));
  EXPECT_EQ(matrix_layout(std::span<const std::uint64_t>(), "t"), (MatrixLayout{1, 1, 0, 0}));
  const std::uint64_t s4[] = {0, 7};
  l = matrix_layout(s4, "t");
  EXPECT_EQ(l.num_vars(), 0u);
  EXPECT_EQ(l.elements(), 0u);
  const std::uint64_t conv[] = {64, 3, 7, 7};
  EXPECT_EQ(matrix_layout(conv, "t"), (MatrixLayout{64, 147, 6, 8}));
  const std::uint64_t big[] = {11008, 4096};
  EXPECT_EQ(matrix_layout(big, "t").num_vars(), 26u);
}

TEST(Layout, TooLargeIsRefusedNamingTheTensor) {
  const std::uint64_t shape[] = {std::uint64_t{1} << 20, (std::uint64_t{1} << 10) + 1};
  try {
    (void)matrix_layout(shape, "lm_head.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_NE(std::string(e.what()).find("\"lm_head.weight\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("2^31"), std::string::npos) << e.what();
  }
  const std::uint64_t overflow[] = {~0ull, ~0ull};
  EXPECT_THROW((void)matrix_layout(overflow, "t"), Error);
}

TEST(Layout, EntriesGoToRowTimesStridePlusColumn) {
  // 3 x 5 I8 matrix with entries 10 i + j.
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 5; ++j) bytes.push_back(static_cast<std::uint8_t>(10 * i + j));
  }
  const std::uint64_t shape[] = {3, 5};
  const MatrixLayout layout = matrix_layout(shape, "m");
  std::vector<Fp> table(layout.table_size(), Fp::one());
  encode_tensor(DType::kI8, bytes, 0, layout, table, "m");
  for (std::uint64_t idx = 0; idx < table.size(); ++idx) {
    const std::uint64_t i = idx >> 3, j = idx & 7;
    const std::uint64_t expected = (i < 3 && j < 5) ? 10 * i + j : 0;
    EXPECT_EQ(table[idx].value(), expected) << idx;
  }
}

}  // namespace
}  // namespace fti::commitment

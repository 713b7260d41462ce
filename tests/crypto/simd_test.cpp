// The AVX-512 kernels (goldilocks_avx512.h, simd.h) against the scalar code:
// lane for lane on the field operations (edge values and random ones), and
// transform for transform on the NTT, the serial coset NTT, Reed-Solomon
// encoding and the Moebius transform, every size from 1 to 2^16 or 2^17 and
// one above the parallel split. The comparisons are skipped where the CPU
// lacks AVX-512F (the scalar path is then the only one, tested everywhere).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "engine/crypto/basefold_fold.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/goldilocks_avx512.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/powers.h"
#include "engine/crypto/reed_solomon.h"
#include "engine/crypto/simd.h"
#include "tests/crypto/simd_setting.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::SimdSetting;
using testing::TestRng;

TEST(Simd, SwitchOnlyTurnsOnWhereAvailable) {
  SimdSetting on(true);
  EXPECT_EQ(simd_enabled(), simd_available());
  SimdSetting off(false);
  EXPECT_FALSE(simd_enabled());
}

#if defined(FTI_HAVE_AVX512_KERNELS)
enum class Op { kAdd, kSub, kMul };

__attribute__((target("avx512f"))) void apply(Op op, const std::array<Fp, 8>& a, const std::array<Fp, 8>& b,
                                               std::array<Fp, 8>& out) {
  const avx512::Vec x = avx512::load(a.data()), y = avx512::load(b.data());
  const avx512::Vec r = op == Op::kAdd ? avx512::add(x, y) : op == Op::kSub ? avx512::sub(x, y) : avx512::mul(x, y);
  avx512::store(out.data(), r);
}

TEST(Simd, FieldLanesAreTheScalarResults) {
  if (!simd_available()) GTEST_SKIP() << "no AVX-512F on this CPU";
  // Every pair of edge values (where the borrows, carries and the final
  // subtraction of the reduction happen), then random lanes.
  const std::vector<std::uint64_t> edges = {0,
                                            1,
                                            2,
                                            0xFFFF'FFFFULL,
                                            0x1'0000'0000ULL,
                                            0x1'0000'0001ULL,
                                            0x7FFF'FFFF'FFFF'FFFFULL,
                                            0x8000'0000'0000'0000ULL,
                                            0xFFFF'FFFE'FFFF'FFFFULL,
                                            0xFFFF'FFFF'0000'0000ULL,
                                            Fp::kModulus - 2,
                                            Fp::kModulus - 1};
  std::vector<std::pair<Fp, Fp>> pairs;
  for (const std::uint64_t x : edges) {
    for (const std::uint64_t y : edges) pairs.emplace_back(Fp::from_u64(x), Fp::from_u64(y));
  }
  TestRng rng(41);
  for (int i = 0; i < 20000; ++i) pairs.emplace_back(rng.fp(), rng.fp());
  while (pairs.size() % 8 != 0) pairs.emplace_back(rng.fp(), rng.fp());
  for (std::size_t i = 0; i < pairs.size(); i += 8) {
    std::array<Fp, 8> a, b, sum, diff, prod;
    for (std::size_t k = 0; k < 8; ++k) std::tie(a[k], b[k]) = pairs[i + k];
    apply(Op::kAdd, a, b, sum);
    apply(Op::kSub, a, b, diff);
    apply(Op::kMul, a, b, prod);
    for (std::size_t k = 0; k < 8; ++k) {
      ASSERT_EQ(sum[k], a[k] + b[k]) << a[k].value() << " + " << b[k].value();
      ASSERT_EQ(diff[k], a[k] - b[k]) << a[k].value() << " - " << b[k].value();
      ASSERT_EQ(prod[k], a[k] * b[k]) << a[k].value() << " * " << b[k].value();
    }
  }
}
#endif

std::vector<Fp> random_vector(TestRng& rng, std::size_t n) {
  std::vector<Fp> v(n);
  for (Fp& x : v) x = rng.fp();
  return v;
}

TEST(Simd, NttAndReedSolomonAreTheScalarTransforms) {
  if (!simd_available()) GTEST_SKIP() << "no AVX-512F on this CPU";
  TestRng rng(42);
  for (unsigned log_n = 0; log_n <= 17; ++log_n) {
    const std::vector<Fp> input = random_vector(rng, std::size_t{1} << log_n);
    std::vector<Fp> scalar = input, vector = input;
    {
      SimdSetting off(false);
      ntt_forward(scalar);
    }
    {
      SimdSetting on(true);
      ntt_forward(vector);
    }
    ASSERT_EQ(vector, scalar) << "2^" << log_n;
  }
  // Above the size where the transform splits into parallel passes, and a
  // coset encoding at rate 1/4.
  const std::vector<Fp> big = random_vector(rng, std::size_t{1} << 20);
  std::vector<Fp> scalar = big, vector = big;
  std::vector<Fp> scalar_rs, vector_rs;
  {
    SimdSetting off(false);
    ntt_forward(scalar);
    scalar_rs = rs_encode(std::span<const Fp>(big).first(std::size_t{1} << 16), 2, Fp::from_u64(7));
  }
  {
    SimdSetting on(true);
    ntt_forward(vector);
    vector_rs = rs_encode(std::span<const Fp>(big).first(std::size_t{1} << 16), 2, Fp::from_u64(7));
  }
  EXPECT_EQ(vector, scalar);
  EXPECT_EQ(vector_rs, scalar_rs);
}

// multiply_by_powers against the definition, with the kernels and without,
// for every length up to 40 (the lanes and the scalar tail), and the parallel
// version over several chunks and a ragged tail; in place too.
TEST(Simd, MultiplyByPowersIsTheDefinition) {
  TestRng rng(45);
  using Multiply = void (*)(std::span<const Fp>, Fp, Fp, std::span<Fp>);
  const auto check = [&rng](Multiply multiply, std::size_t n, bool simd) {
    const std::vector<Fp> in = random_vector(rng, n);
    const Fp first = rng.fp(), base = rng.fp();
    std::vector<Fp> expected(n), out(n), in_place = in;
    Fp f = first;
    for (std::size_t i = 0; i < n; ++i) {
      expected[i] = in[i] * f;
      f *= base;
    }
    multiply(in, first, base, out);
    multiply(in_place, first, base, in_place);
    ASSERT_EQ(out, expected) << n << " simd " << simd;
    ASSERT_EQ(in_place, expected) << n << " simd " << simd;
  };
  for (const bool simd : {false, true}) {
    SimdSetting setting(simd);
    for (std::size_t n = 0; n <= 40; ++n) check(multiply_by_powers, n, simd);
    check(multiply_by_powers_parallel, (std::size_t{3} << 15) + 5, simd);
  }
  std::vector<Fp> a(3), b(4);
  EXPECT_THROW(multiply_by_powers(a, Fp::one(), Fp::one(), b), std::invalid_argument);
  EXPECT_THROW(multiply_by_powers_parallel(a, Fp::one(), Fp::one(), b), std::invalid_argument);
}

// multiply_accumulate (acc * c + x) and scale_accumulate (acc + c * x)
// against their definitions, every tail length, with the kernels and without.
TEST(Simd, AccumulatesAreTheDefinition) {
  TestRng rng(46);
  for (const bool simd : {false, true}) {
    SimdSetting setting(simd);
    for (std::size_t n = 0; n <= 40; ++n) {
      const std::vector<Fp> acc = random_vector(rng, n), x = random_vector(rng, n);
      const Fp c = rng.fp();
      std::vector<Fp> horner(n), scaled(n), actual = acc, added = acc;
      for (std::size_t i = 0; i < n; ++i) {
        horner[i] = acc[i] * c + x[i];
        scaled[i] = acc[i] + c * x[i];
      }
      multiply_accumulate(actual, c, x);
      scale_accumulate(added, c, x);
      ASSERT_EQ(actual, horner) << n << " simd " << simd;
      ASSERT_EQ(added, scaled) << n << " simd " << simd;
    }
  }
  std::vector<Fp> a(3), b(4);
  EXPECT_THROW(multiply_accumulate(a, Fp::one(), b), std::invalid_argument);
  EXPECT_THROW(scale_accumulate(a, Fp::one(), b), std::invalid_argument);
}

// SerialCosetNtt is coset_ntt_forward, with the kernels and without.
TEST(Simd, SerialCosetNttIsTheCosetTransform) {
  TestRng rng(44);
  for (const bool simd : {false, true}) {
    SimdSetting setting(simd);
    for (unsigned log_n = 0; log_n <= 16; ++log_n) {
      const std::vector<Fp> input = random_vector(rng, std::size_t{1} << log_n);
      const Fp drawn = rng.fp();
      const Fp shift = drawn.is_zero() ? Fp::one() : drawn;
      std::vector<Fp> expected = input, actual = input;
      coset_ntt_forward(expected, shift);
      const SerialCosetNtt transform(log_n);
      transform(actual, shift);
      ASSERT_EQ(actual, expected) << "2^" << log_n << " simd " << simd;
    }
  }
  std::vector<Fp> wrong(8);
  const SerialCosetNtt size16(4);
  EXPECT_THROW(size16(wrong, Fp::one()), std::invalid_argument);
  EXPECT_THROW(SerialCosetNtt(23), std::invalid_argument);
}

// The first fold of an opening, 8 leaves per register, against the scalar
// fold: one codeword of weight 1 and several weighted ones, every arity, from
// 8 leaves (one register) to more than a chunk of 2^10.
TEST(Simd, CommitmentFoldIsTheScalarFold) {
  if (!simd_available()) GTEST_SKIP() << "no AVX-512F on this CPU";
  TestRng rng(47);
  for (const unsigned a : {1u, 2u, 3u, 4u, 5u, 6u}) {
    for (const unsigned log_leaves : {3u, 5u, 11u}) {
      const std::size_t size = std::size_t{1} << (a + log_leaves);
      // One codeword of weight 1 (the base-field first step), one of another
      // weight, and three.
      for (const std::size_t variant : {0u, 1u, 2u}) {
        const std::size_t count = variant == 2 ? 3 : 1;
        std::vector<std::vector<Fp>> words;
        std::vector<std::span<const Fp>> spans;
        std::vector<Fp3> powers;
        for (std::size_t j = 0; j < count; ++j) {
          words.push_back(random_vector(rng, size));
          powers.push_back(variant == 0 ? Fp3::one() : rng.fp3());
        }
        for (const auto& w : words) spans.emplace_back(w);
        std::vector<Fp3> challenges(a);
        for (Fp3& r : challenges) r = rng.fp3();
        std::vector<Fp3> scalar(size >> a), vector(size >> a);
        {
          SimdSetting off(false);
          basefold_fold_commitment(spans, powers, challenges, scalar);
        }
        {
          SimdSetting on(true);
          basefold_fold_commitment(spans, powers, challenges, vector);
        }
        ASSERT_EQ(vector, scalar) << "a=" << a << " leaves=2^" << log_leaves << " variant=" << variant;
      }
    }
  }
}

TEST(Simd, MoebiusTransformsAreTheScalarOnes) {
  if (!simd_available()) GTEST_SKIP() << "no AVX-512F on this CPU";
  TestRng rng(43);
  for (unsigned log_n = 0; log_n <= 17; ++log_n) {
    const std::vector<Fp> input = random_vector(rng, std::size_t{1} << log_n);
    std::vector<Fp> scalar = input, vector = input, scalar_inv = input, vector_inv = input;
    {
      SimdSetting off(false);
      moebius_transform(scalar);
      moebius_inverse(scalar_inv);
    }
    {
      SimdSetting on(true);
      moebius_transform(vector);
      moebius_inverse(vector_inv);
    }
    ASSERT_EQ(vector, scalar) << "2^" << log_n;
    ASSERT_EQ(vector_inv, scalar_inv) << "2^" << log_n;
  }
}

}  // namespace
}  // namespace fti::crypto

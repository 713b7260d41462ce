// NTT and Reed-Solomon encoding: known answers against the naive DFT and
// Horner evaluation, round trips, linearity, and the bit-reversed layout the
// folding relies on.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/crypto/goldilocks.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/reed_solomon.h"
#include "tests/crypto/simd_setting.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

// Independent bit reversal (by building the reversed index bit by bit from the top).
std::size_t ref_bitrev(std::size_t i, unsigned bits) {
  std::size_t r = 0;
  for (unsigned b = 0; b < bits; ++b) {
    if (i & (std::size_t{1} << b)) r |= std::size_t{1} << (bits - 1 - b);
  }
  return r;
}

Fp horner(const std::vector<Fp>& coeffs, Fp x) {
  Fp acc = Fp::zero();
  for (std::size_t i = coeffs.size(); i-- > 0;) acc = acc * x + coeffs[i];
  return acc;
}

// The point at position j of a bit-reversed domain of size 2^log_n.
Fp ref_point(unsigned log_n, std::size_t j, Fp shift) {
  return shift * Fp::root_of_unity(log_n).pow(ref_bitrev(j, log_n));
}

// O(n^2) evaluation at every domain point, in bit-reversed position order.
std::vector<Fp> naive_dft(const std::vector<Fp>& coeffs, unsigned log_size, Fp shift) {
  std::vector<Fp> out(std::size_t{1} << log_size);
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = horner(coeffs, ref_point(log_size, j, shift));
  return out;
}

TEST(Ntt, BitReverse) {
  for (unsigned bits = 0; bits <= 12; ++bits) {
    for (std::size_t i = 0; i < (std::size_t{1} << bits); ++i) ASSERT_EQ(bit_reverse(i, bits), ref_bitrev(i, bits));
  }
  std::vector<Fp> v(16);
  for (std::size_t i = 0; i < 16; ++i) v[i] = Fp::from_u64(i);
  bit_reverse_permute(v);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(v[i].value(), ref_bitrev(i, 4));
}

TEST(Ntt, MatchesNaiveDftSmallSizes) {
  TestRng rng(11);
  for (unsigned log_n = 0; log_n <= 9; ++log_n) {
    const std::vector<Fp> coeffs = rng.fps(std::size_t{1} << log_n);
    std::vector<Fp> v = coeffs;
    ntt_forward(v);
    ASSERT_EQ(v, naive_dft(coeffs, log_n, Fp::one())) << "log_n=" << log_n;
    for (const Fp shift : {Fp::from_u64(Fp::kMultiplicativeGenerator), rng.fp() + Fp::one()}) {
      if (shift.is_zero()) continue;
      std::vector<Fp> c = coeffs;
      coset_ntt_forward(c, shift);
      ASSERT_EQ(c, naive_dft(coeffs, log_n, shift)) << "coset log_n=" << log_n;
    }
  }
}

TEST(Ntt, MatchesHornerAtSampledPositionsLargeSizes) {
  // Sizes above the serial cutoff exercise the parallel recursive path.
  TestRng rng(12);
  for (const unsigned log_n : {14u, 15u, 16u, 17u, 20u}) {
    const std::vector<Fp> coeffs = rng.fps(std::size_t{1} << log_n);
    const Fp shift = Fp::from_u64(Fp::kMultiplicativeGenerator);
    std::vector<Fp> v = coeffs, c = coeffs;
    ntt_forward(v);
    coset_ntt_forward(c, shift);
    for (int s = 0; s < 24; ++s) {
      const std::size_t j = s < 4 ? static_cast<std::size_t>(s) : rng.below(v.size());
      ASSERT_EQ(v[j], horner(coeffs, ref_point(log_n, j, Fp::one()))) << log_n << " " << j;
      ASSERT_EQ(c[j], horner(coeffs, ref_point(log_n, j, shift))) << log_n << " " << j;
    }
  }
}

// Above 2^22 values the twiddle table stops and the top passes compute their
// twiddles (ntt.cpp, radix4_pass): forward against Horner, inverse by round
// trip, with and without the vector kernels.
TEST(Ntt, TransformsAboveTheTwiddleTable) {
  TestRng rng(18);
  for (const unsigned log_n : {23u, 24u}) {
    const std::vector<Fp> coeffs = rng.fps(std::size_t{1} << log_n);
    std::vector<Fp> first;
    for (const bool simd : {true, false}) {
      const testing::SimdSetting setting(simd);
      std::vector<Fp> v = coeffs;
      ntt_forward(v);
      for (int s = 0; s < 6; ++s) {
        const std::size_t j = s < 2 ? static_cast<std::size_t>(s) : rng.below(v.size());
        ASSERT_EQ(v[j], horner(coeffs, ref_point(log_n, j, Fp::one()))) << log_n << " " << j;
      }
      if (first.empty()) {
        first = v;
      } else {
        ASSERT_EQ(v, first) << log_n;
      }
      ntt_inverse(v);
      ASSERT_EQ(v, coeffs) << log_n;
    }
  }
}

TEST(Ntt, RoundTripAllSizesWithCosets) {
  TestRng rng(13);
  for (unsigned log_n = 0; log_n <= 20; ++log_n) {
    const std::vector<Fp> coeffs = rng.fps(std::size_t{1} << log_n);
    std::vector<Fp> v = coeffs;
    ntt_forward(v);
    ntt_inverse(v);
    ASSERT_EQ(v, coeffs) << "log_n=" << log_n;
    Fp shift = rng.fp();
    if (shift.is_zero()) shift = Fp::one();
    coset_ntt_forward(v, shift);
    coset_ntt_inverse(v, shift);
    ASSERT_EQ(v, coeffs) << "coset log_n=" << log_n;
  }
}

TEST(Ntt, DomainPointAndFoldingPairs) {
  const Fp shift = Fp::from_u64(7);
  for (unsigned log_n = 1; log_n <= 12; ++log_n) {
    for (std::size_t j = 0; j < (std::size_t{1} << log_n); j += 2) {
      // x and -x are adjacent, and the square lands at position j/2 of the half-size domain.
      const Fp x = domain_point(log_n, j, shift);
      ASSERT_EQ(x, ref_point(log_n, j, shift));
      ASSERT_EQ(domain_point(log_n, j + 1, shift), -x);
      ASSERT_EQ(x.square(), domain_point(log_n - 1, j / 2, shift.square()));
    }
  }
  EXPECT_THROW((void)domain_point(3, 8), std::invalid_argument);
}

TEST(Ntt, RejectsBadSizes) {
  std::vector<Fp> v(12);
  EXPECT_THROW(ntt_forward(v), std::invalid_argument);
  EXPECT_THROW(ntt_inverse(v), std::invalid_argument);
  std::vector<Fp> empty;
  EXPECT_THROW(ntt_forward(empty), std::invalid_argument);
  std::vector<Fp> ok(4);
  EXPECT_THROW(coset_ntt_forward(ok, Fp::zero()), std::invalid_argument);
}

TEST(ReedSolomon, AgreesWithDirectEvaluation) {
  TestRng rng(14);
  for (const unsigned log_n : {0u, 1u, 3u, 8u, 13u, 16u}) {
    for (const unsigned log_blowup : {0u, 1u, 2u, 3u}) {
      const std::vector<Fp> coeffs = rng.fps(std::size_t{1} << log_n);
      for (const Fp shift : {Fp::one(), Fp::from_u64(Fp::kMultiplicativeGenerator)}) {
        const std::vector<Fp> cw = rs_encode(coeffs, log_blowup, shift);
        const unsigned log_size = log_n + log_blowup;
        ASSERT_EQ(cw.size(), std::size_t{1} << log_size);
        if (log_size <= 10) {
          ASSERT_EQ(cw, naive_dft(coeffs, log_size, shift)) << log_n << "/" << log_blowup;
        } else {
          for (int s = 0; s < 32; ++s) {
            const std::size_t j = rng.below(cw.size());
            ASSERT_EQ(cw[j], horner(coeffs, ref_point(log_size, j, shift))) << log_n << "/" << log_blowup;
          }
        }
      }
    }
  }
}

TEST(ReedSolomon, InPlaceEncodingIsTheEncoding) {
  TestRng rng(17);
  for (const unsigned log_n : {0u, 1u, 3u, 8u, 15u}) {
    for (const unsigned log_blowup : {0u, 1u, 2u, 3u}) {
      const std::vector<Fp> coeffs = rng.fps(std::size_t{1} << log_n);
      for (const Fp shift : {Fp::one(), Fp::from_u64(Fp::kMultiplicativeGenerator)}) {
        std::vector<Fp> word(coeffs.size() << log_blowup, Fp::from_u64(99));  // the tail is overwritten
        std::copy(coeffs.begin(), coeffs.end(), word.begin());
        rs_encode_in_place(word, log_blowup, shift);
        ASSERT_EQ(word, rs_encode(coeffs, log_blowup, shift)) << log_n << "/" << log_blowup;
      }
    }
  }
  std::vector<Fp> six(6), eight(8);
  EXPECT_THROW(rs_encode_in_place(six, 1), std::invalid_argument);
  EXPECT_THROW(rs_encode_in_place(eight, 4), std::invalid_argument);
  EXPECT_THROW(rs_encode_in_place(eight, 1, Fp::zero()), std::invalid_argument);
}

TEST(ReedSolomon, CodewordHasDegreeBelowN) {
  // Interpolating the whole codeword gives back the coefficients, padded with zeros.
  TestRng rng(15);
  const std::vector<Fp> coeffs = rng.fps(1 << 10);
  const Fp shift = Fp::from_u64(7);
  std::vector<Fp> cw = rs_encode(coeffs, 2, shift);
  coset_ntt_inverse(cw, shift);
  for (std::size_t i = 0; i < cw.size(); ++i) {
    ASSERT_EQ(cw[i], i < coeffs.size() ? coeffs[i] : Fp::zero()) << i;
  }
}

TEST(ReedSolomon, EncodingIsLinear) {
  TestRng rng(16);
  for (const unsigned log_n : {0u, 5u, 12u, 17u}) {
    const std::size_t n = std::size_t{1} << log_n;
    const std::vector<Fp> f = rng.fps(n), g = rng.fps(n);
    const Fp a = rng.fp(), b = rng.fp();
    std::vector<Fp> h(n);
    for (std::size_t i = 0; i < n; ++i) h[i] = a * f[i] + b * g[i];
    const Fp shift = Fp::from_u64(7);
    const auto ef = rs_encode(f, 1, shift), eg = rs_encode(g, 1, shift), eh = rs_encode(h, 1, shift);
    for (std::size_t j = 0; j < eh.size(); ++j) ASSERT_EQ(eh[j], a * ef[j] + b * eg[j]) << j;
  }
}

TEST(ReedSolomon, RejectsBadParameters) {
  const std::vector<Fp> three(3), four(4), empty;
  EXPECT_THROW((void)rs_encode(three, 1), std::invalid_argument);
  EXPECT_THROW((void)rs_encode(empty, 1), std::invalid_argument);
  EXPECT_THROW((void)rs_encode(four, kMaxLogBlowup + 1), std::invalid_argument);
  EXPECT_THROW((void)rs_encode(four, 1, Fp::zero()), std::invalid_argument);
  std::vector<Fp> out(7);
  EXPECT_THROW(rs_encode_into(four, 1, Fp::one(), out), std::invalid_argument);
}

}  // namespace
}  // namespace fti::crypto

// Goldilocks and its cubic extension against references computed here with
// unsigned __int128 and schoolbook polynomial arithmetic.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;
__extension__ using u128 = unsigned __int128;

constexpr std::uint64_t P = 0xFFFF'FFFF'0000'0001ULL;

// ---- reference arithmetic: plain % on 128-bit integers ----
std::uint64_t ref_add(std::uint64_t a, std::uint64_t b) { return static_cast<std::uint64_t>((u128{a} + b) % P); }
std::uint64_t ref_sub(std::uint64_t a, std::uint64_t b) { return static_cast<std::uint64_t>((u128{a} + P - b) % P); }
std::uint64_t ref_mul(std::uint64_t a, std::uint64_t b) { return static_cast<std::uint64_t>((u128{a} * b) % P); }
std::uint64_t ref_pow(std::uint64_t a, std::uint64_t e) {
  std::uint64_t acc = 1;
  for (; e != 0; e >>= 1, a = ref_mul(a, a)) {
    if (e & 1) acc = ref_mul(acc, a);
  }
  return acc;
}

TEST(Goldilocks, ModulusAndConstants) {
  EXPECT_EQ(Fp::kModulus, (u128{1} << 64) - (u128{1} << 32) + 1);
  // 2^64 = 2^32 - 1 and 2^96 = -1 (mod p): the identities the reduction uses.
  EXPECT_EQ(static_cast<std::uint64_t>((u128{1} << 64) % P), 0xFFFF'FFFFULL);
  EXPECT_EQ(ref_mul(static_cast<std::uint64_t>((u128{1} << 64) % P), 1ULL << 32), P - 1);
}

TEST(Goldilocks, ArithmeticMatchesReference) {
  TestRng rng(1);
  for (int i = 0; i < 200000; ++i) {
    const Fp a = rng.fp(), b = rng.fp();
    ASSERT_EQ((a + b).value(), ref_add(a.value(), b.value()));
    ASSERT_EQ((a - b).value(), ref_sub(a.value(), b.value()));
    ASSERT_EQ((a * b).value(), ref_mul(a.value(), b.value()));
    ASSERT_EQ((-a).value(), ref_sub(0, a.value()));
    ASSERT_EQ(a.square().value(), ref_mul(a.value(), a.value()));
  }
}

TEST(Goldilocks, ExhaustiveEdgeProducts) {
  const std::uint64_t edges[] = {0, 1, 2, 3, 0xFFFF'FFFFULL, 0x1'0000'0000ULL, 0x1'0000'0001ULL,
                                 0x7FFF'FFFF'FFFF'FFFFULL, 0x8000'0000'0000'0000ULL, P - 2, P - 1,
                                 0xFFFF'FFFE'FFFF'FFFFULL, 0xFFFF'FFFF'0000'0000ULL};
  for (const auto a : edges) {
    for (const auto b : edges) {
      const Fp x = Fp::from_u64(a), y = Fp::from_u64(b);
      EXPECT_EQ((x * y).value(), ref_mul(a % P, b % P)) << a << " * " << b;
      EXPECT_EQ((x + y).value(), ref_add(a % P, b % P)) << a << " + " << b;
      EXPECT_EQ((x - y).value(), ref_sub(a % P, b % P)) << a << " - " << b;
    }
  }
}

TEST(Goldilocks, Reduce128MatchesReference) {
  TestRng rng(2);
  const u128 max = ~u128{0};
  const u128 specials[] = {0, 1, P, u128{P} * P, u128{P - 1} * (P - 1), max, max - 1, u128{1} << 64,
                           u128{1} << 96, (u128{1} << 96) - 1, (u128{P} << 64) | 0xFFFF'FFFF'FFFF'FFFFULL};
  for (const u128 x : specials) {
    EXPECT_EQ(Fp::reduce128(x), static_cast<std::uint64_t>(x % P));
  }
  for (int i = 0; i < 100000; ++i) {
    const u128 x = (u128{rng.u64()} << 64) | rng.u64();
    ASSERT_EQ(Fp::reduce128(x), static_cast<std::uint64_t>(x % P));
  }
}

TEST(Goldilocks, ConstructionReducesAndChecks) {
  EXPECT_EQ(Fp::from_u64(P).value(), 0u);
  EXPECT_EQ(Fp::from_u64(P + 5).value(), 5u);
  EXPECT_EQ(Fp::from_u64(~0ULL).value(), ~0ULL - P);
  EXPECT_EQ(Fp::from_i64(-1).value(), P - 1);
  EXPECT_EQ(Fp::from_i64(INT64_MIN).value(), ref_sub(0, 0x8000'0000'0000'0000ULL));
  EXPECT_EQ(Fp::from_i64(12345).value(), 12345u);
  EXPECT_TRUE(Fp::from_canonical(P - 1).has_value());
  EXPECT_FALSE(Fp::from_canonical(P).has_value());
  EXPECT_FALSE(Fp::from_canonical(~0ULL).has_value());
}

TEST(Goldilocks, PowAndInverse) {
  TestRng rng(3);
  for (int i = 0; i < 2000; ++i) {
    const Fp a = rng.fp();
    const std::uint64_t e = rng.u64();
    ASSERT_EQ(a.pow(e).value(), ref_pow(a.value(), e));
    if (!a.is_zero()) {
      ASSERT_EQ((a * a.inverse()).value(), 1u);
      ASSERT_EQ(a.inverse().value(), ref_pow(a.value(), P - 2));
    }
  }
  EXPECT_EQ(Fp::zero().inverse(), Fp::zero());
  EXPECT_EQ(Fp::one().inverse(), Fp::one());
}

TEST(Goldilocks, BatchInverse) {
  TestRng rng(4);
  for (const std::size_t n : {0u, 1u, 2u, 7u, 1000u}) {
    std::vector<Fp> v = rng.fps(n);
    if (n > 3) {
      v[0] = Fp::zero();
      v[n / 2] = Fp::zero();
    }
    const std::vector<Fp> inv = batch_inverse_copy(v);
    ASSERT_EQ(inv.size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(inv[i], v[i].inverse()) << i;
  }
}

TEST(Goldilocks, SerializationIsCanonicalLittleEndian) {
  const Fp x = Fp::from_u64(0x0102'0304'0506'0708ULL);
  const std::array<std::uint8_t, 8> expect = {8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_EQ(x.to_bytes(), expect);
  EXPECT_EQ(Fp::from_bytes(expect), x);
  TestRng rng(5);
  for (int i = 0; i < 1000; ++i) {
    const Fp a = rng.fp();
    ASSERT_EQ(Fp::from_bytes(a.to_bytes()), a);
  }
}

TEST(Goldilocks, RejectsNonCanonicalEncodings) {
  auto enc = [](std::uint64_t v) {
    std::array<std::uint8_t, 8> b{};
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    return b;
  };
  EXPECT_TRUE(Fp::from_bytes(enc(P - 1)).has_value());
  for (const std::uint64_t v : {P, P + 1, P + 0xFFFF'FFFEUL, ~std::uint64_t{0}}) {
    EXPECT_FALSE(Fp::from_bytes(enc(v)).has_value()) << v;
  }
  const std::array<std::uint8_t, 9> long_input{};
  const std::array<std::uint8_t, 7> short_input{};
  EXPECT_FALSE(Fp::from_bytes(long_input).has_value());
  EXPECT_FALSE(Fp::from_bytes(short_input).has_value());
}

TEST(Goldilocks, SevenGeneratesTheMultiplicativeGroup) {
  // p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537 (all prime): 7 has order p - 1
  // iff 7^((p-1)/q) != 1 for each prime q.
  const std::uint64_t primes[] = {2, 3, 5, 17, 257, 65537};
  std::uint64_t odd = 1;
  for (const auto q : primes) {
    if (q != 2) odd *= q;
  }
  EXPECT_EQ(u128{odd} << 32, u128{P - 1});
  const Fp g = Fp::from_u64(Fp::kMultiplicativeGenerator);
  EXPECT_EQ(g.pow(P - 1), Fp::one());
  for (const auto q : primes) EXPECT_NE(g.pow((P - 1) / q), Fp::one()) << q;
}

TEST(Goldilocks, RootsOfUnityHaveExactOrder) {
  EXPECT_EQ(Fp::from_u64(Fp::kTwoAdicRoot), Fp::from_u64(7).pow((P - 1) >> 32));
  EXPECT_EQ(Fp::root_of_unity(32), Fp::from_u64(Fp::kTwoAdicRoot));
  EXPECT_EQ(Fp::root_of_unity(0), Fp::one());
  EXPECT_EQ(Fp::root_of_unity(1), -Fp::one());
  for (unsigned k = 1; k <= 32; ++k) {
    const Fp w = Fp::root_of_unity(k);
    // w^(2^(k-1)) = -1 != 1 and w^(2^k) = 1: order exactly 2^k.
    Fp x = w;
    for (unsigned i = 1; i < k; ++i) x = x.square();
    EXPECT_EQ(x, -Fp::one()) << k;
    EXPECT_EQ(x.square(), Fp::one()) << k;
  }
  EXPECT_THROW((void)Fp::root_of_unity(33), std::invalid_argument);
}

// ---- cubic extension ----

using Poly3 = std::array<std::uint64_t, 3>;

// Schoolbook product of two degree-2 polynomials, then X^3 = 2, X^4 = 2X.
Poly3 ref_mul3(const Poly3& a, const Poly3& b) {
  std::array<std::uint64_t, 5> c{};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) c[i + j] = ref_add(c[i + j], ref_mul(a[i], b[j]));
  }
  return {ref_add(c[0], ref_mul(2, c[3])), ref_add(c[1], ref_mul(2, c[4])), c[2]};
}

Poly3 coeffs(const Fp3& x) { return {x.coeff(0).value(), x.coeff(1).value(), x.coeff(2).value()}; }

TEST(Fp3, NonResidueMakesTheBinomialIrreducible) {
  // A cubic is reducible iff it has a root; X^3 - 2 has one iff 2 is a cube.
  // p = 1 (mod 3), so 2 is a cube iff 2^((p-1)/3) = 1.
  EXPECT_EQ((P - 1) % 3, 0u);
  EXPECT_EQ(Fp3::kNonResidue, 2u);
  EXPECT_NE(Fp::from_u64(2).pow((P - 1) / 3), Fp::one());
  // And X itself: X^3 = 2.
  const Fp3 x(Fp::zero(), Fp::one(), Fp::zero());
  EXPECT_EQ(x * x * x, Fp3::from_u64(2));
}

TEST(Fp3, ArithmeticMatchesReference) {
  TestRng rng(6);
  for (int i = 0; i < 50000; ++i) {
    const Fp3 a = rng.fp3(), b = rng.fp3();
    ASSERT_EQ(coeffs(a * b), ref_mul3(coeffs(a), coeffs(b)));
    const Poly3 s = {ref_add(coeffs(a)[0], coeffs(b)[0]), ref_add(coeffs(a)[1], coeffs(b)[1]),
                     ref_add(coeffs(a)[2], coeffs(b)[2])};
    ASSERT_EQ(coeffs(a + b), s);
    ASSERT_EQ(a - b + b, a);
    ASSERT_EQ(a.square(), a * a);
  }
  // All coefficients p - 1: every 128-bit partial sum overflows.
  const Fp m = -Fp::one();
  const Fp3 big(m, m, m);
  EXPECT_EQ(coeffs(big * big), ref_mul3(coeffs(big), coeffs(big)));
}

TEST(Fp3, EmbeddingIsAHomomorphism) {
  TestRng rng(7);
  for (int i = 0; i < 1000; ++i) {
    const Fp a = rng.fp(), b = rng.fp();
    const Fp3 x = rng.fp3();
    ASSERT_EQ(Fp3(a) * Fp3(b), Fp3(a * b));
    ASSERT_EQ(Fp3(a) + Fp3(b), Fp3(a + b));
    ASSERT_EQ(x * a, x * Fp3(a));
    ASSERT_TRUE(Fp3(a).is_base());
  }
}

TEST(Fp3, InverseAndFermat) {
  TestRng rng(8);
  // |F^*| = p^3 - 1; a^(p^3 - 1) = 1 via three p-th powers (Frobenius): a^(p^3) = a.
  for (int i = 0; i < 300; ++i) {
    const Fp3 a = rng.fp3();
    if (a.is_zero()) continue;
    ASSERT_EQ(a * a.inverse(), Fp3::one());
    ASSERT_EQ(a.pow(P).pow(P).pow(P), a);
    if (!a.is_base()) {
      ASSERT_NE(a.pow(P), a) << "Frobenius is the identity only on the base field";
    }
  }
  EXPECT_EQ(Fp3::zero().inverse(), Fp3::zero());
  std::vector<Fp3> v = rng.fp3s(50);
  v[3] = Fp3::zero();
  std::vector<Fp3> inv = v;
  batch_inverse(inv);
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(inv[i], v[i].inverse());
}

TEST(Fp3, SerializationAndNonCanonicalRejection) {
  TestRng rng(9);
  const Fp3 a = rng.fp3();
  const auto bytes = a.to_bytes();
  ASSERT_EQ(bytes.size(), 24u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Fp::from_bytes(std::span(bytes).subspan(8 * i, 8)), a.coeff(i));
  }
  EXPECT_EQ(Fp3::from_bytes(bytes), a);
  // Each coefficient position in turn set to p, then to 2^64 - 1.
  for (std::size_t pos = 0; pos < 3; ++pos) {
    for (const std::uint64_t bad : {P, ~std::uint64_t{0}}) {
      auto b = bytes;
      for (std::size_t k = 0; k < 8; ++k) b[8 * pos + k] = static_cast<std::uint8_t>(bad >> (8 * k));
      EXPECT_FALSE(Fp3::from_bytes(b).has_value()) << pos;
    }
  }
  EXPECT_FALSE(Fp3::from_bytes(std::span(bytes).first(23)).has_value());
}

}  // namespace
}  // namespace fti::crypto

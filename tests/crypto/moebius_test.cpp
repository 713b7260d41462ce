// Moebius transform: against the subset-sum definition computed naively here,
// round trips through every code path (in-block bits and the passes over
// memory, 1-3 bits at a time), and monomial evaluation against the MLE.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine/crypto/moebius.h"
#include "engine/crypto/multilinear.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

// a[i] = sum over j subset of i of (-1)^(|i| - |j|) T[j], straight from the definition.
std::vector<Fp> naive_coefficients(const std::vector<Fp>& table) {
  std::vector<Fp> a(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    Fp acc = Fp::zero();
    for (std::size_t j = 0; j < table.size(); ++j) {
      if ((j & ~i) != 0) continue;
      const int sign = std::popcount(i ^ j) % 2;
      acc = sign == 0 ? acc + table[j] : acc - table[j];
    }
    a[i] = acc;
  }
  return a;
}

TEST(Moebius, MatchesDefinition) {
  TestRng rng(501);
  for (unsigned v = 0; v <= 8; ++v) {
    const std::vector<Fp> table = rng.fps(std::size_t{1} << v);
    std::vector<Fp> a = table;
    moebius_transform(std::span<Fp>(a));
    EXPECT_EQ(a, naive_coefficients(table)) << v;
    // P(x) = sum_{i subset of x} a[i] reproduces the table at every boolean point.
    for (std::size_t x = 0; x < table.size(); ++x) {
      Fp acc = Fp::zero();
      for (std::size_t i = 0; i < table.size(); ++i) {
        if ((i & ~x) == 0) acc += a[i];
      }
      EXPECT_EQ(acc, table[x]);
    }
  }
}

TEST(Moebius, RoundTripAllPaths) {
  TestRng rng(502);
  // 14 is the in-block limit; 15..21 exercise the 1-, 2- and 3-bit passes.
  for (const unsigned v : {0u, 1u, 5u, 13u, 14u, 15u, 16u, 17u, 18u, 21u}) {
    const std::vector<Fp> table = rng.fps(std::size_t{1} << v);
    std::vector<Fp> a = table;
    moebius_transform(std::span<Fp>(a));
    if (v >= 14) {
      // The blocked/pass implementation against the plain bit-by-bit one.
      std::vector<Fp> b = table;
      for (unsigned k = 0; k < v; ++k) {
        for (std::size_t x = 0; x < b.size(); ++x) {
          if ((x >> k) & 1) b[x] -= b[x ^ (std::size_t{1} << k)];
        }
      }
      EXPECT_EQ(a, b) << v;
    }
    moebius_inverse(std::span<Fp>(a));
    EXPECT_EQ(a, table) << v;
  }
  for (const unsigned v : {3u, 12u, 16u}) {
    const std::vector<Fp3> table = rng.fp3s(std::size_t{1} << v);
    std::vector<Fp3> a = table;
    moebius_transform(std::span<Fp3>(a));
    moebius_inverse(std::span<Fp3>(a));
    EXPECT_EQ(a, table) << v;
  }
}

TEST(Moebius, MonomialEvaluationIsTheMle) {
  TestRng rng(503);
  for (const unsigned v : {0u, 1u, 4u, 9u, 15u}) {
    const std::vector<Fp> table = rng.fps(std::size_t{1} << v);
    std::vector<Fp> a = table;
    moebius_transform(std::span<Fp>(a));
    const std::vector<Fp3> coeffs(a.begin(), a.end());
    const std::vector<Fp3> point = rng.fp3s(v);
    EXPECT_EQ(monomial_evaluate(coeffs, point), mle_evaluate(table, point)) << v;
  }
  EXPECT_THROW((void)monomial_evaluate(std::vector<Fp3>(3), std::vector<Fp3>(2)), std::invalid_argument);
  std::vector<Fp> bad(6);
  EXPECT_THROW(moebius_transform(std::span<Fp>(bad)), std::invalid_argument);
}

}  // namespace
}  // namespace fti::crypto

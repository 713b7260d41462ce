// Deterministic randomness for the crypto tests: a fixed-seed generator so a
// failure reproduces, and helpers that draw field elements from it.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"

namespace fti::crypto::testing {

class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : gen_(seed) {}
  std::uint64_t u64() { return gen_(); }
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(gen_); }
  // Uniform in F_p, with a bias toward the edges (0, 1, p-1, 2^32...) one time in eight.
  Fp fp() {
    static constexpr std::uint64_t kEdges[] = {0,
                                               1,
                                               2,
                                               Fp::kModulus - 1,
                                               Fp::kModulus - 2,
                                               0xFFFF'FFFFULL,
                                               0x1'0000'0000ULL,
                                               0x1'0000'0001ULL,
                                               0x8000'0000'0000'0000ULL,
                                               0xFFFF'FFFE'FFFF'FFFFULL};
    if (below(8) == 0) return Fp::from_u64(kEdges[below(std::size(kEdges))]);
    for (;;) {
      const std::uint64_t x = u64();
      if (x < Fp::kModulus) return *Fp::from_canonical(x);
    }
  }
  Fp3 fp3() {
    const Fp a = fp(), b = fp(), c = fp();
    return Fp3(a, b, c);
  }
  std::vector<Fp> fps(std::size_t n) {
    std::vector<Fp> v(n);
    for (auto& x : v) x = fp();
    return v;
  }
  std::vector<Fp3> fp3s(std::size_t n) {
    std::vector<Fp3> v(n);
    for (auto& x : v) x = fp3();
    return v;
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace fti::crypto::testing

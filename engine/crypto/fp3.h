// The cubic extension F_p^3 = F_p[X] / (X^3 - 2), |F_p^3| ~ 2^192.
//
// Every verifier challenge is drawn from here: the soundness terms of
// sumcheck (d v / |F|) and of folding (~n / |F| per round at n = 2^30
// coefficients) leave ~94 bits in the quadratic extension, well over 150 bits
// here (docs/PROTOCOL.md, "Fields"). X^3 - 2 is irreducible because 2 is not a
// cube in F_p: p = 1 mod 3 and 2^((p-1)/3) = 2^32 - 1 != 1 (tested).
//
// An element is c0 + c1 X + c2 X^2, stored and serialized in that order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

class Fp3 {
 public:
  // X^3 = kNonResidue.
  static constexpr std::uint64_t kNonResidue = 2;
  static constexpr std::size_t kEncodedSize = 3 * Fp::kEncodedSize;

  constexpr Fp3() noexcept = default;
  constexpr Fp3(Fp c0, Fp c1, Fp c2) noexcept : c_{c0, c1, c2} {}
  // Embedding of the base field (implicit: a base element is an extension element).
  constexpr Fp3(Fp base) noexcept : c_{base, Fp::zero(), Fp::zero()} {}  // NOLINT(google-explicit-constructor)

  static constexpr Fp3 zero() noexcept { return Fp3(); }
  static constexpr Fp3 one() noexcept { return Fp3(Fp::one()); }
  static constexpr Fp3 from_u64(std::uint64_t x) noexcept { return Fp3(Fp::from_u64(x)); }

  constexpr Fp coeff(std::size_t i) const noexcept { return c_[i]; }
  constexpr const std::array<Fp, 3>& coeffs() const noexcept { return c_; }
  constexpr bool is_zero() const noexcept { return c_[0].is_zero() && c_[1].is_zero() && c_[2].is_zero(); }
  // True if the element lies in the embedded base field.
  constexpr bool is_base() const noexcept { return c_[1].is_zero() && c_[2].is_zero(); }

  friend constexpr bool operator==(const Fp3& a, const Fp3& b) noexcept = default;

  friend constexpr Fp3 operator+(const Fp3& a, const Fp3& b) noexcept {
    return Fp3(a.c_[0] + b.c_[0], a.c_[1] + b.c_[1], a.c_[2] + b.c_[2]);
  }
  friend constexpr Fp3 operator-(const Fp3& a, const Fp3& b) noexcept {
    return Fp3(a.c_[0] - b.c_[0], a.c_[1] - b.c_[1], a.c_[2] - b.c_[2]);
  }
  friend constexpr Fp3 operator-(const Fp3& a) noexcept { return Fp3(-a.c_[0], -a.c_[1], -a.c_[2]); }

  // Schoolbook product with X^3 = 2. Each output coefficient is a sum of
  // three 128-bit products (two of them doubled), accumulated exactly in 130
  // bits and reduced once: 9 multiplications, 3 reductions.
  [[gnu::always_inline]] friend constexpr Fp3 operator*(const Fp3& a, const Fp3& b) noexcept {
    const Fp a0 = a.c_[0], a1 = a.c_[1], a2 = a.c_[2];
    const Fp b0 = b.c_[0], b1 = b.c_[1], b2 = b.c_[2];
    // c0 = a0 b0 + 2 (a1 b2 + a2 b1)
    Acc c0;
    c0.mac(a1, b2);
    c0.mac(a2, b1);
    c0.twice();
    c0.mac(a0, b0);
    // c1 = a0 b1 + a1 b0 + 2 a2 b2
    Acc c1;
    c1.mac(a2, b2);
    c1.twice();
    c1.mac(a0, b1);
    c1.mac(a1, b0);
    // c2 = a0 b2 + a1 b1 + a2 b0
    Acc c2;
    c2.mac(a0, b2);
    c2.mac(a1, b1);
    c2.mac(a2, b0);
    return Fp3(c0.reduce(), c1.reduce(), c2.reduce());
  }
  // Extension times base: three base multiplications.
  friend constexpr Fp3 operator*(const Fp3& a, Fp b) noexcept {
    return Fp3(a.c_[0] * b, a.c_[1] * b, a.c_[2] * b);
  }
  friend constexpr Fp3 operator*(Fp b, const Fp3& a) noexcept { return a * b; }

  constexpr Fp3& operator+=(const Fp3& b) noexcept { return *this = *this + b; }
  constexpr Fp3& operator-=(const Fp3& b) noexcept { return *this = *this - b; }
  [[gnu::always_inline]] constexpr Fp3& operator*=(const Fp3& b) noexcept { return *this = *this * b; }
  constexpr Fp3& operator*=(Fp b) noexcept { return *this = *this * b; }

  constexpr Fp3 square() const noexcept { return *this * *this; }
  constexpr Fp3 pow(std::uint64_t e) const noexcept {
    Fp3 base = *this, acc = one();
    while (e != 0) {
      if (e & 1) acc *= base;
      base = base.square();
      e >>= 1;
    }
    return acc;
  }

  // Inverse through the norm: a * adj(a) = N(a) in F_p, with
  // adj = (a0^2 - 2 a1 a2, 2 a2^2 - a0 a1, a1^2 - a0 a2). Inverse of zero is zero.
  Fp3 inverse() const noexcept;

  std::array<std::uint8_t, kEncodedSize> to_bytes() const noexcept;
  void write(std::uint8_t* out) const noexcept;
  // Parses exactly 24 bytes; rejects any coefficient >= p.
  static std::optional<Fp3> from_bytes(std::span<const std::uint8_t> bytes) noexcept;

 private:
  // An exact sum of a few 128-bit products: value = lo + carry * 2^128.
  struct Acc {
    uint128_t lo = 0;
    std::uint64_t carry = 0;
    constexpr void mac(Fp x, Fp y) noexcept {
      const uint128_t p = static_cast<uint128_t>(x.value()) * y.value();
      lo += p;
      carry += lo < p ? 1 : 0;
    }
    constexpr void twice() noexcept {
      carry = 2 * carry + static_cast<std::uint64_t>(lo >> 127);
      lo <<= 1;
    }
    // 2^128 = -2^32 (mod p); carry <= 5 here, so carry * 2^32 < p.
    constexpr Fp reduce() const noexcept { return Fp::from_u128(lo) - Fp::from_u64(carry << 32); }
  };

  std::array<Fp, 3> c_{};
};

static_assert(sizeof(Fp3) == 24 && alignof(Fp3) == 8);

// Montgomery's trick for the extension; zeros stay zero.
void batch_inverse(std::span<Fp3> values);

void write_fp3_span(std::span<const Fp3> values, std::uint8_t* out) noexcept;

}  // namespace fti::crypto

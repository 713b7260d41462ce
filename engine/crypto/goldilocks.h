// The Goldilocks prime field F_p, p = 2^64 - 2^32 + 1.
//
// Elements are always stored canonically (0 <= value < p), so equality is
// bitwise equality and the serialized form is unique. p - 1 = 2^32 * (2^32 - 1)
// gives roots of unity of every power-of-two order up to 2^32 (NTT domains),
// and 2^64 = 2^32 - 1, 2^96 = -1 (mod p) give a reduction of 128-bit products
// with shifts, adds and one 32x32 multiply.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace fti::crypto {

__extension__ using uint128_t = unsigned __int128;  // GCC/Clang extension, silenced for -Wpedantic

class Fp {
 public:
  static constexpr std::uint64_t kModulus = 0xFFFF'FFFF'0000'0001ULL;
  // 2^32 - 1 = 2^64 mod p.
  static constexpr std::uint64_t kEpsilon = 0xFFFF'FFFFULL;
  // Largest k with 2^k | p - 1.
  static constexpr unsigned kTwoAdicity = 32;
  // 7 generates the whole multiplicative group (order p - 1); tested.
  static constexpr std::uint64_t kMultiplicativeGenerator = 7;
  // 7^((p-1)/2^32): a primitive 2^32-th root of unity; tested.
  static constexpr std::uint64_t kTwoAdicRoot = 0x1856'29DC'DA58'878CULL;
  static constexpr std::size_t kEncodedSize = 8;

  constexpr Fp() noexcept = default;

  static constexpr Fp zero() noexcept { return Fp(); }
  static constexpr Fp one() noexcept { return from_raw(1); }
  // Any 64-bit integer, reduced modulo p.
  static constexpr Fp from_u64(std::uint64_t x) noexcept {
    return from_raw(x >= kModulus ? x - kModulus : x);
  }
  // A signed integer, mapped to x mod p (negative values to p - |x|).
  static constexpr Fp from_i64(std::int64_t x) noexcept {
    return x >= 0 ? from_u64(static_cast<std::uint64_t>(x))
                  : -from_u64(0 - static_cast<std::uint64_t>(x));
  }
  // x if it is already canonical (< p), nullopt otherwise.
  static constexpr std::optional<Fp> from_canonical(std::uint64_t x) noexcept {
    if (x >= kModulus) return std::nullopt;
    return from_raw(x);
  }
  // Reduction of a full 128-bit integer.
  static constexpr Fp from_u128(uint128_t x) noexcept { return from_raw(reduce128(x)); }

  constexpr std::uint64_t value() const noexcept { return v_; }
  constexpr bool is_zero() const noexcept { return v_ == 0; }

  friend constexpr bool operator==(Fp a, Fp b) noexcept = default;

  // Arithmetic is branch-free (masks, not ifs): on random data a
  // data-dependent branch mispredicts half the time and costs more than the
  // multiplication itself.
  friend constexpr Fp operator+(Fp a, Fp b) noexcept {
    // a + b - p computed as a - (p - b) (p - b is in (0, p], no overflow);
    // if that borrows, a + b < p and adding p back gives a + b.
    const std::uint64_t nb = kModulus - b.v_;
    const std::uint64_t t = a.v_ - nb;
    const std::uint64_t borrow = a.v_ < nb;
    return from_raw(t + (kModulus & (0 - borrow)));
  }
  friend constexpr Fp operator-(Fp a, Fp b) noexcept {
    const std::uint64_t d = a.v_ - b.v_;
    // On borrow d = a - b + 2^64; a - b + p = d - epsilon.
    const std::uint64_t borrow = a.v_ < b.v_;
    return from_raw(d - (kEpsilon & (0 - borrow)));
  }
  friend constexpr Fp operator-(Fp a) noexcept { return from_raw(a.v_ == 0 ? 0 : kModulus - a.v_); }
  friend constexpr Fp operator*(Fp a, Fp b) noexcept {
    return from_raw(reduce128(static_cast<uint128_t>(a.v_) * b.v_));
  }
  constexpr Fp& operator+=(Fp b) noexcept { return *this = *this + b; }
  constexpr Fp& operator-=(Fp b) noexcept { return *this = *this - b; }
  constexpr Fp& operator*=(Fp b) noexcept { return *this = *this * b; }

  constexpr Fp square() const noexcept { return *this * *this; }
  constexpr Fp doubled() const noexcept { return *this + *this; }

  constexpr Fp pow(std::uint64_t e) const noexcept {
    Fp base = *this, acc = one();
    while (e != 0) {
      if (e & 1) acc *= base;
      base = base.square();
      e >>= 1;
    }
    return acc;
  }

  // Multiplicative inverse by Fermat (x^(p-2)); inverse of zero is zero, so
  // callers that must not divide by zero check is_zero() first.
  constexpr Fp inverse() const noexcept { return pow(kModulus - 2); }

  // Primitive root of unity of order exactly 2^log_order (log_order <= 32).
  static Fp root_of_unity(unsigned log_order);

  // Canonical 8-byte little-endian encoding.
  std::array<std::uint8_t, kEncodedSize> to_bytes() const noexcept;
  void write(std::uint8_t* out) const noexcept;
  // Parses exactly 8 bytes; rejects encodings of integers >= p.
  static std::optional<Fp> from_bytes(std::span<const std::uint8_t> bytes) noexcept;

  // Reduces x < 2^128 to [0, p) using 2^64 = 2^32 - 1 and 2^96 = -1 (mod p):
  // x = lo + 2^64 (hi_lo + 2^32 hi_hi) = lo - hi_hi + hi_lo (2^32 - 1).
  static constexpr std::uint64_t reduce128(uint128_t x) noexcept {
    const auto lo = static_cast<std::uint64_t>(x);
    const auto hi = static_cast<std::uint64_t>(x >> 64);
    const std::uint64_t hi_hi = hi >> 32;
    const std::uint64_t hi_lo = hi & kEpsilon;
    // Borrow: t0 = lo - hi_hi + 2^64 >= 2^64 - 2^32 + 1, so subtracting
    // epsilon (= 2^64 mod p) cannot wrap.
    const std::uint64_t borrow = lo < hi_hi;
    const std::uint64_t t0 = (lo - hi_hi) - (kEpsilon & (0 - borrow));
    const std::uint64_t t1 = (hi_lo << 32) - hi_lo;  // hi_lo * epsilon < 2^64, exact
    const std::uint64_t t2 = t0 + t1;
    // Carry: the true value is t2 + 2^64 = t2 + epsilon; t1 <= (2^32-1)^2
    // keeps this from carrying again.
    const std::uint64_t carry = t2 < t1;
    const std::uint64_t t3 = t2 + (kEpsilon & (0 - carry));
    return t3 >= kModulus ? t3 - kModulus : t3;
  }

 private:
  static constexpr Fp from_raw(std::uint64_t v) noexcept {
    Fp f;
    f.v_ = v;
    return f;
  }
  std::uint64_t v_ = 0;
};

static_assert(sizeof(Fp) == 8 && alignof(Fp) == 8);

// Replaces every element by its inverse with one field inversion and
// 3(n-1) multiplications (Montgomery's trick). Zeros stay zero.
void batch_inverse(std::span<Fp> values);
std::vector<Fp> batch_inverse_copy(std::span<const Fp> values);

// Serializes a vector as its concatenated 8-byte encodings (no length prefix).
void write_fp_span(std::span<const Fp> values, std::uint8_t* out) noexcept;

}  // namespace fti::crypto

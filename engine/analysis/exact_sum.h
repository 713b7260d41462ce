// An exact accumulator for sums of products of doubles (a Kulisch-style
// superaccumulator).
//
// The gate decides "||Delta||_F <= bound" on the real numbers. A sum of 10^9
// squares in floating point loses low-order terms and can round either way;
// here every product m1*m2*2^(e1+e2) is added into a fixed-point integer wide
// enough for any finite double product, so the sum is exact and comparisons
// against policy bounds are decided without rounding.
//
// Layout: 32-bit digits held in signed 64-bit slots (carry-save), so an add
// touches at most five slots and never propagates a carry; slots are
// normalised every 2^29 adds, long before any can overflow.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "engine/common/int128.h"

namespace fti::analysis {

class ExactSum {
 public:
  // Adds a * b exactly (a, b finite).
  void add_product(double a, double b) noexcept;
  // Adds -a * b exactly.
  void subtract_product(double a, double b) noexcept;
  // Adds mantissa * 2^exponent exactly, for mantissa < 2^106 (the bucketed
  // accumulators flush through this).
  void add_scaled(uint128 magnitude, int exponent, bool negative) noexcept;
  // Adds another sum (parallel reductions).
  void add(const ExactSum& other) noexcept;
  // Adds the other sum scaled by -1.
  void subtract(const ExactSum& other) noexcept;

  // -1, 0 or +1.
  int sign() const noexcept;
  bool is_zero() const noexcept { return sign() == 0; }
  // The value rounded to a double (within one unit in the last place).
  double to_double() const noexcept;

  // Exact three-way comparison of *this with other: -1, 0, +1.
  int compare(const ExactSum& other) const noexcept;
  // Exact comparison of *this with (product of factors) * other, the factors
  // finite doubles (relative bounds: S_delta vs rho * rho * S_base, where
  // rho^2 itself need not be a double).
  int compare_scaled(const ExactSum& other, std::initializer_list<double> factors) const;

  // Canonical hexadecimal rendering of the exact value (tests, reports):
  // "0", or "[-]0x<hex>p<exp>".
  std::string to_exact_string() const;

 private:
  // Product exponents span [2*-1074, 2*971 + 106]; 64 bits of headroom for
  // the number of terms; rounded up to whole digits.
  static constexpr int kBias = 2 * 1074;
  static constexpr int kDigits = 136;  // 136 * 32 = 4352 bits >= 2148 + 2048 + 64
  static constexpr std::uint32_t kNormalizeEvery = 1u << 29;

  void normalize() const noexcept;  // carries into canonical digits in [0, 2^32), sign in the top slot

  mutable std::array<std::int64_t, kDigits> slots_{};
  mutable std::uint32_t adds_since_normalize_ = 0;
};

}  // namespace fti::analysis

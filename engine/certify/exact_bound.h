// Exact conversion of a policy's decimal bounds into the integer bounds of a
// norm statement (docs/PROTOCOL.md, section 10.4.3). A policy number is a
// double whose canonical spelling is the shortest decimal that reads back as
// it (policy/policy_number.h); the certificate speaks of that decimal, read
// exactly as m * 10^e, never of a floating-point product. Every conversion
// rounds DOWN, so a certified bound is never looser than the policy's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "engine/common/int128.h"

namespace fti::certify {

// A non-negative decimal m * 10^e (m < 10^19).
struct Decimal {
  std::uint64_t mantissa = 0;
  std::int32_t exponent = 0;
};

// Parses "0.004", "5e-05", "1e+300", "12" (the spellings std::to_chars
// produces). nullopt for anything else (a sign, nan, inf, more than 19 digits).
std::optional<Decimal> parse_exact_decimal(std::string_view text);
// The decimal of a policy number: parse_exact_decimal(format_decimal(value)).
// Throws Error(kPolicy) for a negative or non-finite value.
Decimal policy_decimal(double value);

// Cap on an absolute bound: any S a norm proof can show is < 2^78, so a
// bound above 2^120 says nothing more and is stored as 2^120.
inline constexpr uint128 kMaxAbsoluteBound = uint128{1} << 120;

// floor((beta * 2^scale)^2), capped at kMaxAbsoluteBound (scale in
// [-1100, 1100]). Exact: big-integer arithmetic, no floating point.
uint128 absolute_bound_squares(const Decimal& beta, std::int32_t scale);

// floor(beta * 2^scale), capped at kMaxAbsoluteUnits (any |d| a proof can
// show is < 2^24). Exact.
inline constexpr std::uint64_t kMaxAbsoluteUnits = std::uint64_t{1} << 60;
std::uint64_t absolute_bound_units(const Decimal& beta, std::int32_t scale);

// floor(fraction * total), capped at total: the most changed entries a
// sparsity fraction allows. Exact.
std::uint64_t fraction_count(const Decimal& fraction, std::uint64_t total);

// num / den <= rho^2 with num, den < 2^64, den >= 1: exactly rho^2 when
// m^2 and 10^(-2e) fit in 64 bits, otherwise floor(rho^2 2^k) / 2^k for the
// largest k <= 62 whose numerator fits (rounded down).
struct Ratio {
  std::uint64_t num = 0;
  std::uint64_t den = 1;
};
Ratio relative_bound_squares(const Decimal& rho);

// floor(sqrt(x)) and ceil(sqrt(x)), exactly.
std::uint64_t floor_sqrt(uint128 x);
std::uint64_t ceil_sqrt(uint128 x);

// The rounding margin (10.4.3): with k values rounded on either side, each
// by at most 1/2, the real ||Delta|| 2^s <= sqrt(S) + sqrt(k) and, with kb
// rounded base values, ||B|| 2^s >= sqrt(Q) - sqrt(kb). These give the
// squares a bound check may use in place of S and Q so that it holds for the
// real values: (ceil_sqrt(S) + ceil_sqrt(k))^2 and
// max(0, floor_sqrt(Q) - ceil_sqrt(kb))^2; S and Q unchanged when k, kb = 0.
uint128 delta_squares_upper(uint128 delta_squares, std::uint64_t rounded);
// The same for a rank residual E = 2^t (C - B) - U V^T (10.4.3): each rounded
// value moves E by at most 2^t / 2, so (ceil_sqrt(R) + 2^t ceil_sqrt(k))^2.
uint128 residual_squares_upper(uint128 residual_squares, std::uint64_t rounded, unsigned shift);
uint128 base_squares_lower(uint128 base_squares, std::uint64_t rounded_base);

// A proven sum of squares at a tensor's scale: value 2^(-2 scale) in real units.
struct ScaledSquares {
  uint128 value = 0;
  std::int32_t scale = 0;  // in [-1100, 1100] (the commitment's scales)
};
// A norm budget, absolute (10.4.3): sum_t value_t 2^(-2 scale_t) <= beta^2, exactly.
bool scaled_sum_le_square(std::span<const ScaledSquares> terms, const Decimal& beta);
// A norm budget, relative: den sum_a <= num sum_b, both sides at their scales, exactly.
bool scaled_sums_ratio_le(std::span<const ScaledSquares> a, std::span<const ScaledSquares> b, std::uint64_t num,
                          std::uint64_t den);

// Whether a * b <= c * d * 2^shift, exactly (big integers; shift <= 256).
// The relative residual bound of a rank statement: R den <= num 2^(2t) Q.
bool scaled_product_le(uint128 a, std::uint64_t b, uint128 c, std::uint64_t d, unsigned shift);

}  // namespace fti::certify

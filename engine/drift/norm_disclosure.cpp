#include "engine/drift/norm_disclosure.h"

#include <array>

namespace fti::drift {
namespace {

// a * b for a < 2^128, b < 2^64, as three 64-bit limbs, most significant first.
std::array<std::uint64_t, 3> mul_128_64(uint128 a, std::uint64_t b) noexcept {
  const uint128 lo = static_cast<uint128>(static_cast<std::uint64_t>(a)) * b;
  const uint128 hi = static_cast<uint128>(static_cast<std::uint64_t>(a >> 64)) * b + (lo >> 64);
  return {static_cast<std::uint64_t>(hi >> 64), static_cast<std::uint64_t>(hi), static_cast<std::uint64_t>(lo)};
}

}  // namespace

std::uint64_t norm_max_high(unsigned m) noexcept { return (std::uint64_t{1} << m) * ((std::uint64_t{1} << kNormHiBits) - 1); }
std::uint64_t norm_max_low(unsigned m) noexcept { return (std::uint64_t{1} << m) * ((std::uint64_t{1} << kNormLoBits) - 1); }

bool norm_bound_holds(const NormBound& bound, uint128 delta_squares, uint128 base_squares) noexcept {
  switch (bound.kind) {
    case NormBoundKind::kNone: return true;
    case NormBoundKind::kAbsolute: return delta_squares <= bound.max_delta_squares;
    case NormBoundKind::kRelative:
      // S den <= num Q, both sides below 2^192: compared limb by limb.
      return mul_128_64(delta_squares, bound.den) <= mul_128_64(base_squares, bound.num);
  }
  return false;
}

}  // namespace fti::drift

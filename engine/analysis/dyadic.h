// Finite doubles as exact dyadic rationals m * 2^e.
//
// Every value fti reads from a checkpoint converts to a double exactly
// (engine/tensor/dtype.h), and every finite double is m * 2^e with |m| < 2^53:
// statistics built from these integers are exact, not approximations.
#pragma once

#include <bit>
#include <cstdint>

namespace fti::analysis {

struct Dyadic {
  std::int64_t mantissa = 0;  // |mantissa| < 2^53; zero for +-0
  int exponent = 0;           // value = mantissa * 2^exponent
};

// Exponent range of Dyadic::exponent for finite doubles (subnormals included).
inline constexpr int kDyadicMinExponent = -1074;
inline constexpr int kDyadicMaxExponent = 971;

// Decodes a finite double (callers check std::isfinite first).
constexpr Dyadic to_dyadic(double value) noexcept {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  std::int64_t m = static_cast<std::int64_t>(bits & ((std::uint64_t{1} << 52) - 1));
  int e;
  if (biased == 0) {
    e = -1074;  // subnormal (or zero)
  } else {
    m |= std::int64_t{1} << 52;
    e = biased - 1075;
  }
  if ((bits >> 63) != 0) m = -m;
  return {m, e};
}

}  // namespace fti::analysis

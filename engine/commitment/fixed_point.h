// Fixed-point encoding of tensor values into Goldilocks (docs/PROTOCOL.md,
// section 9.2).
//
// Each tensor has one power-of-two scale 2^s (s a signed integer). A value x
// becomes the integer
//
//     v = round_half_even(x * 2^s),   |v| < 2^(B-1) = 2^23            (B = kValueBits = 24)
//
// embedded in the field as v mod p. The scale rule (scale_rule) depends only
// on the dtype and E = floor(log2 max|x|) of the tensor:
//
//     floating dtypes:  s = (B - 2 - h) - E = 21 - E     (h = kHeadroomBits = 1)
//     integer dtypes:   s = min(0, 21 - E)               (integers stay integers)
//     all-zero tensor:  s = 0
//
// so every value encodes with |v| <= 2^(B-1-h) = 2^22 and a value up to 2^h
// times larger still fits in B bits at the same scale (a fine-tuned candidate
// can be encoded at its base's scale: CommitOptions::given_scales and scales_of()
// in model_commitment.h).
//
// Exactness: x is exact iff x * 2^s is an integer. A float with p significant
// bits (bf16: 8, f16: 11, f32: 24, e4m3: 4, e5m2: 3) and exponent e is exact
// iff e - (p - 1) + s >= 0, i.e. under the rule iff e >= E - (B - 1 - h - p)
// = E - (22 - p): every bf16 value within 2^14 of the tensor's largest binade,
// every f16 value within 2^11. Integers are exact when max|x| < 2^22.
// The worst-case absolute error of any value is 2^-(s+1) <= 2^-(B-1-h) max|x| =
// 2^-22 max|x|. -0.0 encodes as 0. NaN and infinities are refused (Error
// kInput naming the tensor and the element).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/commitment/tensor_layout.h"
#include "engine/common/int128.h"
#include "engine/crypto/goldilocks.h"
#include "engine/tensor/dtype.h"

namespace fti::commitment {

inline constexpr unsigned kValueBits = 24;    // B: encoded values are signed B-bit integers
inline constexpr unsigned kHeadroomBits = 1;  // h: the rule leaves this many bits unused at the top
// Every encoded value satisfies |v| < kValueBound = 2^(B-1).
inline constexpr std::int64_t kValueBound = std::int64_t{1} << (kValueBits - 1);
// The rule's own values satisfy |v| <= kRuleBound = 2^(B-1-h).
inline constexpr std::int64_t kRuleBound = std::int64_t{1} << (kValueBits - 1 - kHeadroomBits);
// The rule's constant: s = kRuleExponent - E.
inline constexpr int kRuleExponent = static_cast<int>(kValueBits) - 2 - static_cast<int>(kHeadroomBits);
// Every scale the rule can produce (f64 subnormals to f64 max) lies in this
// range; a commitment file with a scale outside it is rejected.
inline constexpr int kMinScale = -1100;
inline constexpr int kMaxScale = 1100;

// One pass over a tensor's values: is any non-zero, and E = floor(log2 max|x|).
struct ValueScan {
  bool any_nonzero = false;
  int max_exponent = 0;  // meaningful when any_nonzero
  friend bool operator==(const ValueScan&, const ValueScan&) = default;
};

// Scans `bytes` (little-endian elements of `dtype`). Throws Error(kInput)
// naming the tensor and the first element that is NaN or infinite.
ValueScan scan_values(DType dtype, std::span<const std::uint8_t> bytes, std::string_view tensor_name);

// The scale rule above.
int scale_rule(DType dtype, const ValueScan& scan) noexcept;

// Encoding of one finite double: round_half_even(x * 2^scale). Returns false
// if the result is outside (-2^(B-1), 2^(B-1)); `exact` tells whether
// v * 2^-scale == x.
bool encode_float(double x, int scale, std::int64_t& v, bool& exact) noexcept;
// The same for an integer value (any 64-bit signed or unsigned value fits in
// the 128-bit argument).
bool encode_integer(int128 x, int scale, std::int64_t& v, bool& exact) noexcept;

struct EncodeStats {
  std::uint64_t max_abs = 0;  // max |v|
  std::uint64_t inexact = 0;  // elements with v * 2^-s != x
  friend bool operator==(const EncodeStats&, const EncodeStats&) = default;
};

// Encodes every element at `scale` into `table` (size layout.table_size()),
// at the positions of `layout` (tensor_layout.h), and writes explicit zeros
// everywhere else. Throws Error(kInput) naming the tensor and the element if
// a value is not finite or does not fit in B bits at this scale.
EncodeStats encode_tensor(DType dtype, std::span<const std::uint8_t> bytes, int scale, const MatrixLayout& layout,
                          std::span<crypto::Fp> table, std::string_view tensor_name);

// The field element of an encoded integer (v mod p).
inline crypto::Fp to_field(std::int64_t v) noexcept { return crypto::Fp::from_i64(v); }

}  // namespace fti::commitment

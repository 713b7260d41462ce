// What a Frobenius-norm drift proof states (docs/PROTOCOL.md, section 10.3).
//
// For each listed tensor t (by its index in the base commitment; the
// candidate's tensor of the same name is paired with it) the proof shows the
// integer S_t = sum_x (C_t(x) - B_t(x))^2 over the encoded entries at the
// shared scale and, if asked, Q_t = sum_x B_t(x)^2. Both are disclosed; the
// weights are not. A bound, if given, is checked exactly over the integers:
//   absolute  S_t <= max_delta_squares      (the caller converts a policy
//             bound beta to floor((beta 2^s)^2) at the tensor's scale s)
//   relative  S_t * den <= num * Q_t        (num / den = the bound on
//             ||Delta||^2 / ||B||^2, i.e. the squared relative bound)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/common/int128.h"
#include "engine/crypto/range_statement.h"

namespace fti::drift {

// Block of 2^kNormBlockVars entries: a block sum of squares of |d| < 2^24
// stays below 2^15 * 2^48 = 2^63 < p (section 10.3.1).
inline constexpr unsigned kNormBlockVars = 15;
// Block sums are split s = 2^kNormLimbShift hi + lo, lo < 2^kNormLoBits,
// hi < 2^kNormHiBits: s < 2^63 needs hi < 2^31.
inline constexpr unsigned kNormLimbShift = 32;
inline constexpr unsigned kNormLoBits = 32;
inline constexpr unsigned kNormHiBits = 31;
// Two range vectors (hi, lo) per item and at most kMaxRangeVectors vectors.
inline constexpr std::size_t kMaxNormItems = crypto::kMaxRangeVectors / 2;
inline constexpr std::size_t kMaxNormTensors = kMaxNormItems;

enum class NormBoundKind : std::uint8_t { kNone = 0, kAbsolute = 1, kRelative = 2 };

struct NormBound {
  NormBoundKind kind = NormBoundKind::kNone;
  uint128 max_delta_squares = 0;  // kAbsolute: S <= this
  std::uint64_t num = 0;          // kRelative: S * den <= num * Q
  std::uint64_t den = 1;
  friend bool operator==(const NormBound&, const NormBound&) = default;
};

struct NormTensor {
  std::uint32_t tensor = 0;    // index into the base commitment's tensors (name order)
  bool base_squares = false;   // also prove and disclose Q = sum B^2 (required by a relative bound)
  NormBound bound;
  friend bool operator==(const NormTensor&, const NormTensor&) = default;
};

struct NormStatement {
  std::vector<NormTensor> tensors;
  // L of the range argument on the block-sum limbs (table [0, 2^L)); 16 by
  // default, smaller in tests to keep proofs tiny.
  unsigned range_limb_bits = crypto::kDefaultRangeLimbBits;
  friend bool operator==(const NormStatement&, const NormStatement&) = default;
};

// One proven quantity: S of a tensor, or Q.
enum class NormClaim : std::uint8_t { kDeltaSquares = 0, kBaseSquares = 1 };

}  // namespace fti::drift

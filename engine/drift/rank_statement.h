// What a low-rank drift proof states (docs/PROTOCOL.md, section 10.5).
//
// A proof covers a list of claims (RankStatement each), tensors strictly
// ascending, all with the same range limb size L; it is batched by class of
// equal matrix view, rank variables and heads (rank_layout.h). For each claim,
// one tensor (by its index in the base commitment; the candidate's tensor
// of the same name is paired with it), matrix view rows x cols padded to
// 2^log_rows x 2^log_cols (section 9.3), the prover shows: there are integer
// factors U (2^log_rows x r) and V (2^log_cols x r), every entry in
// [-2^(bu-1), 2^(bu-1)) (range-proven), such that the residual
//   E = 2^t (C - B) - U V^T            (an integer identity: t public)
// has the disclosed sum of squares R = sum_x E(x)^2 over the padded table.
// A bound, if given, is checked exactly over the integers: R <= max_residual_squares
// (the caller converts a policy bound beta on ||E||_F / 2^t in tensor units to
// floor((beta 2^(s+t))^2) at the tensor's scale s). With a per-head view,
// U V^T is block-wise: U V_h^T on head h's rows (kRows), U_h V^T on head h's
// columns (kCols), each of rank <= r; E and R are of the whole table.
#pragma once

#include <cstdint>

#include "engine/common/int128.h"
#include "engine/crypto/range_statement.h"

namespace fti::drift {

// Claims per proof: each puts four vectors into the one range argument
// (1024 of its 4096; more claims are proven in chunks, one proof each).
inline constexpr std::size_t kMaxRankClaims = 256;
static_assert(4 * kMaxRankClaims <= crypto::kMaxRangeVectors);
// r <= kMaxRank; the factor tables have 2^ceil(log2 r) columns (the padding
// columns are cancelled by the indicator of k < r in the factor sumcheck).
inline constexpr std::uint32_t kMaxRank = std::uint32_t{1} << 12;
// bu (signed range bits of every U, V entry) and the shift t.
inline constexpr unsigned kMinRankFactorBits = 2;
inline constexpr unsigned kMaxRankFactorBits = 24;
inline constexpr unsigned kMaxRankShift = 24;
inline constexpr unsigned kDefaultRankFactorBits = 12;
// A block of 2^k entries is used only if 2^k E_max^2 < 2^kRankBlockSumBits.
inline constexpr unsigned kRankBlockSumBits = 63;
// Largest block: as for the norm (2^15 entries).
inline constexpr unsigned kMaxRankBlockSizeVars = 15;

enum class RankBoundKind : std::uint8_t { kNone = 0, kAbsolute = 1 };

// Per-head views (10.5.2): the committed table cut into heads of 2^ld rows
// (kRows) or columns (kCols), the head index the high bits of the row or
// column index; each head has its own factors of rank r (U shared across
// the heads' columns for kRows: U V_h^T per head of rows; for kCols U_h V^T).
enum class RankHeadAxis : std::uint8_t { kNone = 0, kRows = 1, kCols = 2 };

struct RankStatement {
  std::uint32_t tensor = 0;   // index into the base commitment's tensors (name order)
  std::uint32_t rank = 1;     // r, 1 <= r <= kMaxRank
  unsigned factor_bits = kDefaultRankFactorBits;  // bu: U, V entries in [-2^(bu-1), 2^(bu-1))
  unsigned shift = 0;         // t: E = 2^t (C - B) - U V^T
  RankBoundKind bound = RankBoundKind::kNone;
  uint128 max_residual_squares = 0;  // kAbsolute: R <= this
  RankHeadAxis head_axis = RankHeadAxis::kNone;
  unsigned head_block_vars = 0;      // ld: a head is 2^ld rows (kRows) or columns (kCols)
  // L of the range argument (block limbs and factors); smaller in tests.
  unsigned range_limb_bits = crypto::kDefaultRangeLimbBits;
  friend bool operator==(const RankStatement&, const RankStatement&) = default;
};

}  // namespace fti::drift

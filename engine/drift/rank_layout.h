// Every shape of a low-rank proof, derived by prover and verifier alike from
// the two commitments and the statement (docs/PROTOCOL.md, section 10.5.2).
//
// Variables. The tensor's table has n = lc + lr variables, the LOW lc the
// column bits, the HIGH lr the row bits (section 9.3). The factor tables put
// the rank index k in the LOW kr = ceil(log2 r) variables:
//   U[k + 2^kr row]  (kr + lr variables),   V[k + 2^kr col]  (kr + lc variables),
// so U is opened at (kappa, rho_row) and V at (kappa, rho_col).
// Blocks. E_max = 2^t (max_abs(B) + max_abs(C)) + r 2^(2 bu - 2) bounds |E|;
// a block has 2^k entries, k the largest (<= 15) with 2^k E_max^2 < 2^63;
// m = max(n - k, 0) block-index variables, the low ones, as for the norm.
#pragma once

#include <cstdint>

#include "engine/commitment/model_commitment.h"
#include "engine/common/int128.h"
#include "engine/crypto/range_statement.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/rank_statement.h"

namespace fti::drift {

struct RankLayout {
  std::uint32_t base_index = 0, candidate_index = 0;
  std::uint32_t base_group = 0, base_poly = 0;
  std::uint32_t candidate_group = 0, candidate_poly = 0;
  unsigned num_vars = 0;    // n = lc + lr
  unsigned log_cols = 0;    // lc: low variables
  unsigned log_rows = 0;    // lr: high variables
  unsigned rank_vars = 0;   // kr = ceil(log2 r)
  unsigned block_size_vars = 0;  // k: 2^k entries per block
  unsigned block_vars = 0;       // m = max(n - k, 0)
  uint128 delta_max = 0;    // max_abs(B) + max_abs(C)
  uint128 residual_max = 0; // E_max

  unsigned u_vars() const noexcept { return rank_vars + log_rows; }
  unsigned v_vars() const noexcept { return rank_vars + log_cols; }

  // kOk and `out`, or kBadStatement (unknown tensor, r outside [1, kMaxRank],
  // bu or t outside their ranges, an unknown bound kind, a limb size or a
  // range statement the range argument refuses, factor tables above 2^30
  // entries, or E_max^2 >= 2^63: no block size keeps the sums below p), or
  // kIncompatibleCommitments (different Basefold parameters, a candidate
  // without the tensor, another shape, layout or scale, a group record that
  // does not hold the tensor, a max_abs at or above 2^23).
  static DriftStatus make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          const RankStatement& statement, RankLayout& out);
};

// The range statement: hi (m variables, 31 bits), lo (m, 32 bits), unsigned;
// U (kr + lr variables), V (kr + lc), signed bu bits; limb size L.
crypto::RangeStatement rank_range_statement(const RankLayout& layout, const RankStatement& statement);

}  // namespace fti::drift

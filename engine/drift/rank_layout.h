// Every shape of a low-rank proof, derived by prover and verifier alike from
// the two commitments and the statement (docs/PROTOCOL.md, section 10.5.2).
//
// Variables. The tensor's table has n = lc + lr variables, the LOW lc the
// column bits, the HIGH lr the row bits (section 9.3). The factor tables put
// the rank index k in the LOW kr = ceil(log2 r) variables:
//   U[k + 2^kr row]  (kr + lr variables),   V[k + 2^kr col]  (kr + lc variables),
// so U is opened at (kappa, rho_row) and V at (kappa, rho_col) (with heads:
// rank_protocol.h, rank_u_point / rank_v_point).
// Blocks. E_max = 2^t (max_abs(B) + max_abs(C)) + r 2^(2 bu - 2) bounds |E|;
// a block has 2^k entries, k the largest (<= 15) with 2^k E_max^2 < 2^63;
// m = max(n - k, 0) block-index variables, the low ones, as for the norm.
// Heads (kRows): U[k + 2^kr row], V[k + 2^kr (h + 2^lh col)], h = row >> ld;
// (kCols): U[k + 2^kr (h + 2^lh row)], V[k + 2^kr col], h = col >> ld.
// Classes. Claims of equal (lr, lc, kr, head axis, lh) form a class, ordered by that key:
// one block size (the smallest k of its claims: every claim's sums stay
// below 2^63), one U group and one V group of one polynomial per claim, one
// block group (hi, lo per claim), one residual sumcheck, one opening of the
// base and candidate groups holding its tensors, one factor sumcheck.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/common/int128.h"
#include "engine/crypto/range_statement.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/rank_statement.h"

namespace fti::drift {

struct RankLayout {
  std::size_t size_class = 0;  // in a RankBatchLayout: its class,
  std::size_t position = 0;    // and its place there
  std::uint32_t base_index = 0, candidate_index = 0;
  std::uint32_t base_group = 0, base_poly = 0;
  std::uint32_t candidate_group = 0, candidate_poly = 0;
  unsigned num_vars = 0;    // n = lc + lr
  unsigned log_cols = 0;    // lc: low variables
  unsigned log_rows = 0;    // lr: high variables
  unsigned rank_vars = 0;   // kr = ceil(log2 r)
  RankHeadAxis head_axis = RankHeadAxis::kNone;  // kNone when the view has one head
  unsigned head_vars = 0;        // lh = (lr or lc) - ld
  unsigned head_block_vars = 0;  // ld
  unsigned block_size_vars = 0;  // k: 2^k entries per block
  unsigned block_vars = 0;       // m = max(n - k, 0)
  uint128 delta_max = 0;    // max_abs(B) + max_abs(C)
  uint128 residual_max = 0; // E_max

  unsigned u_vars() const noexcept {
    return rank_vars + log_rows + (head_axis == RankHeadAxis::kCols ? head_vars : 0);
  }
  unsigned v_vars() const noexcept {
    return rank_vars + log_cols + (head_axis == RankHeadAxis::kRows ? head_vars : 0);
  }
  // Table positions of factor entry k for matrix entry (row, col) (10.5.2).
  std::size_t u_index(std::size_t k, std::size_t row, std::size_t col) const noexcept {
    const std::size_t h = head_axis == RankHeadAxis::kCols ? col >> head_block_vars : 0;
    return k + (((row << (head_axis == RankHeadAxis::kCols ? head_vars : 0)) + h) << rank_vars);
  }
  std::size_t v_index(std::size_t k, std::size_t row, std::size_t col) const noexcept {
    const std::size_t h = head_axis == RankHeadAxis::kRows ? row >> head_block_vars : 0;
    return k + (((col << (head_axis == RankHeadAxis::kRows ? head_vars : 0)) + h) << rank_vars);
  }

  // kOk and `out`, or kBadStatement (unknown tensor, r outside [1, kMaxRank],
  // bu or t outside their ranges, an unknown bound kind, a limb size or a
  // range statement the range argument refuses, factor tables above 2^30
  // entries, or E_max^2 >= 2^63: no block size keeps the sums below p), or
  // kIncompatibleCommitments (different Basefold parameters, a candidate
  // without the tensor, another shape, layout or scale, a group record that
  // does not hold the tensor, a max_abs at or above 2^23). Heads: an unknown
  // axis or a head larger than its side is kBadStatement.
  static DriftStatus make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          const RankStatement& statement, RankLayout& out);
};

// A class holds at most 2^24 table entries (its claims' 2^n summed; one
// claim at least): claims of one key beyond that open further classes of the
// same key, in statement order. It bounds the prover's class sumcheck, which
// holds about 100 bytes per entry (W, hi, lo, B, C and their folds).
inline constexpr unsigned kMaxRankClassEntryVars = 24;

struct RankClassLayout {
  unsigned log_rows = 0, log_cols = 0, rank_vars = 0, num_vars = 0;
  RankHeadAxis head_axis = RankHeadAxis::kNone;
  unsigned head_vars = 0, head_block_vars = 0;
  unsigned block_size_vars = 0, block_vars = 0;  // k = min over its claims, m = max(n - k, 0)
  std::vector<std::size_t> claims;               // statement positions, ascending
  std::vector<std::uint32_t> base_groups, candidate_groups;  // distinct model groups opened, ascending

  unsigned u_vars() const noexcept {
    return rank_vars + log_rows + (head_axis == RankHeadAxis::kCols ? head_vars : 0);
  }
  unsigned v_vars() const noexcept {
    return rank_vars + log_cols + (head_axis == RankHeadAxis::kRows ? head_vars : 0);
  }
  unsigned factor_vars() const noexcept { return rank_vars + head_vars; }  // (k, h)
  std::size_t size() const noexcept { return claims.size(); }
};

// The claims of a proof: tensors strictly ascending, one limb size.
using RankClaims = std::span<const RankStatement>;

struct RankBatchLayout {
  std::vector<RankLayout> claims;        // per claim; k and m are its class's
  std::vector<RankClassLayout> classes;  // by (lr, lc, kr, head axis, lh, chunk) ascending

  // kOk and `out`, or kBadStatement (no claim or more than kMaxRankClaims,
  // tensors not strictly ascending, limb sizes that differ, a range
  // statement the range argument refuses), or the first claim's failure of
  // RankLayout::make.
  static DriftStatus make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          RankClaims claims, RankBatchLayout& out);
};

// The range statement: per claim in statement order hi (m variables, 31
// bits), lo (m, 32 bits), unsigned; U (u_vars variables), V (v_vars),
// signed bu bits; limb size L.
crypto::RangeStatement rank_range_statement(const RankBatchLayout& layout, RankClaims claims);

}  // namespace fti::drift

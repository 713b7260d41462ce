#include "engine/drift/rank_layout.h"

#include <bit>

#include "engine/commitment/fixed_point.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {

DriftStatus RankLayout::make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                             const RankStatement& st, RankLayout& out) {
  out = RankLayout{};
  if (st.rank == 0 || st.rank > kMaxRank) return DriftStatus::kBadStatement;
  if (st.factor_bits < kMinRankFactorBits || st.factor_bits > kMaxRankFactorBits) return DriftStatus::kBadStatement;
  if (st.shift > kMaxRankShift || st.bound > RankBoundKind::kAbsolute) return DriftStatus::kBadStatement;
  if (st.range_limb_bits < crypto::kMinRangeLimbBits || st.range_limb_bits > crypto::kMaxRangeLimbBits) {
    return DriftStatus::kBadStatement;
  }
  if (!(base.params == candidate.params) || base.params.check() != crypto::Status::kOk) {
    return DriftStatus::kIncompatibleCommitments;
  }
  if (st.tensor >= base.tensors.size()) return DriftStatus::kBadStatement;
  const commitment::TensorRecord& b = base.tensors[st.tensor];
  const commitment::TensorRecord* c = paired_candidate(base, candidate, b);
  if (c == nullptr) return DriftStatus::kIncompatibleCommitments;

  out.base_index = st.tensor;
  out.candidate_index = static_cast<std::uint32_t>(c - candidate.tensors.data());
  out.base_group = b.group;
  out.base_poly = b.index;
  out.candidate_group = c->group;
  out.candidate_poly = c->index;
  out.log_cols = b.log_cols;
  out.log_rows = b.log_rows;
  out.num_vars = b.num_vars();
  out.rank_vars = static_cast<unsigned>(std::bit_width(st.rank - 1));  // ceil(log2 r)
  if (out.u_vars() > crypto::kMaxRangeVectorVars || out.v_vars() > crypto::kMaxRangeVectorVars) {
    return DriftStatus::kBadStatement;
  }
  // |E| <= 2^t |C - B| + r 2^(2bu - 2) =: E_max (section 10.5.1); every
  // factor is range-proven to |U|, |V| <= 2^(bu-1).
  out.delta_max = uint128{b.max_abs} + c->max_abs;
  out.residual_max = (out.delta_max << st.shift) + (uint128{st.rank} << (2 * st.factor_bits - 2));
  if (out.residual_max >= (uint128{1} << 32)) return DriftStatus::kBadStatement;
  const uint128 square = out.residual_max * out.residual_max;
  const uint128 limit = uint128{1} << kRankBlockSumBits;
  if (square >= limit) return DriftStatus::kBadStatement;
  unsigned k = 0;
  while (k < kMaxRankBlockSizeVars && (square << (k + 1)) < limit) ++k;
  out.block_size_vars = k;
  out.block_vars = out.num_vars > k ? out.num_vars - k : 0;
  if (rank_range_statement(out, st).check() != crypto::Status::kOk) return DriftStatus::kBadStatement;
  return DriftStatus::kOk;
}

crypto::RangeStatement rank_range_statement(const RankLayout& layout, const RankStatement& statement) {
  crypto::RangeStatement range;
  range.limb_bits = statement.range_limb_bits;
  range.vectors.push_back({layout.block_vars, kNormHiBits, false});
  range.vectors.push_back({layout.block_vars, kNormLoBits, false});
  range.vectors.push_back({layout.u_vars(), statement.factor_bits, true});
  range.vectors.push_back({layout.v_vars(), statement.factor_bits, true});
  return range;
}

}  // namespace fti::drift

#include "engine/drift/rank_layout.h"

#include <algorithm>
#include <array>
#include <bit>
#include <map>

#include "engine/commitment/fixed_point.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {
namespace {

// A claim's four range vectors (10.5.4): hi, lo unsigned; U, V signed bu bits.
void add_range_vectors(crypto::RangeStatement& range, const RankLayout& l, const RankStatement& st) {
  range.vectors.push_back({l.block_vars, kNormHiBits, false});
  range.vectors.push_back({l.block_vars, kNormLoBits, false});
  range.vectors.push_back({l.u_vars(), st.factor_bits, true});
  range.vectors.push_back({l.v_vars(), st.factor_bits, true});
}

}  // namespace
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
  if (st.head_axis > RankHeadAxis::kCols) return DriftStatus::kBadStatement;
  if (st.head_axis != RankHeadAxis::kNone) {
    const unsigned side = st.head_axis == RankHeadAxis::kRows ? out.log_rows : out.log_cols;
    if (st.head_block_vars > side) return DriftStatus::kBadStatement;
    // One head is the whole view: the plain layout.
    if (side > st.head_block_vars) {
      out.head_axis = st.head_axis;
      out.head_vars = side - st.head_block_vars;
      out.head_block_vars = st.head_block_vars;
    }
  } else if (st.head_block_vars != 0) {
    return DriftStatus::kBadStatement;
  }
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
  crypto::RangeStatement range;
  range.limb_bits = st.range_limb_bits;
  add_range_vectors(range, out, st);
  if (range.check() != crypto::Status::kOk) return DriftStatus::kBadStatement;
  return DriftStatus::kOk;
}

DriftStatus RankBatchLayout::make(const commitment::ModelCommitment& base,
                                  const commitment::ModelCommitment& candidate, RankClaims claims,
                                  RankBatchLayout& out) {
  out = RankBatchLayout{};
  if (claims.empty() || claims.size() > kMaxRankClaims) return DriftStatus::kBadStatement;
  using Key = std::array<unsigned, 6>;  // (lr, lc, kr, head axis, lh, chunk)
  std::map<std::array<unsigned, 5>, std::size_t> seen;  // claims so far per key without the chunk
  std::vector<Key> keys;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    if (i > 0 && (claims[i].tensor <= claims[i - 1].tensor ||
                  claims[i].range_limb_bits != claims[0].range_limb_bits)) {
      return DriftStatus::kBadStatement;
    }
    RankLayout l;
    if (const DriftStatus s = RankLayout::make(base, candidate, claims[i], l); s != DriftStatus::kOk) return s;
    out.claims.push_back(l);
    const std::array<unsigned, 5> key = {l.log_rows, l.log_cols, l.rank_vars, static_cast<unsigned>(l.head_axis),
                                         l.head_vars};
    const std::size_t per_class =
        l.num_vars >= kMaxRankClassEntryVars ? 1 : std::size_t{1} << (kMaxRankClassEntryVars - l.num_vars);
    const auto chunk = static_cast<unsigned>(seen[key]++ / per_class);
    keys.push_back({key[0], key[1], key[2], key[3], key[4], chunk});
  }
  std::vector<Key> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  out.classes.resize(sorted.size());
  for (std::size_t c = 0; c < sorted.size(); ++c) {
    RankClassLayout& cl = out.classes[c];
    cl.log_rows = sorted[c][0];
    cl.log_cols = sorted[c][1];
    cl.rank_vars = sorted[c][2];
    cl.head_axis = static_cast<RankHeadAxis>(sorted[c][3]);
    cl.head_vars = sorted[c][4];
    cl.num_vars = cl.log_rows + cl.log_cols;
    cl.block_size_vars = kMaxRankBlockSizeVars;
  }
  for (std::size_t i = 0; i < claims.size(); ++i) {
    RankLayout& l = out.claims[i];
    l.size_class = static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), keys[i]) - sorted.begin());
    RankClassLayout& cl = out.classes[l.size_class];
    l.position = cl.claims.size();
    cl.head_block_vars = l.head_block_vars;  // = side - lh: equal in the class
    cl.claims.push_back(i);
    cl.block_size_vars = std::min(cl.block_size_vars, l.block_size_vars);
    insert_group(cl.base_groups, l.base_group);
    insert_group(cl.candidate_groups, l.candidate_group);
  }
  // A smaller block keeps every claim's 2^k E_max^2 below 2^63.
  for (RankClassLayout& cl : out.classes) {
    cl.block_vars = cl.num_vars > cl.block_size_vars ? cl.num_vars - cl.block_size_vars : 0;
    for (const std::size_t i : cl.claims) {
      out.claims[i].block_size_vars = cl.block_size_vars;
      out.claims[i].block_vars = cl.block_vars;
    }
  }
  if (rank_range_statement(out, claims).check() != crypto::Status::kOk) return DriftStatus::kBadStatement;
  return DriftStatus::kOk;
}

crypto::RangeStatement rank_range_statement(const RankBatchLayout& layout, RankClaims claims) {
  crypto::RangeStatement range;
  range.limb_bits = claims.empty() ? crypto::kDefaultRangeLimbBits : claims[0].range_limb_bits;
  for (std::size_t i = 0; i < layout.claims.size() && i < claims.size(); ++i) {
    add_range_vectors(range, layout.claims[i], claims[i]);
  }
  return range;
}

}  // namespace fti::drift

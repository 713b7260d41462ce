#include "engine/drift/entry_layout.h"

#include <algorithm>
#include <bit>

#include "engine/commitment/fixed_point.h"
#include "engine/drift/drift_shared.h"

namespace fti::drift {

DriftStatus EntryLayout::make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                              const EntryStatement& st, EntryLayout& out) {
  out = EntryLayout{};
  if (!st.max_abs && !st.count) return DriftStatus::kBadStatement;
  if (st.range_limb_bits < crypto::kMinRangeLimbBits || st.range_limb_bits > crypto::kMaxRangeLimbBits) {
    return DriftStatus::kBadStatement;
  }
  if (!(base.params == candidate.params) || base.params.check() != crypto::Status::kOk) {
    return DriftStatus::kIncompatibleCommitments;
  }
  if (st.tensor >= base.tensors.size()) return DriftStatus::kBadStatement;
  const commitment::TensorRecord& b = base.tensors[st.tensor];
  const commitment::TensorRecord* c = candidate.find(b.name);
  if (c == nullptr || c->shape != b.shape || c->log_rows != b.log_rows || c->log_cols != b.log_cols ||
      c->scale != b.scale || !group_holds(base, b) || !group_holds(candidate, *c)) {
    return DriftStatus::kIncompatibleCommitments;
  }
  const auto bound = static_cast<std::uint64_t>(commitment::kValueBound);
  if (b.max_abs >= bound || c->max_abs >= bound) return DriftStatus::kIncompatibleCommitments;
  out.base_index = st.tensor;
  out.candidate_index = static_cast<std::uint32_t>(c - candidate.tensors.data());
  out.base_group = b.group;
  out.base_poly = b.index;
  out.candidate_group = c->group;
  out.candidate_poly = c->index;
  out.num_vars = b.num_vars();
  if (st.max_abs) {
    out.abs_bound = std::min(st.max_abs_bound, kEntryAbsCap);
    out.abs_bits = std::max(1u, static_cast<unsigned>(std::bit_width(2 * out.abs_bound)));
    out.witness_polys = 2;
  }
  if (st.count) out.mask_poly = out.witness_polys++;
  if (st.max_abs && entry_range_statement(out, st).check() != crypto::Status::kOk) return DriftStatus::kBadStatement;
  return DriftStatus::kOk;
}

crypto::RangeStatement entry_range_statement(const EntryLayout& layout, const EntryStatement& statement) {
  crypto::RangeStatement range;
  range.limb_bits = statement.range_limb_bits;
  range.vectors.push_back({layout.num_vars, layout.abs_bits, false});
  range.vectors.push_back({layout.num_vars, layout.abs_bits, false});
  return range;
}

}  // namespace fti::drift

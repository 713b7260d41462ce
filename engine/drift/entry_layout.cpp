#include "engine/drift/entry_layout.h"

#include <algorithm>
#include <bit>

#include "engine/commitment/fixed_point.h"
#include "engine/drift/drift_shared.h"

namespace fti::drift {
DriftStatus EntryLayout::make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                              const EntryStatement& st, EntryLayout& out) {
  out = EntryLayout{};
  if (st.claims.empty() || st.claims.size() > kMaxEntryClaims) return DriftStatus::kBadStatement;
  if (st.range_limb_bits < crypto::kMinRangeLimbBits || st.range_limb_bits > crypto::kMaxRangeLimbBits) {
    return DriftStatus::kBadStatement;
  }
  if (!(base.params == candidate.params) || base.params.check() != crypto::Status::kOk) {
    return DriftStatus::kIncompatibleCommitments;
  }
  for (std::size_t i = 0; i < st.claims.size(); ++i) {
    const EntryClaim& claim = st.claims[i];
    if (!claim.max_abs && !claim.count) return DriftStatus::kBadStatement;
    if (claim.tensor >= base.tensors.size() || (i > 0 && claim.tensor <= st.claims[i - 1].tensor)) {
      return DriftStatus::kBadStatement;
    }
    const commitment::TensorRecord& b = base.tensors[claim.tensor];
    const commitment::TensorRecord* c = paired_candidate(base, candidate, b);
    if (c == nullptr) return DriftStatus::kIncompatibleCommitments;
    EntryClaimLayout l;
    l.base_index = claim.tensor;
    l.candidate_index = static_cast<std::uint32_t>(c - candidate.tensors.data());
    l.base_group = b.group;
    l.base_poly = b.index;
    l.candidate_group = c->group;
    l.candidate_poly = c->index;
    l.num_vars = b.num_vars();
    if (claim.max_abs) {
      l.abs_bound = std::min(claim.max_abs_bound, kEntryAbsCap);
      l.abs_bits = std::max(1u, static_cast<unsigned>(std::bit_width(2 * l.abs_bound)));
      ++out.abs_claims;
    }
    out.claims.push_back(l);
  }
  std::vector<unsigned> sizes;
  for (const EntryClaimLayout& l : out.claims) sizes.push_back(l.num_vars);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  out.classes.resize(sizes.size());
  for (std::size_t k = 0; k < sizes.size(); ++k) out.classes[k].num_vars = sizes[k];
  for (std::size_t i = 0; i < out.claims.size(); ++i) {
    EntryClaimLayout& l = out.claims[i];
    l.size_class = static_cast<std::size_t>(std::lower_bound(sizes.begin(), sizes.end(), l.num_vars) - sizes.begin());
    EntryClassLayout& cl = out.classes[l.size_class];
    cl.claims.push_back(i);
    insert_group(cl.base_groups, l.base_group);
    insert_group(cl.candidate_groups, l.candidate_group);
    if (st.claims[i].max_abs) {
      l.abs_poly = cl.witness_polys;
      cl.witness_polys += 2;
    }
    if (st.claims[i].count) {
      l.mask_poly = cl.witness_polys++;
      l.count_position = cl.count_claims.size();
      cl.count_claims.push_back(i);
    }
  }
  if (out.abs_claims > 0 && entry_range_statement(out, st).check() != crypto::Status::kOk) {
    return DriftStatus::kBadStatement;
  }
  return DriftStatus::kOk;
}

crypto::RangeStatement entry_range_statement(const EntryLayout& layout, const EntryStatement& statement) {
  crypto::RangeStatement range;
  range.limb_bits = statement.range_limb_bits;
  for (std::size_t i = 0; i < layout.claims.size(); ++i) {
    if (!statement.claims[i].max_abs) continue;
    const EntryClaimLayout& l = layout.claims[i];
    range.vectors.push_back({l.num_vars, l.abs_bits, false});
    range.vectors.push_back({l.num_vars, l.abs_bits, false});
  }
  return range;
}

}  // namespace fti::drift

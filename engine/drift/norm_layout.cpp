#include "engine/drift/norm_layout.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/commitment/fixed_point.h"
#include "engine/drift/drift_shared.h"

namespace fti::drift {

DriftStatus NormLayout::make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                             const NormStatement& statement, NormLayout& out) {
  out = NormLayout{};
  const std::size_t count = statement.tensors.size();
  if (count == 0 || count > kMaxNormTensors) return DriftStatus::kBadStatement;
  if (statement.range_limb_bits < crypto::kMinRangeLimbBits || statement.range_limb_bits > crypto::kMaxRangeLimbBits) {
    return DriftStatus::kBadStatement;
  }
  if (!(base.params == candidate.params) || base.params.check() != crypto::Status::kOk) {
    return DriftStatus::kIncompatibleCommitments;
  }
  std::set<std::uint32_t> seen;
  std::map<unsigned, std::size_t> class_of_size;
  for (const NormTensor& nt : statement.tensors) {
    if (nt.tensor >= base.tensors.size() || !seen.insert(nt.tensor).second) return DriftStatus::kBadStatement;
    if (nt.bound.kind == NormBoundKind::kRelative && (!nt.base_squares || nt.bound.den == 0)) {
      return DriftStatus::kBadStatement;
    }
    if (nt.bound.kind > NormBoundKind::kRelative) return DriftStatus::kBadStatement;
    const commitment::TensorRecord& b = base.tensors[nt.tensor];
    // The no-wrap argument rests on |v| < 2^23 (section 9.2.5). The verifier
    // cannot see the entries, but the records' max_abs are bound by the roots:
    // a commitment that admits an entry beyond the encoding's bound is not one
    // the honest encoder produces (defence in depth; review finding 3).
    const commitment::TensorRecord* c = paired_candidate(base, candidate, b);
    if (c == nullptr) return DriftStatus::kIncompatibleCommitments;
    NormTensorLayout t;
    t.base_index = nt.tensor;
    t.candidate_index = static_cast<std::uint32_t>(c - candidate.tensors.data());
    t.num_vars = b.num_vars();
    t.base_group = b.group;
    t.base_poly = b.index;
    t.candidate_group = c->group;
    t.candidate_poly = c->index;
    class_of_size.emplace(t.num_vars, 0);
    out.tensors.push_back(t);
  }
  // Classes by n ascending.
  for (auto& [n, index] : class_of_size) {
    index = out.classes.size();
    NormClassLayout cl;
    cl.num_vars = n;
    cl.block_vars = n > kNormBlockVars ? n - kNormBlockVars : 0;
    out.max_block_vars = std::max(out.max_block_vars, cl.block_vars);
    out.classes.push_back(std::move(cl));
  }
  for (std::size_t i = 0; i < count; ++i) {
    NormTensorLayout& t = out.tensors[i];
    t.size_class = class_of_size.at(t.num_vars);
    NormClassLayout& cl = out.classes[t.size_class];
    t.position = cl.tensors.size();
    cl.tensors.push_back(i);
    t.first_item = out.items.size();
    for (const NormClaim claim : {NormClaim::kDeltaSquares, NormClaim::kBaseSquares}) {
      if (claim == NormClaim::kBaseSquares && !statement.tensors[i].base_squares) continue;
      if (out.items.size() == kMaxNormItems) return DriftStatus::kBadStatement;
      out.items.push_back({i, claim, t.size_class, cl.num_block_polys()});
      cl.items.push_back(out.items.size() - 1);
    }
    if (std::find(cl.base_groups.begin(), cl.base_groups.end(), t.base_group) == cl.base_groups.end()) {
      cl.base_groups.push_back(t.base_group);
    }
    if (std::find(cl.candidate_groups.begin(), cl.candidate_groups.end(), t.candidate_group) ==
        cl.candidate_groups.end()) {
      cl.candidate_groups.push_back(t.candidate_group);
    }
  }
  for (NormClassLayout& cl : out.classes) {
    std::sort(cl.base_groups.begin(), cl.base_groups.end());
    std::sort(cl.candidate_groups.begin(), cl.candidate_groups.end());
  }
  crypto::RangeStatement range = norm_range_statement(out, statement);
  if (range.check() != crypto::Status::kOk) return DriftStatus::kBadStatement;
  return DriftStatus::kOk;
}

crypto::RangeStatement norm_range_statement(const NormLayout& layout, const NormStatement& statement) {
  crypto::RangeStatement range;
  range.limb_bits = statement.range_limb_bits;
  for (const NormItemLayout& item : layout.items) {
    const unsigned m = layout.classes[item.size_class].block_vars;
    range.vectors.push_back({m, kNormHiBits, false});
    range.vectors.push_back({m, kNormLoBits, false});
  }
  return range;
}

}  // namespace fti::drift

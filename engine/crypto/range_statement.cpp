#include "engine/crypto/range_statement.h"

#include <algorithm>
#include <stdexcept>

#include "engine/crypto/basefold_params.h"

namespace fti::crypto {

Status RangeStatement::check() const noexcept {
  if (limb_bits < kMinRangeLimbBits || limb_bits > kMaxRangeLimbBits) return Status::kBadParameters;
  if (vectors.empty() || vectors.size() > kMaxRangeVectors) return Status::kBadParameters;
  // Every term is below 2^(30 + 6) and there are at most 4096 + 1, so the sum cannot overflow 64 bits.
  std::uint64_t total = std::uint64_t{1} << limb_bits;
  for (const RangeVectorSpec& v : vectors) {
    if (v.num_vars > kMaxRangeVectorVars || v.bits < 1 || v.bits > kMaxRangeBits) return Status::kBadParameters;
    const unsigned k = (v.bits + limb_bits - 1) / limb_bits;
    // The K - 1 committed limbs share a stacked Basefold group (n + ceil(log2(K - 1)) variables).
    if (k >= 2 && v.num_vars + basefold_stack_vars(k - 1) > kMaxBasefoldVars) return Status::kBadParameters;
    const unsigned c = v.bits - limb_bits * (k - 1);
    total += std::uint64_t{k + (c < limb_bits ? 1u : 0u)} << v.num_vars;
  }
  if (total >= (std::uint64_t{1} << kMaxRangeLogLookups)) return Status::kBadParameters;
  return Status::kOk;
}

RangeLayout RangeLayout::make(const RangeStatement& statement) {
  if (statement.check() != Status::kOk) throw std::invalid_argument("range: invalid statement");
  RangeLayout l;
  const unsigned bits_l = statement.limb_bits;
  l.limb_bits = bits_l;
  l.num_vars = bits_l;
  for (const RangeVectorSpec& spec : statement.vectors) {
    RangeVectorLayout v;
    v.num_limbs = (spec.bits + bits_l - 1) / bits_l;
    v.top_bits = spec.bits - bits_l * (v.num_limbs - 1);
    v.top_shifted = v.top_bits < bits_l;
    v.offset = spec.is_signed ? std::uint64_t{1} << (spec.bits - 1) : 0;
    std::size_t b = 0;
    while (b < l.bundles.size() && l.bundles[b].num_vars != spec.num_vars) ++b;
    if (b == l.bundles.size()) l.bundles.push_back({spec.num_vars, 0, 0});
    v.bundle = b;
    v.first_slot = l.bundles[b].members;
    l.bundles[b].members += v.num_instances();
    v.first_limb = l.num_committed_limbs;
    if (v.num_limbs >= 2) {
      // The first group of this size with room: its stacked polynomial stays within 2^30 entries.
      const std::size_t room = std::min(kMaxBasefoldPolys, std::size_t{1} << (kMaxBasefoldVars - spec.num_vars));
      std::size_t g = 0;
      while (g < l.limb_groups.size() && (l.limb_groups[g].num_vars != spec.num_vars ||
                                          l.limb_groups[g].num_polys + v.committed_limbs() > room)) {
        ++g;
      }
      if (g == l.limb_groups.size()) l.limb_groups.push_back({spec.num_vars, 0});
      v.limb_group = g;
      v.limb_offset = l.limb_groups[g].num_polys;
      l.limb_groups[g].num_polys += v.committed_limbs();
    }
    l.num_committed_limbs += v.committed_limbs();
    l.num_lookups += std::uint64_t{v.num_instances()} << spec.num_vars;
    l.num_vars = std::max(l.num_vars, spec.num_vars);
    l.vectors.push_back(v);
  }
  l.num_limb_groups = l.limb_groups.size();
  // Fewer than 2^40 lookups, so every bundle has n + k <= 40 (kMaxLogupVars).
  for (RangeBundle& b : l.bundles) {
    b.stack_vars = basefold_stack_vars(b.members);
    l.instance_vars.push_back(b.num_vars + b.stack_vars);
    l.num_leaves += std::uint64_t{1} << (b.num_vars + b.stack_vars);
  }
  l.table_instance = l.instance_vars.size();
  l.instance_vars.push_back(bits_l);
  return l;
}

}  // namespace fti::crypto

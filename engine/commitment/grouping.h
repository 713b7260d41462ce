// Which tensors share a Basefold commitment (docs/PROTOCOL.md, section 9.4).
//
// Tensors are grouped by the number of variables n of their padded table
// (tensor_layout.h): one group per n, holding the tensors with that n in name
// order, split into consecutive chunks. Groups are ordered by n, then chunk.
// Each group is one Basefold commitment: its M tables are stacked into one
// polynomial in n + ceil(log2 M) variables (basefold_commit.h), so an
// opening's size and the verifier's work grow with the logarithm of the
// number of tensors of a size, not with the number itself.
//
// Chunks: a stacked group pads M up to a power of two, so the members of one
// n are cut greedily into chunks that waste little: the remaining members
// form one chunk when they fit (at most max_polys, n + ceil(log2 M) at most
// max_group_vars) and use at least 5/8 of the padded size; otherwise the
// next chunk is the largest power of two that fits. 560 tensors become
// 512 + 48 (padded to 64), 420 one chunk of 512 slots.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/basefold_params.h"

namespace fti::commitment {

inline constexpr std::size_t kMaxGroupPolys = crypto::kMaxBasefoldPolys;

// The largest stacked group the parameters can commit: n + l <= 30 and
// n + l + log_blowup <= 32.
unsigned max_group_vars(const crypto::BasefoldParams& params) noexcept;

struct GroupPlan {
  unsigned num_vars = 0;
  std::vector<std::size_t> members;  // tensor indices (into the name-ordered list), in polynomial order
  friend bool operator==(const GroupPlan&, const GroupPlan&) = default;
};

// `num_vars[i]` is n of the i-th tensor in name order (each at most
// max_group_vars). Returns the groups in their canonical order.
std::vector<GroupPlan> plan_groups(std::span<const unsigned> num_vars, std::size_t max_polys = kMaxGroupPolys,
                                   unsigned max_group_vars = crypto::kMaxBasefoldVars);

}  // namespace fti::commitment

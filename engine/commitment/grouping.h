// Which tensors share a Basefold commitment (docs/PROTOCOL.md, section 9.4).
//
// Tensors are grouped by the number of variables n of their padded table
// (tensor_layout.h): one group per n, holding the tensors with that n in name
// order, split into consecutive chunks of at most kMaxGroupPolys
// (kMaxBasefoldPolys) tensors. Groups are ordered by n, then chunk. Each
// group is one Basefold commitment over M polynomials in n variables, so an
// opening's size and the verifier's work grow with the number of distinct
// padded sizes, not with the number of tensors.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/basefold_params.h"

namespace fti::commitment {

inline constexpr std::size_t kMaxGroupPolys = crypto::kMaxBasefoldPolys;

struct GroupPlan {
  unsigned num_vars = 0;
  std::vector<std::size_t> members;  // tensor indices (into the name-ordered list), in polynomial order
  friend bool operator==(const GroupPlan&, const GroupPlan&) = default;
};

// `num_vars[i]` is n of the i-th tensor in name order. Returns the groups in
// their canonical order.
std::vector<GroupPlan> plan_groups(std::span<const unsigned> num_vars, std::size_t max_polys = kMaxGroupPolys);

}  // namespace fti::commitment

// The statistics a norm proof discloses (docs/PROTOCOL.md, sections 10.1, 10.3.1):
// per item (S of a tensor, then Q if asked) the two integers H = sum_j hi_j
// and L = sum_j lo_j of its block-sum limbs, so that the statistic is
// 2^32 H + L exactly over the integers. The verifier checks H and L against
// their bounds before anything else, and the bounds of the statement against
// the statistics after the proof.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/common/int128.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {

struct NormStatistic {
  std::uint64_t high = 0;  // H = sum_j hi_j
  std::uint64_t low = 0;   // L = sum_j lo_j

  // 2^32 H + L (< 2^78 for every accepted H, L).
  uint128 value() const noexcept { return (uint128{high} << kNormLimbShift) + low; }
  friend bool operator==(const NormStatistic&, const NormStatistic&) = default;
};

struct NormDisclosure {
  std::vector<NormStatistic> items;  // in item order (section 10.3.2)
  friend bool operator==(const NormDisclosure&, const NormDisclosure&) = default;
};

// Bounds of H and L for an item with 2^m blocks: H <= 2^m (2^31 - 1),
// L <= 2^m (2^32 - 1) (sums of range-proven limbs; both < 2^47 < p).
std::uint64_t norm_max_high(unsigned block_index_vars) noexcept;
std::uint64_t norm_max_low(unsigned block_index_vars) noexcept;

// Whether S (and Q) satisfy the bound, exactly over the integers.
bool norm_bound_holds(const NormBound& bound, uint128 delta_squares, uint128 base_squares) noexcept;

}  // namespace fti::drift

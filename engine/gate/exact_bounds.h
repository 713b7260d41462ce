// Exact comparisons of measured quantities with policy bounds that are not
// already methods of TensorStats: fractions of integer counts and norms of
// sums over several tensors (budgets). Bounds are finite, non-negative doubles
// (the policy parser guarantees it); every decision is on the real numbers.
#pragma once

#include <cstdint>

#include "engine/analysis/exact_sum.h"

namespace fti::gate {

// count <= fraction * total, exactly, where `fraction` means the shortest
// decimal that reads back as that double: the number the policy's author
// wrote. (0.3 as a double is 0.29999999999999998889...; 3 changed entries of
// 10 are within "max_fraction: 0.3" as a reader of the policy expects.)
bool count_at_most_fraction(std::uint64_t count, std::uint64_t total, double fraction);

// sqrt(squares) <= bound, i.e. squares <= bound^2, exactly.
bool root_at_most(const analysis::ExactSum& squares, double bound);

// sqrt(delta) <= fraction * sqrt(base), i.e. delta <= fraction^2 * base, exactly.
bool root_at_most_relative(const analysis::ExactSum& delta, const analysis::ExactSum& base, double fraction);

}  // namespace fti::gate

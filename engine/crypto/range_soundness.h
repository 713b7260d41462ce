// The soundness error of a range argument (docs/PROTOCOL.md, section 8.8),
// term by term, in bits (-log2 of the probability).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/range_statement.h"

namespace fti::crypto {

struct RangeSoundness {
  double lookup_bits = 0;   // LogUp: (N + 2^L) / p^3, N lookups
  double gkr_bits = 0;      // sum_j (3 a_j - 1 + 3 j) / p^3 over the GKR layers (a_j active instances)
  double opening_bits = 0;  // the weakest Basefold group of the opening (section 7.8)
  double total_bits = 0;    // -log2 of the sum of the three
  std::uint64_t num_lookups = 0;
  std::size_t num_instances = 0;
  unsigned num_vars = 0;  // GKR depth n = max(n_j, L)
};

// For a standalone opening whose value groups hold `value_group_polys`
// polynomials each (1 for range_commit_values). Throws std::invalid_argument
// for an invalid statement or parameters that do not fit its sizes.
RangeSoundness range_soundness(const BasefoldParams& params, const RangeStatement& statement,
                               std::size_t value_group_polys = 1);

}  // namespace fti::crypto

// Exact sums of many small products, fast: one integer bucket per exponent.
//
// A BF16 value is m * 2^e with |m| < 2^8, so a product of two is a 16-bit
// integer times 2^(e1+e2). Adding it to bucket[e1+e2] is one integer add, and
// a 64-bit bucket absorbs 2^47 such products before it could overflow; at
// the end every bucket is added into an ExactSum at its exponent. The result
// is exactly the same sum ExactSum would give, at a fraction of the cost.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "engine/common/int128.h"
#include "engine/analysis/exact_sum.h"

namespace fti::analysis {

template <typename Int>
class ExponentBuckets {
 public:
  // Products will have exponents in [min_exponent, max_exponent]; at most
  // `capacity` products are added between flushes (the caller's bound that
  // keeps every bucket from overflowing).
  ExponentBuckets(int min_exponent, int max_exponent)
      : min_exponent_(min_exponent), buckets_(static_cast<std::size_t>(max_exponent - min_exponent + 1), 0) {}

  void add(Int product, int exponent) noexcept {
    buckets_[static_cast<std::size_t>(exponent - min_exponent_)] += product;
  }

  // Adds every bucket into `sum` and clears them.
  void flush_into(ExactSum& sum) noexcept {
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      const Int value = buckets_[i];
      if (value == 0) continue;
      const bool negative = value < 0;
      const auto magnitude =
          negative ? static_cast<uint128>(-static_cast<int128>(value))
                   : static_cast<uint128>(value);
      sum.add_scaled(magnitude, static_cast<int>(i) + min_exponent_, negative);
      buckets_[i] = 0;
    }
  }

 private:
  int min_exponent_;
  std::vector<Int> buckets_;
};

}  // namespace fti::analysis

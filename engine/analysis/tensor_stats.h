// Exact drift statistics of one tensor pair (base B, candidate C, same dtype
// and shape), computed in one parallel pass over the two byte buffers.
//
// Exact means: the sums of squares are exact rationals (ExactSum), counts are
// exact, and max |C - B| is known to the last bit (rounded value plus the
// direction of the rounding), so every comparison with a policy bound is
// decided on the real numbers, not on a floating-point approximation.
#pragma once

#include <cstdint>
#include <span>

#include "engine/analysis/exact_sum.h"
#include "engine/tensor/dtype.h"

namespace fti::analysis {

struct TensorStats {
  std::uint64_t elements = 0;
  std::uint64_t changed = 0;              // elements whose bytes differ (bitwise)
  std::uint64_t nonfinite_base = 0;       // NaN or infinity in B
  std::uint64_t nonfinite_candidate = 0;  // NaN or infinity in C
  // Changed elements with NaN or infinity on either side: their difference
  // has no magnitude, so no norm or max-abs bound can admit them.
  std::uint64_t nonfinite_changed = 0;
  ExactSum delta_squares;                 // sum (C_i - B_i)^2 over elements finite in both
  ExactSum base_squares;                  // sum B_i^2 over finite B_i
  // max |C_i - B_i| over elements finite in both, rounded to nearest double;
  // max_abs_rounded_down: an element attaining it is exactly above that double.
  double max_abs_delta = 0.0;
  bool max_abs_rounded_down = false;
  std::uint64_t max_abs_index = 0;  // first element attaining the maximum

  void merge(const TensorStats& other);
  bool has_nonfinite() const noexcept { return nonfinite_base + nonfinite_candidate != 0; }

  double delta_norm() const;  // ||C - B||_F, rounded
  double base_norm() const;   // ||B||_F, rounded
  // Exact decisions against finite non-negative bounds.
  bool delta_norm_at_most(double bound) const;
  bool delta_norm_at_most_relative(double fraction) const;  // ||C-B|| <= fraction ||B||
  bool max_abs_at_most(double bound) const;
};

// Compares two little-endian tensors of `dtype` with the same element count
// (bytes.size() / dtype_size). Parallel (TBB) over blocks of elements.
TensorStats compare_tensors(DType dtype, std::span<const std::uint8_t> base,
                            std::span<const std::uint8_t> candidate);

}  // namespace fti::analysis

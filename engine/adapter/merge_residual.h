// "Is this merged checkpoint really base + this adapter, up to rounding?"
//
// Every tensor of the candidate is compared with the exact merge
// (lora_merge.h): LoRA targets with round(W + scale B A), replaced tensors
// with their replacement, all others with the base. Per tensor:
//   max_ulp    the largest distance, in units in the last place of the
//              tensor's dtype, between a candidate entry and the expected one:
//              the number of representable values between them (so 1 is the
//              neighbouring value; +0 and -0 are 0 apart; NaN vs NaN is 0,
//              NaN vs a number is "inf"). Non-float dtypes compare bytes.
//   differing  entries that are not exactly the expected ones.
//   frobenius  ||candidate - expected||_F (double), and relative to ||expected||_F.
// A tensor matches when max_ulp <= ulp_tolerance; a missing, extra,
// reshaped or retyped tensor never matches.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/adapter/adapter_plan.h"

namespace fti::adapter {

inline constexpr std::uint64_t kUlpInfinite = std::numeric_limits<std::uint64_t>::max();

struct TensorResidual {
  std::string name;
  std::string status;  // "compared", "missing" (base only), "extra" (candidate only), "reshaped", "retyped"
  std::string source;  // "lora", "modules_to_save", "bias" or "base"
  std::string dtype;
  std::vector<std::uint64_t> shape;
  std::uint64_t elements = 0;
  std::uint64_t differing = 0;
  std::uint64_t max_ulp = 0;  // kUlpInfinite: NaN against a number, or not comparable
  std::uint64_t worst_index = 0;  // flat index of an entry at max_ulp
  double frobenius = 0;
  double expected_frobenius = 0;
  bool matches = false;
};

struct MergeCheckOptions {
  std::uint64_t ulp_tolerance = 0;
};

struct MergeCheck {
  std::vector<TensorResidual> tensors;  // by name
  std::uint64_t ulp_tolerance = 0;
  bool matches = false;  // every tensor matches
  std::uint64_t mismatch_count() const;
};

// Distance in representable values between two elements of a float dtype
// (F16, BF16, F32, F64, F8_E4M3, F8_E5M2).
std::uint64_t ulp_distance(DType dtype, const std::uint8_t* x, const std::uint8_t* y) noexcept;

MergeCheck check_merge(const AdapterPlan& plan, const Checkpoint& base, const Checkpoint& adapter,
                       const Checkpoint& candidate, const MergeCheckOptions& options = {});

}  // namespace fti::adapter

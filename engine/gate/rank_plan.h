// How a rank rule applies to one tensor: the policy's matrix view (out, in),
// its per-head blocks, and the analysis request over the tensor as stored.
//
// The policy speaks of the view (a GPT-2 Conv1D weight stored (in, out) is
// viewed transposed); the analysis reads the stored row-major bytes. Rank and
// Frobenius norm are the same either way, but which side the heads cut is
// not, so a per-head split along the view's rows becomes a split along the
// stored columns for a transposed weight.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/analysis/drift_analysis.h"
#include "policy/policy.h"

namespace fti::gate {

struct RankPlan {
  enum class Kind {
    kAnalyse,  // run `request`
    kTrivial,  // every block has rank <= max_rank whatever Delta is: no analysis needed
    kError,    // the rule cannot apply to this tensor (no matrix view, heads do not divide)
  };
  Kind kind = Kind::kError;
  analysis::RankRequest request;
  std::uint64_t block_rows = 0, block_cols = 0, blocks = 1;  // in the view's orientation
  std::string reason;  // kTrivial / kError: why, for the report
};

RankPlan plan_rank(const policy::Policy& policy, const policy::RankClass& rank, std::string_view tensor_name,
                   std::span<const std::uint64_t> shape, const analysis::RankOptions& defaults);

}  // namespace fti::gate

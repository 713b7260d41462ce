#include "engine/gate/rank_plan.h"

#include <algorithm>

#include <fmt/core.h>

namespace fti::gate {
namespace {
// One SVD per head: a policy asking for more is a mistake, not a model.
constexpr std::uint64_t kMaxHeads = 1u << 16;
}  // namespace

RankPlan plan_rank(const policy::Policy& policy, const policy::RankClass& rank, std::string_view tensor_name,
                   std::span<const std::uint64_t> shape, const analysis::RankOptions& defaults) {
  RankPlan plan;
  const policy::MatrixView view = policy.matrix_view(tensor_name, shape);
  if (!view.ok) {
    plan.reason = "a rank rule needs a matrix: " + view.reason;
    return plan;
  }
  plan.block_rows = view.rows;
  plan.block_cols = view.cols;
  analysis::RankRequest& request = plan.request;
  // The stored matrix: dim 0 by the product of the rest (overflow-checked by the header parser).
  request.view = {shape[0], 1};
  for (std::size_t i = 1; i < shape.size(); ++i) request.view.cols *= shape[i];

  if (rank.per_head) {
    const policy::HeadSplit split = policy::split_heads(view, rank.per_head->heads, rank.per_head->axis);
    if (!split.ok) {
      plan.reason = "per-head view: " + split.reason;
      return plan;
    }
    if (split.heads > kMaxHeads) {
      plan.reason = fmt::format("per-head view: {} heads is more than the {} the analysis supports", split.heads, kMaxHeads);
      return plan;
    }
    plan.blocks = split.heads;
    plan.block_rows = split.block_rows;
    plan.block_cols = split.block_cols;
    request.heads = static_cast<unsigned>(split.heads);
    const bool blocks_of_view_rows = split.axis == policy::HeadAxis::kOut;
    // A transposed view's rows are the stored columns.
    request.split = blocks_of_view_rows != view.transposed ? analysis::RankRequest::Split::kRows
                                                           : analysis::RankRequest::Split::kCols;
  }
  const std::uint64_t min_dim = std::min(plan.block_rows, plan.block_cols);
  if (rank.max_rank >= min_dim) {
    plan.kind = RankPlan::Kind::kTrivial;
    plan.reason = fmt::format("max rank {} >= {}, the smaller side of each {}x{} block: every change qualifies",
                              rank.max_rank, min_dim, plan.block_rows, plan.block_cols);
    return plan;
  }
  request.options = defaults;
  request.options.max_rank = static_cast<unsigned>(rank.max_rank);  // < min_dim, which is < 2^32 here
  plan.kind = RankPlan::Kind::kAnalyse;
  return plan;
}

}  // namespace fti::gate

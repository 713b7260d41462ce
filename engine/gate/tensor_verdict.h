// The checks of one tensor against the rule that matches it (or the policy's
// default), each with the measured figure, the bound and a sentence.
//
// Decisions on norms, max-abs and counts are exact (TensorStats). Rank
// residuals come from a floating-point SVD or a randomized witness; a rank
// check passes only if the residual's upper bound, including its stated
// error, is within the bound.
#pragma once

#include "engine/analysis/drift_analysis.h"
#include "policy/policy.h"
#include "reports/report.h"

namespace fti::gate {

// Fills out.rule, out.rule_line, out.checks and out.verdict. `out` already
// holds the figures (tensor_figures).
void judge_tensor(const policy::Policy& policy, const analysis::TensorDrift& drift,
                  const analysis::RankOptions& rank_defaults, reports::TensorReport& out);

}  // namespace fti::gate

// Budgets: bounds over the union of the tensors a budget's `over` matches,
// decided exactly on sums of the per-tensor exact statistics.
#pragma once

#include <vector>

#include "engine/analysis/drift_analysis.h"
#include "policy/policy.h"
#include "reports/report.h"

namespace fti::gate {

// One report per budget of the policy, in the policy's order.
std::vector<reports::BudgetReport> judge_budgets(const policy::Policy& policy,
                                                 const std::vector<analysis::TensorDrift>& tensors);

}  // namespace fti::gate

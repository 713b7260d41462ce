#include "engine/gate/gate.h"

#include "engine/gate/budget_verdict.h"
#include "engine/gate/rank_plan.h"
#include "engine/gate/tensor_figures.h"
#include "engine/gate/tensor_verdict.h"
#include "policy/canonical.h"

namespace fti::gate {

analysis::DriftOptions drift_options_for(const policy::Policy& policy, const GateOptions& options) {
  analysis::DriftOptions drift_options;
  drift_options.rank_request = [&policy, rank_defaults = options.rank](
                                   const analysis::TensorDrift& t) -> std::optional<analysis::RankRequest> {
    // Unchanged tensors have rank 0; non-finite values have no SVD (the
    // verdict says so).
    if (!t.stats || t.stats->changed == 0 || t.stats->has_nonfinite()) return std::nullopt;
    const policy::Rule* rule = policy.match(t.name);
    if (!rule || !rule->rank) return std::nullopt;
    const RankPlan plan = plan_rank(policy, *rule->rank, t.name, t.base_shape, rank_defaults);
    if (plan.kind != RankPlan::Kind::kAnalyse) return std::nullopt;
    return plan.request;
  };
  return drift_options;
}

reports::PolicyInfo policy_info(const policy::Policy& policy) {
  reports::PolicyInfo info;
  info.file = policy.file_name();
  info.sha256 = to_hex(policy::policy_digest(policy));
  info.version = policy.version();
  if (policy.preset()) info.preset = policy.preset()->name();
  return info;
}

reports::Report judge(const policy::Policy& policy, const analysis::DriftAnalysis& drift,
                      const GateOptions& options) {
  reports::Report report;
  report.kind = "gate";
  report.policy = policy_info(policy);
  for (const policy::Rule& rule : policy.rules()) {
    report.rules.push_back({rule.name, static_cast<int>(rule.location.line), rule.match.to_string()});
  }
  report.analysis_seconds = drift.seconds;
  bool compliant = true;
  for (const analysis::TensorDrift& t : drift.tensors) {
    reports::TensorReport tensor = tensor_figures(t);
    judge_tensor(policy, t, options.rank, tensor);
    compliant = compliant && tensor.verdict == reports::Verdict::kPass;
    report.tensors.push_back(std::move(tensor));
  }
  report.budgets = judge_budgets(policy, drift.tensors);
  for (const reports::BudgetReport& b : report.budgets) compliant = compliant && b.verdict == reports::Verdict::kPass;
  report.verdict = compliant ? reports::Verdict::kPass : reports::Verdict::kViolation;
  return report;
}

reports::Report run_gate(const policy::Policy& policy, const Checkpoint& base, const Checkpoint& candidate,
                         const GateOptions& options) {
  const analysis::DriftOptions drift_options = drift_options_for(policy, options);
  const analysis::DriftAnalysis drift = analysis::analyze_drift(base, candidate, drift_options);
  return judge(policy, drift, options);
}

}  // namespace fti::gate

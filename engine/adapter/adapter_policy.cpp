#include "engine/adapter/adapter_policy.h"

#include <fmt/core.h>

namespace fti::adapter {

std::vector<AdapterFinding> check_adapter_policy(const policy::Policy& policy, const AdapterPlan& plan) {
  std::vector<AdapterFinding> findings;
  for (const LoraTarget& target : plan.targets) {
    const policy::Rule* rule = policy.match(target.base_tensor);
    AdapterFinding finding;
    finding.tensor = target.base_tensor;
    if (rule) {
      finding.rule = rule->name;
      finding.rule_line = static_cast<int>(rule->location.line);
    }
    const double rank = static_cast<double>(target.rank);
    if ((rule && rule->frozen) || (!rule && policy.default_action() == policy::DefaultAction::kFrozen)) {
      finding.check = {"adapter.frozen", rank, 0, false,
                       fmt::format("frozen, but the adapter targets module {} (LoRA rank {} from {})",
                                   target.module, target.rank, target.rank_source)};
      findings.push_back(std::move(finding));
    } else if (rule && rule->rank) {
      const auto max_rank = rule->rank->max_rank;
      const bool pass = target.rank <= max_rank;
      finding.check = {"adapter.rank", rank, static_cast<double>(max_rank), pass,
                       pass ? fmt::format("adapter rank {} (from {}) <= max rank {}", target.rank,
                                          target.rank_source, max_rank)
                            : fmt::format("adapter rank {} (from {}) exceeds the rule's max rank {}", target.rank,
                                          target.rank_source, max_rank)};
      findings.push_back(std::move(finding));
    }
  }
  return findings;
}

void add_adapter_findings(reports::Report& report, const std::vector<AdapterFinding>& findings) {
  for (const AdapterFinding& finding : findings) {
    for (reports::TensorReport& tensor : report.tensors) {
      if (tensor.name != finding.tensor) continue;
      tensor.checks.push_back(finding.check);
      if (tensor.rule.empty() && !finding.rule.empty()) {
        tensor.rule = finding.rule;
        tensor.rule_line = finding.rule_line;
      }
      if (!finding.check.pass) tensor.verdict = reports::Verdict::kViolation;
      break;
    }
  }
  bool compliant = true;
  for (const reports::TensorReport& t : report.tensors) compliant = compliant && t.verdict == reports::Verdict::kPass;
  for (const reports::BudgetReport& b : report.budgets) compliant = compliant && b.verdict == reports::Verdict::kPass;
  report.verdict = compliant ? reports::Verdict::kPass : reports::Verdict::kViolation;
}

}  // namespace fti::adapter

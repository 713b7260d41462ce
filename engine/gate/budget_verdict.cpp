#include "engine/gate/budget_verdict.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "engine/gate/exact_bounds.h"
#include "reports/text_report.h"

namespace fti::gate {
namespace {

using analysis::ExactSum;
using reports::Check;
using reports::format_figure;

// What a budget adds up over its tensors.
struct BudgetTotals {
  std::uint64_t tensors = 0;
  std::uint64_t not_compared = 0;  // added/removed/reshaped/retyped: already violations on their own
  std::uint64_t elements = 0, changed = 0, nonfinite_changed = 0;
  ExactSum delta_squares, base_squares;
  double max_abs = 0;  // rounded, for the message
  std::vector<const analysis::TensorStats*> compared;
};

BudgetTotals add_up(const policy::Policy& policy, const policy::Budget& budget,
                    const std::vector<analysis::TensorDrift>& tensors) {
  BudgetTotals totals;
  for (const analysis::TensorDrift& t : tensors) {
    if (!policy.in_budget(budget, t.name)) continue;
    ++totals.tensors;
    if (!t.stats) {
      ++totals.not_compared;
      continue;
    }
    const analysis::TensorStats& s = *t.stats;
    totals.elements += s.elements;
    totals.changed += s.changed;
    totals.nonfinite_changed += s.nonfinite_changed;
    totals.delta_squares.add(s.delta_squares);
    totals.base_squares.add(s.base_squares);
    totals.max_abs = std::max(totals.max_abs, s.max_abs_delta);
    totals.compared.push_back(&s);
  }
  return totals;
}

}  // namespace

std::vector<reports::BudgetReport> judge_budgets(const policy::Policy& policy,
                                                 const std::vector<analysis::TensorDrift>& tensors) {
  std::vector<reports::BudgetReport> out;
  for (const policy::Budget& budget : policy.budgets()) {
    const BudgetTotals totals = add_up(policy, budget, tensors);
    reports::BudgetReport report;
    report.name = budget.name;
    report.line = static_cast<int>(budget.location.line);
    report.tensors = totals.tensors;
    std::vector<Check>& checks = report.checks;
    if (totals.nonfinite_changed > 0) {
      checks.push_back({"finite", static_cast<double>(totals.nonfinite_changed), 0, false,
                        fmt::format("{} changed elements are NaN or infinite on one side", totals.nonfinite_changed)});
    }
    const double delta_norm = std::sqrt(totals.delta_squares.to_double());
    const double base_norm = std::sqrt(totals.base_squares.to_double());
    if (budget.norm && budget.norm->frobenius && budget.norm->frobenius->absolute) {
      const double bound = *budget.norm->frobenius->absolute;
      const bool pass = root_at_most(totals.delta_squares, bound);
      checks.push_back({"frobenius.absolute", delta_norm, bound, pass,
                        fmt::format("sqrt(sum ||Delta_t||_F^2) over {} tensors = {} {} {}", totals.tensors,
                                    format_figure(delta_norm), pass ? "<=" : ">", format_figure(bound))});
    }
    if (budget.norm && budget.norm->frobenius && budget.norm->frobenius->relative) {
      const double bound = *budget.norm->frobenius->relative;
      const bool pass = root_at_most_relative(totals.delta_squares, totals.base_squares, bound);
      const double measured =
          base_norm > 0 ? delta_norm / base_norm : (totals.delta_squares.is_zero() ? 0.0 : std::numeric_limits<double>::infinity());
      checks.push_back({"frobenius.relative", measured, bound, pass,
                        fmt::format("total ||Delta||_F / ||Base||_F over {} tensors = {} {} {}", totals.tensors,
                                    format_figure(measured), pass ? "<=" : ">", format_figure(bound))});
    }
    if (budget.norm && budget.norm->max_abs) {
      const double bound = *budget.norm->max_abs;
      // Exact per tensor, so exact for the maximum over them.
      const bool pass = std::all_of(totals.compared.begin(), totals.compared.end(),
                                    [&](const analysis::TensorStats* t) { return t->max_abs_at_most(bound); });
      checks.push_back({"max_abs", totals.max_abs, bound, pass,
                        fmt::format("max |Delta| over {} tensors = {} {} {}", totals.tensors,
                                    format_figure(totals.max_abs), pass ? "<=" : ">", format_figure(bound))});
    }
    if (budget.sparsity && budget.sparsity->max_changed) {
      const std::uint64_t bound = *budget.sparsity->max_changed;
      const bool pass = totals.changed <= bound;
      checks.push_back({"sparsity.count", static_cast<double>(totals.changed), static_cast<double>(bound), pass,
                        fmt::format("{} changed elements over {} tensors {} {}", totals.changed, totals.tensors,
                                    pass ? "<=" : ">", bound)});
    }
    if (budget.sparsity && budget.sparsity->max_fraction) {
      const double bound = *budget.sparsity->max_fraction;
      const bool pass = count_at_most_fraction(totals.changed, totals.elements, bound);
      const double measured =
          totals.elements ? static_cast<double>(totals.changed) / static_cast<double>(totals.elements) : 0.0;
      checks.push_back({"sparsity.fraction", measured, bound, pass,
                        fmt::format("{} of {} elements changed over {} tensors ({}) {} {}", totals.changed,
                                    totals.elements, totals.tensors, format_figure(measured), pass ? "<=" : ">",
                                    format_figure(bound))});
    }
    bool pass = true;
    for (const Check& c : checks) pass = pass && c.pass;
    report.verdict = pass ? reports::Verdict::kPass : reports::Verdict::kViolation;
    out.push_back(std::move(report));
  }
  return out;
}

}  // namespace fti::gate

#include "engine/gate/tensor_verdict.h"

#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "engine/gate/exact_bounds.h"
#include "engine/gate/rank_plan.h"
#include "engine/gate/tensor_figures.h"
#include "reports/text_report.h"

namespace fti::gate {
namespace {

using analysis::PairStatus;
using analysis::TensorStats;
using reports::Check;
using reports::format_figure;

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Check structure_check(const analysis::TensorDrift& drift) {
  std::string what;
  switch (drift.status) {
    case PairStatus::kAdded: what = "the candidate adds this tensor"; break;
    case PairStatus::kRemoved: what = "the candidate removes this tensor"; break;
    case PairStatus::kReshaped:
      what = "shape " + shape_text(drift.base_shape) + " became " + shape_text(drift.candidate_shape);
      break;
    case PairStatus::kRetyped:
      what = fmt::format("dtype {} became {}", dtype_name(*drift.base_dtype), dtype_name(*drift.candidate_dtype));
      if (drift.base_shape != drift.candidate_shape) {
        what += ", shape " + shape_text(drift.base_shape) + " became " + shape_text(drift.candidate_shape);
      }
      break;
    case PairStatus::kCompared: break;
  }
  return {"structure", 1, 0, false, what + "; a fine-tune keeps the base's tensors, shapes and dtypes"};
}

Check frozen_check(const TensorStats& s, std::string_view why) {
  const bool pass = s.changed == 0;
  return {"frozen", static_cast<double>(s.changed), 0, pass,
          pass ? std::string(why) + ": bit-identical to the base"
               : fmt::format("{}: {} of {} elements changed", why, s.changed, s.elements)};
}

void norm_checks(const policy::NormClass& norm, const TensorStats& s, std::vector<Check>& checks) {
  if (norm.frobenius && norm.frobenius->absolute) {
    const double bound = *norm.frobenius->absolute;
    const bool pass = s.delta_norm_at_most(bound);
    checks.push_back({"frobenius.absolute", s.delta_norm(), bound, pass,
                      fmt::format("||Delta||_F = {} {} {}", format_figure(s.delta_norm()), pass ? "<=" : ">",
                                  format_figure(bound))});
  }
  if (norm.frobenius && norm.frobenius->relative) {
    const double bound = *norm.frobenius->relative;
    const bool pass = s.delta_norm_at_most_relative(bound);
    const double base = s.base_norm();
    const double measured = base > 0 ? s.delta_norm() / base : (s.delta_squares.is_zero() ? 0.0 : std::numeric_limits<double>::infinity());
    checks.push_back({"frobenius.relative", measured, bound, pass,
                      fmt::format("||Delta||_F / ||Base||_F = {} {} {}", format_figure(measured),
                                  pass ? "<=" : ">", format_figure(bound))});
  }
  if (norm.max_abs) {
    const double bound = *norm.max_abs;
    const bool pass = s.max_abs_at_most(bound);
    checks.push_back({"max_abs", s.max_abs_delta, bound, pass,
                      fmt::format("max |Delta| = {}{} {} {}", format_figure(s.max_abs_delta),
                                  s.max_abs_rounded_down ? " (rounded down)" : "", pass ? "<=" : ">",
                                  format_figure(bound))});
  }
}

void sparsity_checks(const policy::SparsityClass& sparsity, std::uint64_t changed, std::uint64_t elements,
                     std::vector<Check>& checks) {
  if (sparsity.max_changed) {
    const bool pass = changed <= *sparsity.max_changed;
    checks.push_back({"sparsity.count", static_cast<double>(changed), static_cast<double>(*sparsity.max_changed),
                      pass,
                      fmt::format("{} changed elements {} {}", changed, pass ? "<=" : ">", *sparsity.max_changed)});
  }
  if (sparsity.max_fraction) {
    const double bound = *sparsity.max_fraction;
    const bool pass = count_at_most_fraction(changed, elements, bound);
    const double measured = elements ? static_cast<double>(changed) / static_cast<double>(elements) : 0.0;
    checks.push_back({"sparsity.fraction", measured, bound, pass,
                      fmt::format("{} of {} elements changed ({}) {} {}", changed, elements,
                                  format_figure(measured), pass ? "<=" : ">", format_figure(bound))});
  }
}

void rank_checks(const policy::Policy& policy, const policy::RankClass& rank, const analysis::TensorDrift& drift,
                 const analysis::RankOptions& defaults, std::vector<Check>& checks) {
  const TensorStats& s = *drift.stats;
  const RankPlan plan = plan_rank(policy, rank, drift.name, drift.base_shape, defaults);
  const std::string blocks =
      plan.blocks > 1 ? fmt::format("{} heads of {}x{}", plan.blocks, plan.block_rows, plan.block_cols)
                      : fmt::format("{}x{}", plan.block_rows, plan.block_cols);
  if (plan.kind == RankPlan::Kind::kError) {
    checks.push_back({"rank", 0, static_cast<double>(rank.max_rank), false, plan.reason});
    return;
  }
  if (s.changed == 0 || plan.kind == RankPlan::Kind::kTrivial) {
    checks.push_back({"rank", 0, static_cast<double>(rank.max_rank), true,
                      s.changed == 0 ? std::string("unchanged: rank 0") : plan.reason});
    return;
  }
  if (drift.rank.empty()) {
    const std::string why = s.has_nonfinite() ? "the tensor holds NaN or infinite values"
                            : drift.rank_error.empty() ? "no result"
                                                       : drift.rank_error;
    checks.push_back({"rank", 0, static_cast<double>(rank.max_rank), false, "rank analysis did not run: " + why});
    return;
  }
  const ResidualFigures residual = residual_figures(drift.rank);
  if (!rank.residual) {
    // No residual allowed: the rank itself, at the analysis' tolerance.
    unsigned numerical = 0;
    bool lower_bound = false;
    for (const analysis::RankResult& r : drift.rank) {
      numerical = std::max(numerical, r.numerical_rank);
      lower_bound = lower_bound || r.numerical_rank_is_lower_bound;
    }
    const bool pass = numerical <= rank.max_rank;
    checks.push_back({"rank.numerical", static_cast<double>(numerical), static_cast<double>(rank.max_rank), pass,
                      fmt::format("numerical rank {}{} (singular values above {} x the largest, {}) {} {}",
                                  lower_bound ? ">= " : "", numerical, format_figure(defaults.rank_tolerance),
                                  blocks, pass ? "<=" : ">", rank.max_rank)});
    return;
  }
  const std::string method = drift.rank.front().method == analysis::RankResult::Method::kDenseSvd
                                 ? "dense SVD"
                                 : "randomized witness";
  if (rank.residual->absolute) {
    const double bound = *rank.residual->absolute;
    const bool pass = residual.energy_upper <= bound * bound * (1 - 0x1p-50);
    checks.push_back({"rank.residual.absolute", residual.upper, bound, pass,
                      fmt::format("residual beyond rank {}: ||E||_F = {} (upper bound; {}, {}) {} {}", rank.max_rank,
                                  format_figure(residual.upper), blocks, method, pass ? "<=" : ">",
                                  format_figure(bound))});
  }
  if (rank.residual->relative) {
    const double bound = *rank.residual->relative;
    const double base_energy = s.base_squares.to_double();
    const bool pass = residual.energy_upper <= bound * bound * base_energy * (1 - 0x1p-50);
    const double base = std::sqrt(base_energy);
    const double measured = base > 0 ? residual.upper / base : std::numeric_limits<double>::infinity();
    checks.push_back({"rank.residual.relative", measured, bound, pass,
                      fmt::format("residual beyond rank {}: ||E||_F / ||Base||_F = {} (upper bound; {}, {}) {} {}",
                                  rank.max_rank, format_figure(measured), blocks, method, pass ? "<=" : ">",
                                  format_figure(bound))});
  }
}

}  // namespace

void judge_tensor(const policy::Policy& policy, const analysis::TensorDrift& drift,
                  const analysis::RankOptions& rank_defaults, reports::TensorReport& out) {
  std::vector<Check>& checks = out.checks;
  const policy::Rule* rule = policy.match(drift.name);
  if (rule) {
    out.rule = rule->name;
    out.rule_line = static_cast<int>(rule->location.line);
  } else {
    out.rule_line = static_cast<int>(policy.default_location().line);
  }

  if (drift.status != PairStatus::kCompared || !drift.stats) {
    checks.push_back(structure_check(drift));
  } else if (!rule) {
    const TensorStats& s = *drift.stats;
    switch (policy.default_action()) {
      case policy::DefaultAction::kViolation:
        checks.push_back({"default", static_cast<double>(s.changed), 0, false,
                          "no rule matches this tensor and the policy's default is violation"});
        break;
      case policy::DefaultAction::kFrozen: checks.push_back(frozen_check(s, "no rule matches; default frozen")); break;
      case policy::DefaultAction::kAllow:
        checks.push_back({"default", static_cast<double>(s.changed), 0, true,
                          "no rule matches; the policy's default allows any change of values"});
        break;
    }
  } else if (rule->frozen) {
    checks.push_back(frozen_check(*drift.stats, "frozen"));
  } else if (rule->allow) {
    checks.push_back({"allow", static_cast<double>(drift.stats->changed), 0, true,
                      fmt::format("any change allowed ({} elements changed)", drift.stats->changed)});
  } else {
    const TensorStats& s = *drift.stats;
    if (s.nonfinite_changed > 0) {
      // NaN or infinity where the base differs: no magnitude, so no bound holds.
      checks.push_back({"finite", static_cast<double>(s.nonfinite_changed), 0, false,
                        fmt::format("{} changed elements are NaN or infinite on one side", s.nonfinite_changed)});
    }
    if (rule->norm) norm_checks(*rule->norm, s, checks);
    if (rule->rank) rank_checks(policy, *rule->rank, drift, rank_defaults, checks);
    if (rule->sparsity) sparsity_checks(*rule->sparsity, s.changed, s.elements, checks);
  }
  bool pass = true;
  for (const Check& c : checks) pass = pass && c.pass;
  out.verdict = pass ? reports::Verdict::kPass : reports::Verdict::kViolation;
}

}  // namespace fti::gate

// fti gate's decision: the policy applied to the exact drift analysis of a
// base and a candidate checkpoint.
//
// A candidate is compliant when every tensor passes the rule that matches it
// (or the policy's default), every budget holds, and nothing was added,
// removed, reshaped or re-typed. Reports name the rule and policy line behind
// each verdict.
#pragma once

#include "engine/analysis/drift_analysis.h"
#include "policy/policy.h"
#include "registry/checkpoint.h"
#include "reports/report.h"

namespace fti::gate {

struct GateOptions {
  analysis::RankOptions rank;  // tolerance, sketch sizes; max_rank comes from each rule
};

// The rank analyses the policy's rank rules need (changed tensors only).
analysis::DriftOptions drift_options_for(const policy::Policy& policy, const GateOptions& options);

// Verdicts from a finished analysis. Fills kind, policy, tensors, budgets,
// verdict and analysis_seconds; the caller adds artifact information.
reports::Report judge(const policy::Policy& policy, const analysis::DriftAnalysis& drift,
                      const GateOptions& options = {});

// analyze_drift with drift_options_for, then judge.
reports::Report run_gate(const policy::Policy& policy, const Checkpoint& base, const Checkpoint& candidate,
                         const GateOptions& options = {});

reports::PolicyInfo policy_info(const policy::Policy& policy);

}  // namespace fti::gate

// An adapter checked against a drift policy before any merge: for each LoRA
// target, the rule its base tensor matches (or the policy's default) says
//   adapter.rank    rank rule: the adapter's rank for the module (r, or its
//                   rank_pattern value) must be <= the rule's max;
//   adapter.frozen  frozen rule (or default: frozen): the module must not be
//                   targeted at all, whatever the factors hold.
// The findings become ordinary checks of the gate report's tensors, so they
// show, count and fail the gate like any other rule violation.
#pragma once

#include <string>
#include <vector>

#include "engine/adapter/adapter_plan.h"
#include "policy/policy.h"
#include "reports/report.h"

namespace fti::adapter {

struct AdapterFinding {
  std::string tensor;  // the base tensor
  std::string rule;    // empty: the policy's default
  int rule_line = 0;
  reports::Check check;
};

std::vector<AdapterFinding> check_adapter_policy(const policy::Policy& policy, const AdapterPlan& plan);

// Appends each finding's check to its tensor in `report` and updates the
// tensor's and the report's verdicts.
void add_adapter_findings(reports::Report& report, const std::vector<AdapterFinding>& findings);

}  // namespace fti::adapter

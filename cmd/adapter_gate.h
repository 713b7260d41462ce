// fti gate with --adapter: a PEFT LoRA adapter on the base is the candidate
// (gate_with_adapter), or, with --candidate and no --policy, the question
// "is this merged checkpoint base + this adapter, up to rounding?"
// (run_adapter_merge_check). docs/ADAPTERS.md.
#pragma once

#include <cstdint>
#include <string>

#include "cmd/cli_support.h"
#include "cmd/model_loading.h"
#include "engine/gate/gate.h"
#include "policy/policy.h"
#include "reports/report.h"

namespace fti::cli {

// The adapter merged into `base` (in a temporary file under the cache, removed
// at once), gated like a candidate; the adapter's own checks against the
// policy (adapter.rank, adapter.frozen) are added to the report. The report's
// candidate describes the adapter's files.
reports::Report gate_with_adapter(const GlobalOptions& global, Cache& cache, const policy::Policy& policy,
                                  const LoadedModel& base, const std::string& adapter_source,
                                  const gate::GateOptions& options);

struct MergeCheckCommand {
  std::string base, adapter, candidate;
  std::uint64_t ulp_tolerance = 1;
  bool json = false, all = false;
  unsigned threads = 0;
};

// Exit 0 when every tensor of the candidate is within the tolerance of the
// exact merge, 1 otherwise.
int run_adapter_merge_check(const GlobalOptions& global, const MergeCheckCommand& command);

}  // namespace fti::cli

// Renderings of a merge check (merge_residual.h): a text table for people and
// a JSON document, schema "fti.adapter-check/v1" (docs/ADAPTERS.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/adapter/merge_residual.h"
#include "reports/report.h"

namespace fti::adapter {

inline constexpr std::string_view kMergeCheckSchema = "fti.adapter-check/v1";

struct MergeCheckReport {
  std::string fti_version;
  reports::ArtifactInfo base, adapter, candidate;
  const LoraConfig* config = nullptr;
  const AdapterPlan* plan = nullptr;
  MergeCheck check;
};

nlohmann::json to_json(const MergeCheckReport& report);
// Mismatching tensors and LoRA targets (every tensor with `all`), then the verdict.
std::string to_text(const MergeCheckReport& report, bool all = false);

}  // namespace fti::adapter

// Turns what the engine measured into the report model (reports/report.h).
#pragma once

#include <string>

#include "engine/analysis/drift_analysis.h"
#include "registry/checkpoint.h"
#include "registry/source.h"
#include "reports/report.h"

namespace fti::cli {

// Source, pinned form, files and their SHA-256 (hashing each file once).
reports::ArtifactInfo artifact_info(const std::string& source, const ResolvedSource& resolved,
                                    const Checkpoint& checkpoint);

// Figures of one tensor pair (no policy: rule, checks and verdict left empty).
reports::TensorReport tensor_report(const analysis::TensorDrift& drift);

}  // namespace fti::cli

// What the comparing verbs (diff, gate) share: resolving and opening the two
// checkpoints, describing them for reports, and the --threads limit.
#pragma once

#include <memory>
#include <string>

#include <oneapi/tbb/global_control.h>

#include "cmd/cli_support.h"
#include "registry/checkpoint.h"
#include "registry/source.h"
#include "reports/report.h"

namespace fti::cli {

struct LoadedModel {
  std::string source;  // as given on the command line
  ResolvedSource resolved;
  Checkpoint checkpoint;
};

// Resolves (fetching through the cache if needed) and opens a checkpoint.
LoadedModel load_model(const GlobalOptions& global, Cache& cache, const std::string& source);

// Source, pinned form, files and their SHA-256 (hashing each file once).
reports::ArtifactInfo artifact_info(const LoadedModel& model);

// Limits TBB to `threads` workers for the life of the result (0: all cores).
std::unique_ptr<tbb::global_control> limit_threads(unsigned threads);

}  // namespace fti::cli

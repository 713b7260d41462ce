#include "cmd/adapter_gate.h"

#include <fmt/core.h>

#include <atomic>
#include <unistd.h>

#include "engine/adapter/adapter_plan.h"
#include "engine/adapter/adapter_policy.h"
#include "engine/adapter/lora_merge.h"
#include "engine/adapter/merge_check_report.h"
#include "engine/adapter/merge_residual.h"
#include "registry/peft_adapter.h"

namespace fti::cli {
namespace {

namespace fs = std::filesystem;

LoadedAdapter open_adapter(const GlobalOptions& global, Cache& cache, const std::string& source) {
  return load_adapter(resolve_adapter(source, cache, resolve_options(global)), safetensors_limits(global));
}

// The adapter's files for reports: the config, then the weights.
reports::ArtifactInfo adapter_artifact(const LoadedAdapter& adapter) {
  reports::ArtifactInfo info;
  info.source = adapter.files.origin;
  info.resolved = adapter.files.pinned;
  std::error_code ec;
  info.files.push_back({std::string(kAdapterConfigFile), adapter.files.config_origin,
                        to_hex(sha256_file(adapter.files.config_path)),
                        static_cast<std::uint64_t>(fs::file_size(adapter.files.config_path, ec))});
  for (std::size_t i = 0; i < adapter.weights.file_count(); ++i) {
    info.files.push_back({adapter.weights.file_source(i).name, adapter.weights.file_source(i).origin,
                          to_hex(adapter.weights.file_sha256(i)), adapter.weights.file(i).file_size()});
  }
  return info;
}

// Writes the merged checkpoint to a fresh file in the cache's scratch
// directory, maps it and unlinks it: the mapping lives as long as the
// checkpoint, and nothing is left behind, even on an interrupt.
Checkpoint merged_checkpoint(Cache& cache, const GlobalOptions& global, const adapter::AdapterPlan& plan,
                             const Checkpoint& base, const Checkpoint& weights) {
  static std::atomic<unsigned> counter{0};
  const fs::path file = cache.temp_dir() / fmt::format("adapter-merge-{}-{}.safetensors", ::getpid(), counter++);
  adapter::write_merged_checkpoint(plan, base, weights, file);
  try {
    ModelFiles files;
    files.origin = "base + adapter";
    files.shards.push_back({"merged.safetensors", file, "base + adapter (merged)", std::nullopt});
    Checkpoint merged = Checkpoint::open(files, safetensors_limits(global));
    fs::remove(file);
    return merged;
  } catch (...) {
    std::error_code ec;
    fs::remove(file, ec);
    throw;
  }
}

}  // namespace

reports::Report gate_with_adapter(const GlobalOptions& global, Cache& cache, const policy::Policy& policy,
                                  const LoadedModel& base, const std::string& adapter_source,
                                  const gate::GateOptions& options) {
  const LoadedAdapter adapter = open_adapter(global, cache, adapter_source);
  const adapter::AdapterPlan plan = adapter::plan_adapter(adapter.config, adapter.weights, base.checkpoint);
  const std::vector<adapter::AdapterFinding> findings = adapter::check_adapter_policy(policy, plan);
  const Checkpoint merged = merged_checkpoint(cache, global, plan, base.checkpoint, adapter.weights);
  reports::Report report = gate::run_gate(policy, base.checkpoint, merged, options);
  adapter::add_adapter_findings(report, findings);
  report.candidate = adapter_artifact(adapter);
  report.candidate.source = base.source + " + adapter " + adapter_source;
  return report;
}

int run_adapter_merge_check(const GlobalOptions& global, const MergeCheckCommand& command) {
  const auto thread_limit = limit_threads(command.threads);
  Cache cache = open_cache(global);
  const LoadedModel base = load_model(global, cache, command.base);
  const LoadedAdapter adapter = open_adapter(global, cache, command.adapter);
  const LoadedModel candidate = load_model(global, cache, command.candidate);
  const adapter::AdapterPlan plan = adapter::plan_adapter(adapter.config, adapter.weights, base.checkpoint);

  adapter::MergeCheckReport report;
  report.fti_version = FTI_VERSION;
  report.base = artifact_info(base);
  report.adapter = adapter_artifact(adapter);
  report.candidate = artifact_info(candidate);
  report.config = &adapter.config;
  report.plan = &plan;
  report.check = adapter::check_merge(plan, base.checkpoint, adapter.weights, candidate.checkpoint,
                                      {command.ulp_tolerance});
  if (command.json) {
    fmt::print("{}\n", adapter::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", adapter::to_text(report, command.all));
  }
  return report.check.matches ? kExitCompliant : kExitViolation;
}

}  // namespace fti::cli

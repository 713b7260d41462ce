// fti diff --base B --candidate C: exact per-tensor drift statistics, no
// policy, for people choosing one.
#include <fmt/core.h>

#include "cmd/cli_support.h"
#include "cmd/model_loading.h"
#include "engine/analysis/drift_analysis.h"
#include "engine/gate/tensor_figures.h"
#include "reports/json_report.h"
#include "reports/report_files.h"
#include "reports/text_report.h"

namespace fti::cli {
namespace {

struct DiffOptions {
  std::string base, candidate, report_dir;
  bool json = false, all = false;
  unsigned rank = 0;
  unsigned threads = 0;
};

int run_diff(const GlobalOptions& global, const DiffOptions& options) {
  const auto thread_limit = limit_threads(options.threads);
  Cache cache = open_cache(global);
  const LoadedModel base = load_model(global, cache, options.base);
  const LoadedModel candidate = load_model(global, cache, options.candidate);

  analysis::DriftOptions drift_options;
  if (options.rank > 0) {
    // Every 2-D tensor as (rows, cols); higher ranks as (dim 0, the rest).
    drift_options.rank_request = [&](const analysis::TensorDrift& t) -> std::optional<analysis::RankRequest> {
      if (t.base_shape.size() < 2 || !t.stats || t.stats->changed == 0) return std::nullopt;
      analysis::RankRequest request;
      std::uint64_t cols = 1;
      for (std::size_t i = 1; i < t.base_shape.size(); ++i) cols *= t.base_shape[i];
      request.view = {t.base_shape[0], cols};
      request.options.max_rank = options.rank;
      return request;
    };
  }
  const analysis::DriftAnalysis drift = analysis::analyze_drift(base.checkpoint, candidate.checkpoint, drift_options);

  reports::Report report;
  report.kind = "diff";
  report.fti_version = FTI_VERSION;
  report.base = artifact_info(base);
  report.candidate = artifact_info(candidate);
  report.analysis_seconds = drift.seconds;
  for (const analysis::TensorDrift& t : drift.tensors) report.tensors.push_back(gate::tensor_figures(t));

  if (!options.report_dir.empty()) {
    reports::write_report_files(options.report_dir, reports::render_report_files(report));
  }
  if (options.json) {
    fmt::print("{}\n", reports::to_json(report).dump(2));
  } else {
    reports::TextOptions text;
    text.all_tensors = options.all;
    fmt::print("{}", reports::to_text(report, text));
  }
  return kExitCompliant;
}

}  // namespace

void register_diff(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand("diff", "Exact per-tensor drift statistics between two checkpoints");
  cmd->footer(
      "Figures per tensor: changed elements (bitwise), ||C-B||_F, ||C-B||_F/||B||_F and max|C-B|,\n"
      "computed exactly (norm comparisons are exact; printed values are rounded).\n\n"
      "Examples:\n"
      "  fti diff --base ./base --candidate ./finetuned\n"
      "  fti diff --base hf://org/base@<commit> --candidate out/ --json > drift.json\n"
      "  fti diff --base b.safetensors --candidate c.safetensors --rank 16   (residual beyond rank 16)\n");
  cmd->add_option("--base", options->base, "The trusted base checkpoint")->required();
  cmd->add_option("--candidate", options->candidate, "The fine-tuned candidate")->required();
  cmd->add_option("--report-dir", options->report_dir, "Also write the reports here (report.json, .txt, .md, .html), all or nothing");
  cmd->add_option("--rank", options->rank, "Also measure the residual beyond this rank for every changed matrix");
  cmd->add_flag("--json", options->json, "Print the JSON report instead of the table");
  cmd->add_flag("--all", options->all, "List unchanged tensors too");
  cmd->add_option("--threads", options->threads, "Worker threads (default: all cores)");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_diff(global, *options); };
  });
}

}  // namespace fti::cli

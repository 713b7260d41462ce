// fti policy suggest --base B --candidate C: the tightest policy an approved
// fine-tune satisfies, with a margin; then the gate confirms that the
// candidate passes it.
#include <fmt/core.h>

#include <filesystem>

#include "cmd/console.h"
#include "cmd/model_loading.h"
#include "engine/common/atomic_file.h"
#include "engine/common/error.h"
#include "engine/gate/gate.h"
#include "engine/gate/policy_suggestion.h"
#include "policy/diagnostic.h"
#include "policy/policy_number.h"
#include "policy/policy_parser.h"

namespace fti::cli {
namespace {

struct SuggestCommandOptions {
  std::string base, candidate, margin = "10%", preset, out;
  bool force = false;
  unsigned threads = 0;
};

double parse_margin(const std::string& text) {
  const policy::DecimalResult margin = policy::parse_decimal(text, true);
  if (!margin.value || *margin.value > 10) {
    throw Error(ErrorCode::kUsage, "--margin " + quote_untrusted(text) + ": expected a fraction or percentage such "
                                   "as 10% or 0.1 (at most 1000%)");
  }
  return *margin.value;
}

int run_suggest(const GlobalOptions& global, const SuggestCommandOptions& options) {
  gate::SuggestOptions suggest;
  suggest.margin = parse_margin(options.margin);
  if (!options.preset.empty()) {
    suggest.preset = policy::find_preset(options.preset);
    if (!suggest.preset) {
      throw Error(ErrorCode::kUsage, "unknown preset " + quote_untrusted(options.preset) + " (the presets are " +
                                         policy::join_alternatives(policy::preset_names()) + ")");
    }
  }
  if (!options.out.empty() && !options.force &&
      std::filesystem::exists(std::filesystem::symlink_status(options.out))) {
    throw Error(ErrorCode::kUsage, escape_untrusted(options.out, 400) + " exists; use --force to overwrite it");
  }
  const auto thread_limit = limit_threads(options.threads);
  Cache cache = open_cache(global);
  const LoadedModel base = load_model(global, cache, options.base);
  const LoadedModel candidate = load_model(global, cache, options.candidate);
  const analysis::DriftAnalysis drift =
      analysis::analyze_drift(base.checkpoint, candidate.checkpoint, gate::suggestion_drift_options(suggest));
  const gate::Suggestion suggestion = gate::suggest_policy(
      drift, suggest, {"base: " + escape_untrusted(options.base, 200), "candidate: " + escape_untrusted(options.candidate, 200)});
  if (!suggestion.problems.empty()) {
    for (const std::string& p : suggestion.problems) log_failure(escape_untrusted(p, 400));
    log_failure("no policy admits added, removed, reshaped or re-typed tensors; nothing written");
    return kExitViolation;
  }

  // Confirm: the suggestion must parse and the candidate must pass it (rank
  // residuals were estimated from a probe; the gate measures them again).
  const policy::Policy policy = policy::parse_policy(suggestion.yaml, "suggested policy");
  const reports::Report report = gate::run_gate(policy, base.checkpoint, candidate.checkpoint);
  if (report.verdict != reports::Verdict::kPass) {
    for (const reports::TensorReport& t : report.tensors) {
      for (const reports::Check& c : t.checks) {
        if (!c.pass) log_failure(fmt::format("{}: {}", escape_untrusted(t.name, 200), c.message));
      }
    }
    throw Error(ErrorCode::kInternal, "the suggested policy does not admit the candidate it was made from; "
                                      "try a larger --margin");
  }
  if (options.out.empty()) {
    fmt::print("{}", suggestion.yaml);
  } else {
    write_file_atomically(options.out, suggestion.yaml);
    log_info(fmt::format("wrote {}; the candidate passes it (confirmed by the gate)",
                         escape_untrusted(options.out, 400)));
  }
  return kExitCompliant;
}

}  // namespace

void register_policy_suggest(CLI::App& app, GlobalOptions& global, Action& action) {
  CLI::App* policy_cmd = app.get_subcommand("policy");
  auto options = std::make_shared<SuggestCommandOptions>();
  CLI::App* cmd = policy_cmd->add_subcommand(
      "suggest", "Write the tightest policy an approved candidate satisfies, with a margin");
  cmd->footer(
      "Unchanged tensors become frozen; each changed family of tensors (layer indices abstracted)\n"
      "gets its observed relative norm and max |Delta| times (1 + margin), a rank bound where the\n"
      "update is clearly low-rank, and a changed fraction where at most half the entries changed.\n"
      "The gate then confirms that the candidate passes the suggestion.\n\n"
      "Examples:\n"
      "  fti policy suggest --base ./base --candidate ./approved --margin 10% --out policy.yaml\n"
      "  fti policy suggest --base hf://org/base@<commit> --candidate out/ --preset llama\n");
  cmd->add_option("--base", options->base, "The trusted base checkpoint")->required();
  cmd->add_option("--candidate", options->candidate, "An approved fine-tune")->required();
  cmd->add_option("--margin", options->margin, "Head-room over the observed figures (default 10%)");
  cmd->add_option("--preset", options->preset, "Architecture preset the policy names (matrix views, groups)");
  cmd->add_option("--out", options->out, "Write the policy here (default: stdout)");
  cmd->add_flag("--force", options->force, "Overwrite --out if it exists");
  cmd->add_option("--threads", options->threads, "Worker threads (default: all cores)");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_suggest(global, *options); };
  });
}

}  // namespace fti::cli

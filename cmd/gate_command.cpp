// fti gate --policy P --base B --candidate C: the verdict a pipeline acts on.
// Exit 0 when the candidate complies, 1 when it violates the policy; the
// report says which tensor broke which rule, on which policy line, by how much.
#include <fmt/core.h>

#include "cmd/adapter_gate.h"
#include "cmd/attestation_output.h"
#include "cmd/model_loading.h"
#include "engine/common/error.h"
#include "engine/gate/gate.h"
#include "policy/policy_parser.h"
#include "reports/json_report.h"
#include "reports/report_files.h"
#include "reports/text_report.h"

namespace fti::cli {
namespace {

struct GateCommandOptions {
  std::string policy, base, candidate, report_dir;
  std::string adapter;  // a PEFT LoRA adapter: base + adapter is the candidate (cmd/adapter_gate.h)
  std::uint64_t ulp_tolerance = 1;
  bool json = false, all = false;
  unsigned threads = 0;
  double rank_tolerance = analysis::RankOptions{}.rank_tolerance;
  AttestOptions attest;
};

// Parses the policy, printing every diagnostic; exit 2 on errors.
policy::Policy load_policy(const std::string& file, bool quiet) {
  policy::PolicyCheck check = policy::check_policy_file(file);
  for (const policy::Diagnostic& d : check.diagnostics) {
    if (d.severity == policy::Severity::kError || !quiet) {
      fmt::print(stderr, "{}\n", policy::format_diagnostic(check.file_name, d));
    }
  }
  if (!check.ok()) {
    throw Error(ErrorCode::kPolicy, escape_untrusted(check.file_name, 400) + ": invalid policy (" +
                                        std::to_string(check.error_count()) + " errors); see `fti policy check`");
  }
  return std::move(*check.policy);
}

int run_gate_command(const GlobalOptions& global, const GateCommandOptions& options) {
  if (!options.adapter.empty() && options.policy.empty()) {
    if (options.candidate.empty() || !options.report_dir.empty() || !options.attest.out.empty()) {
      throw Error(ErrorCode::kUsage, "gate --adapter: give --policy to gate base + adapter, or --candidate "
                                     "(without --policy, --report-dir or --attestation) to check a merged checkpoint");
    }
    return run_adapter_merge_check(global, {options.base, options.adapter, options.candidate,
                                            options.ulp_tolerance, options.json, options.all, options.threads});
  }
  if (options.policy.empty()) throw Error(ErrorCode::kUsage, "gate: --policy is required");
  if (options.adapter.empty() == options.candidate.empty()) {
    throw Error(ErrorCode::kUsage, options.adapter.empty() ? "gate: --candidate (or --adapter) is required"
                                                           : "gate: --policy with --adapter gates base + adapter; "
                                                             "check a merged --candidate without --policy");
  }
  // The policy first: a broken policy should fail before any download.
  const policy::Policy policy = load_policy(options.policy, global.quiet);
  const AttestationWriter attestation(options.attest);  // a bad key fails before any download
  const auto thread_limit = limit_threads(options.threads);
  Cache cache = open_cache(global);
  const LoadedModel base = load_model(global, cache, options.base);

  gate::GateOptions gate_options;
  gate_options.rank.rank_tolerance = options.rank_tolerance;
  reports::Report report;
  if (!options.adapter.empty()) {
    report = gate_with_adapter(global, cache, policy, base, options.adapter, gate_options);
  } else {
    const LoadedModel candidate = load_model(global, cache, options.candidate);
    report = gate::run_gate(policy, base.checkpoint, candidate.checkpoint, gate_options);
    report.candidate = artifact_info(candidate);
  }
  report.fti_version = FTI_VERSION;
  report.base = artifact_info(base);

  reports::RenderedFiles rendered;
  if (!options.report_dir.empty() || attestation.wanted()) rendered = reports::render_report_files(report);
  if (!options.report_dir.empty()) reports::write_report_files(options.report_dir, rendered);
  if (attestation.wanted()) {
    attest::DriftAttestation statement = attestation_for("gate", report);
    add_report_digest(statement, rendered);
    attestation.write(statement, global.quiet);
  }
  if (options.json) {
    fmt::print("{}\n", reports::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    reports::TextOptions text;
    text.all_tensors = options.all;
    fmt::print("{}", reports::to_text(report, text));
  }
  return report.verdict == reports::Verdict::kPass ? kExitCompliant : kExitViolation;
}

}  // namespace

void register_gate(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<GateCommandOptions>();
  CLI::App* cmd = app.add_subcommand("gate", "Check a candidate against a drift policy relative to its base");
  cmd->footer(
      "Exit codes: 0 compliant, 1 policy violation, 2 usage or policy error, 3 input error.\n"
      "Every tensor is checked against the first rule that matches it (or the policy's default);\n"
      "added, removed, reshaped or re-typed tensors are always violations. Norm, max-abs and\n"
      "sparsity decisions are exact; rank residuals pass only with their error bound included.\n\n"
      "Examples:\n"
      "  fti gate --policy policy.yaml --base ./base --candidate ./finetuned\n"
      "  fti gate --policy policy.yaml --base hf://org/base@<commit> --candidate out/ --report-dir reports/\n"
      "  fti gate --policy policy.yaml --base b.tar.zst --candidate https://host/c.safetensors --json\n"
      "  fti gate --policy policy.yaml --base ./base --adapter ./lora-adapter   (base + PEFT LoRA adapter)\n"
      "  fti gate --base ./base --adapter ./lora-adapter --candidate ./merged   (is merged = base + adapter?)\n"
      "  fti gate --policy policy.yaml --base ./base --candidate ./ft --attest-key key.pem --attestation ft.intoto.jsonl\n"
      "  fti policy init --preset llama --out policy.yaml   (a starting point)\n");
  cmd->add_option("--policy", options->policy, "The drift policy (YAML, see docs/POLICY.md)");
  cmd->add_option("--base", options->base, "The trusted base checkpoint")->required();
  cmd->add_option("--candidate", options->candidate, "The fine-tuned candidate");
  cmd->add_option("--adapter", options->adapter,
                  "A PEFT LoRA adapter (directory, archive or hf://): with --policy, gate base + adapter; "
                  "with --candidate, check that the candidate is base + adapter (docs/ADAPTERS.md)");
  cmd->add_option("--ulp-tolerance", options->ulp_tolerance,
                  "With --adapter --candidate: largest distance, in ulps of the dtype, from the exact merge "
                  "(default 1)");
  cmd->add_option("--report-dir", options->report_dir,
                  "Also write the reports here (report.json, report.txt, ...), all or nothing");
  cmd->add_flag("--json", options->json, "Print the JSON report instead of the table");
  cmd->add_flag("--all", options->all, "List unchanged, passing tensors too");
  cmd->add_option("--threads", options->threads, "Worker threads (default: all cores)");
  cmd->add_option("--rank-tolerance", options->rank_tolerance,
                  "Numerical rank counts singular values above this fraction of the largest (rank rules "
                  "without a residual bound)")
      ->check(CLI::Range(1e-12, 1.0));
  add_attest_options(*cmd, options->attest);
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_gate_command(global, *options); };
  });
}

}  // namespace fti::cli

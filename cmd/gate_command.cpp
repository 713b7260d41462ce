// fti gate --policy P --base B --candidate C: the verdict a pipeline acts on.
// Exit 0 when the candidate complies, 1 when it violates the policy; the
// report says which tensor broke which rule, on which policy line, by how much.
#include <fmt/core.h>

#include <cstdio>
#include <optional>

#include "cmd/adapter_gate.h"
#include "cmd/attestation_output.h"
#include "cmd/certificate_writer.h"
#include "cmd/console.h"
#include "cmd/model_loading.h"
#include "engine/common/error.h"
#include "engine/gate/gate.h"
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
  // --certify: also the certificate `fti prove` would write for these inputs.
  std::string certify_out, base_commitment;
  bool allow_partial = false;
};

// The gate's verdict first (printed before proving, which takes longer);
// a certificate only for a compliant candidate. Exit 0 when written, else
// the prover's code (1 violation, 2 uncertifiable rules).
int certify_after_gate(const reports::Report& report, const policy::Policy& policy, const std::string& policy_file,
                       const LoadedModel& base, const LoadedModel& candidate, const CertifyRequest& request,
                       std::optional<certify::ProveResult>& proven) {
  if (report.verdict != reports::Verdict::kPass) {
    log_failure(fmt::format("the verdict is BLOCKED; no certificate written to {}", request.out));
    return kExitViolation;
  }
  CertifyOutcome outcome = prove_and_write_certificate(policy, base, candidate, request);
  if (!outcome.written()) return outcome.exit_code;
  const certify::ProveResult& r = outcome.result;
  log_info(fmt::format("wrote certificate {} ({} bytes); check it with: fti verify {} --policy {}", request.out,
                       r.certificate.size(), request.out, policy_file),
           {{"certificate", request.out},
            {"bytes", r.certificate.size()},
            {"base_root", to_hex(r.base.root)},
            {"candidate_root", to_hex(r.candidate.root)}});
  proven = std::move(outcome.result);
  return kExitCompliant;
}

int run_gate_command(const GlobalOptions& global, const GateCommandOptions& options) {
  if (!options.adapter.empty() && options.policy.empty()) {
    if (options.candidate.empty() || !options.report_dir.empty() || !options.attest.out.empty() ||
        !options.certify_out.empty()) {
      throw Error(ErrorCode::kUsage, "gate --adapter: give --policy to gate base + adapter, or --candidate "
                                     "(without --policy, --report-dir, --attestation or --certify) to check a "
                                     "merged checkpoint");
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
  if (!options.certify_out.empty() && !options.adapter.empty()) {
    throw Error(ErrorCode::kUsage, "gate --certify: certificates are about a --candidate checkpoint; merge the "
                                   "adapter first (--adapter cannot be certified)");
  }
  // The policy first: a broken policy should fail before any download.
  const policy::Policy policy = load_policy_file(options.policy);
  const AttestationWriter attestation(options.attest);  // a bad key fails before any download
  const CertifyRequest certify_request{options.certify_out, read_base_commitment(options.base_commitment),
                                       options.allow_partial};
  const auto thread_limit = limit_threads(options.threads);
  Cache cache = open_cache(global);
  const LoadedModel base = load_model(global, cache, options.base);

  gate::GateOptions gate_options;
  gate_options.rank.rank_tolerance = options.rank_tolerance;
  reports::Report report;
  std::optional<LoadedModel> candidate;
  if (!options.adapter.empty()) {
    report = gate_with_adapter(global, cache, policy, base, options.adapter, gate_options);
  } else {
    candidate = load_model(global, cache, options.candidate);
    report = gate::run_gate(policy, base.checkpoint, candidate->checkpoint, gate_options);
    report.candidate = artifact_info(*candidate);
  }
  report.fti_version = FTI_VERSION;
  report.base = artifact_info(base);

  reports::RenderedFiles rendered;
  if (!options.report_dir.empty() || attestation.wanted()) rendered = reports::render_report_files(report);
  if (!options.report_dir.empty()) reports::write_report_files(options.report_dir, rendered);
  if (options.json) {
    fmt::print("{}\n", reports::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    reports::TextOptions text;
    text.all_tensors = options.all;
    text.colour = console().colour_stdout;
    fmt::print("{}", reports::to_text(report, text));
  }
  std::fflush(stdout);  // the verdict is on screen before a long proof
  int exit_code = report.verdict == reports::Verdict::kPass ? kExitCompliant : kExitViolation;
  std::optional<certify::ProveResult> proven;
  if (!options.certify_out.empty()) {
    exit_code = certify_after_gate(report, policy, options.policy, base, *candidate, certify_request, proven);
  }
  if (attestation.wanted()) {
    attest::DriftAttestation statement = attestation_for("gate", report);
    add_report_digest(statement, rendered);
    if (proven) {
      add_certificate(statement, options.certify_out, proven->certificate, proven->base.root, proven->candidate.root);
    }
    attestation.write(statement);
  }
  return exit_code;
}

}  // namespace

void register_gate(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<GateCommandOptions>();
  CLI::App* cmd = app.add_subcommand("gate", "Check a candidate against a drift policy relative to its base");
  cmd->footer(
      "Exit codes: 0 compliant, 1 policy violation, 2 usage or policy error, 3 input error.\n"
      "With --certify: 0 only when the certificate is written; a BLOCKED verdict writes none (exit 1),\n"
      "nor does a prover refusal (1) or a rule that cannot be certified yet (2, see --allow-partial).\n"
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
      "  fti gate --policy policy.yaml --base ./base --candidate ./ft --certify ft.fticert   (gate, then prove)\n"
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
  CLI::Option* certify = cmd->add_option(
      "--certify", options->certify_out,
      "On a compliant verdict, also prove it: write the certificate fti prove would write (fti.certificate/v1)");
  cmd->add_option("--base-commitment", options->base_commitment,
                  "With --certify: reuse this base commitment file (fti commit --out) instead of recomputing it")
      ->needs(certify);
  cmd->add_flag("--allow-partial", options->allow_partial,
                "With --certify: certify the rules that can be certified; list the others as not certified")
      ->needs(certify);
  add_attest_options(*cmd, options->attest);
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_gate_command(global, *options); };
  });
}

}  // namespace fti::cli

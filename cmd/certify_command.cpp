// fti prove / fti verify: drift certificates (docs/PROTOCOL.md section 10.4).
//
// `fti prove --base B --candidate C --policy P --out CERT` commits both
// models (the candidate at the base's scales), proves every certifiable rule
// of the policy and writes the certificate atomically; it refuses (exit 1) a
// candidate that violates a certified rule and (exit 2) a policy with rules
// it cannot certify yet unless --allow-partial. `fti verify CERT --policy P`
// reads no weights: exit 0 valid, 4 invalid (one line naming the check), 2
// usage or policy errors, 3 unreadable input. A directory verifies every
// *.fticert in it (auditor mode).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "cmd/attestation_output.h"
#include "cmd/certificate_writer.h"
#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "cmd/model_loading.h"
#include "engine/certify/certify.h"
#include "engine/commitment/commitment_file.h"
#include "engine/common/atomic_file.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "engine/common/terminal.h"
#include "engine/common/text.h"
#include "policy/canonical.h"
#include "policy/policy_parser.h"

namespace fti::cli {
namespace {

struct ProveCommandOptions {
  std::string base, candidate, policy, out, base_commitment;
  bool allow_partial = false;
  unsigned threads = 0;
  AttestOptions attest;
};

struct VerifyCommandOptions {
  std::string certificate, policy, report_dir, against, base_commitment, base_root;
  bool json = false;
};

// The registered base an auditor trusts: the certificate carries the base's
// commitment, and its proofs speak of that commitment, so without this check
// a certificate issued against some other "base" would verify (soundness
// review, finding 4). nullopt when neither option is given.
std::optional<Sha256Digest> trusted_base_root(const VerifyCommandOptions& options) {
  if (!options.base_root.empty()) {
    const auto root = parse_hex_digest<32>(options.base_root);
    if (!root) throw Error(ErrorCode::kUsage, "verify: --base-root must be 64 hex digits (a commitment root)");
    return root;
  }
  if (!options.base_commitment.empty()) return commitment::read_commitment_file(options.base_commitment).root;
  return std::nullopt;
}

void check_trusted_base(const std::optional<Sha256Digest>& trusted, certify::VerifyReport& r) {
  if (!trusted || !r.valid() || r.certificate.base.root == *trusted) return;
  r.failure = {"base", fmt::format("the certificate's base (root {}) is not the trusted base (root {})",
                                   to_hex(r.certificate.base.root), to_hex(*trusted))};
}

int run_prove(const GlobalOptions& global, const ProveCommandOptions& options) {
  const policy::Policy policy = load_policy_file(options.policy);
  const AttestationWriter attestation(options.attest);  // a bad key fails before any work
  const auto thread_limit = limit_threads(options.threads);
  const CertifyRequest request{options.out, read_base_commitment(options.base_commitment), options.allow_partial};
  Cache cache = open_cache(global);
  const LoadedModel base = load_model(global, cache, options.base);
  const LoadedModel candidate = load_model(global, cache, options.candidate);
  const CertifyOutcome outcome = prove_and_write_certificate(policy, base, candidate, request);
  if (!outcome.written()) return outcome.exit_code;
  const certify::ProveResult& r = outcome.result;
  if (attestation.wanted()) {
    attestation.write(prove_attestation(artifact_info(base), artifact_info(candidate), policy::policy_digest(policy),
                                        options.out, r.certificate, r.base.root, r.candidate.root));
  }
  if (!global.quiet) {
    fmt::print("base:         {} (root {})\n", options.base, to_hex(r.base.root));
    fmt::print("candidate:    {} (root {})\n", options.candidate, to_hex(r.candidate.root));
    fmt::print("parameters:   {}\n", params_text(r.base.params));
    fmt::print("time:         commit {:.2f} s, prove {:.2f} s\n", r.commit_seconds, r.prove_seconds);
    fmt::print("wrote:        {} ({} bytes)\n", options.out, r.certificate.size());
  }
  return kExitCompliant;
}

std::string bound_text(const certify::TensorFinding& f) {
  std::string s;
  if (f.absolute_bound) s += fmt::format("||D||_F <= {}", *f.absolute_bound);
  if (f.relative_bound) s += fmt::format("{}||D||/||B|| <= {}", s.empty() ? "" : ", ", *f.relative_bound);
  return s;
}

nlohmann::json report_json(const std::string& path, const certify::VerifyReport& r) {
  nlohmann::json j;
  j["kind"] = "certificate";
  j["certificate"] = path;
  j["valid"] = r.valid();
  j["bytes"] = r.certificate_bytes;
  j["seconds"] = r.seconds;
  if (!r.valid()) {
    j["check"] = r.failure.check;
    j["reason"] = r.failure.reason;
    return j;
  }
  const certify::Certificate& c = r.certificate;
  j["protocol"] = std::string(certify::kCertificateProtocolId);
  j["policy_sha256"] = to_hex(c.policy_digest);
  j["base_root"] = to_hex(c.base.root);
  j["candidate_root"] = to_hex(c.candidate.root);
  j["partial"] = r.partial;
  j["semantics"] = "figures and bounds are those of the committed fixed-point encodings (docs/PROTOCOL.md 9.2.3)";
  j["tensors"] = nlohmann::json::array();
  for (const certify::TensorFinding& f : r.tensors) {
    nlohmann::json t = {{"name", f.name}, {"rule", f.rule}, {"claim", f.claim}, {"verdict", "proven"}};
    if (f.claim.starts_with("frobenius")) {
      t["frobenius"] = f.norm;
      t["delta_squares"] = fmt::format("{}", static_cast<double>(f.delta_squares));
      t["scale"] = f.scale;
      if (f.absolute_bound) t["absolute_bound"] = *f.absolute_bound;
      if (f.relative_bound) {
        t["relative"] = f.relative;
        t["relative_bound"] = *f.relative_bound;
      }
    }
    if (f.rank) {
      const certify::RankFinding& k = *f.rank;
      nlohmann::json rank = {{"max_rank", k.max_rank},
                             {"residual", k.residual},
                             {"residual_squares", fmt::format("{}", static_cast<double>(k.residual_squares))},
                             {"factor_bits", k.factor_bits},
                             {"shift", k.shift},
                             {"verdict", "proven"}};
      if (k.heads != 0) {
        rank["heads"] = k.heads;
        rank["head_side"] = k.head_side;
      }
      if (k.absolute_bound) rank["absolute_bound"] = *k.absolute_bound;
      if (k.relative_bound) {
        rank["relative"] = k.relative;
        rank["relative_bound"] = *k.relative_bound;
      }
      t["rank"] = rank;
      t["scale"] = f.scale;
    }
    if (f.entry) {
      const certify::EntryFinding& e = *f.entry;
      if (e.max_abs_bound) t["max_abs"] = {{"bound", *e.max_abs_bound}, {"verdict", "proven"}};
      if (e.changed) {
        nlohmann::json changed = {{"count", *e.changed}, {"rounded", e.slack}, {"verdict", "proven"}};
        if (e.max_changed) changed["bound"] = *e.max_changed;
        t["changed"] = changed;
      }
      t["scale"] = f.scale;
    }
    if (!f.uncovered.empty()) t["not_certified"] = f.uncovered;
    j["tensors"].push_back(t);
  }
  j["budgets"] = nlohmann::json::array();
  for (const certify::BudgetFinding& b : r.budgets) {
    nlohmann::json x = {{"name", b.name}, {"kind", b.kind}, {"tensors", b.tensors}, {"verdict", "proven"}};
    if (b.kind == "norm") {
      x["frobenius"] = b.norm;
      if (b.absolute_bound) x["absolute_bound"] = *b.absolute_bound;
      if (b.relative_bound) {
        x["relative"] = b.relative;
        x["relative_bound"] = *b.relative_bound;
      }
    } else {
      x["changed"] = b.changed;
      x["max_changed"] = b.max_changed;
    }
    j["budgets"].push_back(x);
  }
  j["not_certified"] = nlohmann::json::array();
  for (const certify::Uncovered& u : c.statement.uncovered) {
    j["not_certified"].push_back({{"rule", u.rule}, {"class", u.what}, {"tensors", u.tensors}});
  }
  return j;
}

void print_report(const std::string& path, const certify::VerifyReport& r) {
  const certify::Certificate& c = r.certificate;
  fmt::print("certificate:  {} ({} bytes)\n", path, r.certificate_bytes);
  fmt::print("protocol:     {}, {}\n", certify::kCertificateProtocolId, params_text(c.params));
  fmt::print("policy:       sha256 {}\n", to_hex(c.policy_digest));
  fmt::print("base:         root {}\n", to_hex(c.base.root));
  fmt::print("candidate:    root {}\n", to_hex(c.candidate.root));
  fmt::print("  {:<44} {:<20} {:<28} {:>12}  {:<34} {}\n", "TENSOR", "RULE", "CLAIM", "PROVEN", "BOUND", "VERDICT");
  for (const certify::TensorFinding& f : r.tensors) {
    std::string proven;
    if (f.claim.starts_with("frobenius")) {
      proven = f.relative_bound ? fmt::format("{:.4g} ({:.3g}x)", f.norm, f.relative) : fmt::format("{:.4g}", f.norm);
    } else if (f.claim == "frozen") {
      proven = "bit-identical";
    } else {
      proven = "-";
    }
    std::string verdict = "proven";
    if (!f.uncovered.empty()) {
      verdict += " (not certified: ";
      for (std::size_t i = 0; i < f.uncovered.size(); ++i) verdict += (i ? ", " : "") + f.uncovered[i];
      verdict += ")";
    }
    fmt::print("  {:<44} {:<20} {:<28} {:>12}  {:<34} {}\n", escape_untrusted(f.name, 44), escape_untrusted(f.rule, 20),
               f.claim, proven, bound_text(f), verdict);
  }
  bool rank_header = false;
  for (const certify::TensorFinding& f : r.tensors) {
    if (!f.rank) continue;
    const certify::RankFinding& k = *f.rank;
    if (!rank_header) {
      fmt::print("  {:<44} {:<20} {:>5}  {:<26} {:<30} {}\n", "RANK TENSOR", "RULE", "R", "RESIDUAL ||E||_F", "BOUND",
                 "VERDICT");
      rank_header = true;
    }
    const std::string residual =
        k.relative_bound ? fmt::format("{:.4g} ({:.3g}x ||B||)", k.residual, k.relative) : fmt::format("{:.4g}", k.residual);
    std::string bound;
    if (k.absolute_bound) bound += fmt::format("||E||_F <= {}", *k.absolute_bound);
    if (k.relative_bound) bound += fmt::format("{}||E||/||B|| <= {}", bound.empty() ? "" : ", ", *k.relative_bound);
    const std::string heads = k.heads != 0 ? fmt::format(", per head: {} blocks of {}", k.heads, k.head_side) : "";
    fmt::print("  {:<44} {:<20} {:>5}  {:<26} {:<30} proven (bu {}, t {}{})\n", escape_untrusted(f.name, 44),
               escape_untrusted(f.rule, 20), k.max_rank, residual, bound, k.factor_bits, k.shift, heads);
  }
  bool entry_header = false;
  for (const certify::TensorFinding& f : r.tensors) {
    if (!f.entry) continue;
    const certify::EntryFinding& e = *f.entry;
    if (!entry_header) {
      fmt::print("  {:<44} {:<20} {:<20} {:<30} {}\n", "ENTRY TENSOR", "RULE", "MAX |DELTA|", "CHANGED ENTRIES",
                 "VERDICT");
      entry_header = true;
    }
    const std::string max_abs = e.max_abs_bound ? fmt::format("<= {:.4g}", *e.max_abs_bound) : "-";
    std::string changed = "-";
    if (e.changed) {
      changed = e.slack ? fmt::format("<= {} + {} rounded", *e.changed, e.slack) : fmt::format("<= {}", *e.changed);
      if (e.max_changed) changed += fmt::format(" (bound {})", *e.max_changed);
    }
    fmt::print("  {:<44} {:<20} {:<20} {:<30} proven\n", escape_untrusted(f.name, 44), escape_untrusted(f.rule, 20),
               max_abs, changed);
  }
  for (const certify::BudgetFinding& b : r.budgets) {
    if (b.kind == "norm") {
      std::string bound;
      if (b.absolute_bound) bound += fmt::format("||D||_F <= {}", *b.absolute_bound);
      if (b.relative_bound) bound += fmt::format("{}||D||/||B|| <= {}", bound.empty() ? "" : ", ", *b.relative_bound);
      fmt::print("budget {} ({} tensors): total ||Delta||_F = {:.4g}{}; {}: proven\n", escape_untrusted(b.name, 80),
                 b.tensors, b.norm, b.relative_bound ? fmt::format(" ({:.3g}x ||B||)", b.relative) : "", bound);
    } else {
      fmt::print("budget {} ({} tensors): {} changed entries (rounded values included) <= {}: proven\n",
                 escape_untrusted(b.name, 80), b.tensors, b.changed, b.max_changed);
    }
  }
  for (const certify::Uncovered& u : c.statement.uncovered) {
    fmt::print("not certified: rule {} ({}, {} tensors)\n", escape_untrusted(u.rule, 80), u.what, u.tensors);
  }
  std::uint64_t inexact_b = 0, inexact_c = 0;
  for (const auto& t : c.base.tensors) inexact_b += t.inexact;
  for (const auto& t : c.candidate.tensors) inexact_c += t.inexact;
  fmt::print("note: figures are those of the committed 24-bit fixed-point encodings (docs/PROTOCOL.md 9.2.3);\n"
             "      values below a tensor's exact range are rounded (base {} values, candidate {} values rounded).\n",
             inexact_b, inexact_c);
  fmt::print("verdict: {}{} ({:.1f} ms)\n", paint("VALID", Colour::kGreen, console().colour_stdout),
             r.partial ? fmt::format(" (PARTIAL: {} rule classes not certified)", c.statement.uncovered.size()) : "",
             r.seconds * 1e3);
}

int verify_directory(const VerifyCommandOptions& options, const policy::Policy& policy,
                     const std::optional<Sha256Digest>& trusted) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(options.certificate)) {
    if (entry.is_regular_file() && entry.path().extension() == ".fticert") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(ErrorCode::kIo, "no *.fticert files in " + options.certificate);
  bool all_valid = true;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& file : files) {
    certify::VerifyReport r;
    try {
      r = certify::verify_certificate(certify::read_certificate_file(file), policy);
      check_trusted_base(trusted, r);
    } catch (const Error& e) {
      r.failure = {"read", e.what()};
    }
    all_valid = all_valid && r.valid();
    if (options.json) {
      all.push_back(report_json(file.string(), r));
    } else if (r.valid()) {
      fmt::print("{}: valid{}\n", file.string(), r.partial ? " (partial)" : "");
    } else {
      fmt::print("{}: {}\n", file.string(), certify::failure_line(r.failure));
    }
  }
  if (options.json) fmt::print("{}\n", all.dump(2));
  if (!options.report_dir.empty()) {
    std::filesystem::create_directories(options.report_dir);
    write_file_atomically(std::filesystem::path(options.report_dir) / "report.json", all.dump(2) + "\n");
  }
  return all_valid ? kExitCompliant : kExitCertificateInvalid;
}

int run_verify(const GlobalOptions& global, const VerifyCommandOptions& options) {
  const policy::Policy policy = load_policy_file(options.policy);
  if (std::filesystem::is_directory(options.certificate)) {
    if (!options.against.empty()) throw Error(ErrorCode::kUsage, "verify: --against needs one certificate, not a directory");
    return verify_directory(options, policy, trusted_base_root(options));
  }
  const std::vector<std::uint8_t> bytes = certify::read_certificate_file(options.certificate);
  certify::VerifyReport r = certify::verify_certificate(bytes, policy);
  check_trusted_base(trusted_base_root(options), r);
  if (r.valid() && !options.against.empty()) {
    Cache cache = open_cache(global);
    const LoadedModel model = load_model(global, cache, options.against);
    try {
      const commitment::ModelCommitment again = commitment::commit_model(
          model.checkpoint, commitment::options_to_reproduce(r.certificate.candidate));
      if (const auto d = commitment::first_difference(r.certificate.candidate, again)) {
        r.failure = {"against", fmt::format("{} is not the certified candidate: {}", options.against, d->message)};
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInput) throw;
      r.failure = {"against", fmt::format("{} is not the certified candidate: {}", options.against, e.what())};
    }
  }
  const nlohmann::json j = report_json(options.certificate, r);
  if (!options.report_dir.empty()) {
    std::filesystem::create_directories(options.report_dir);
    write_file_atomically(std::filesystem::path(options.report_dir) / "report.json", j.dump(2) + "\n");
  }
  if (options.json) {
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (r.valid()) {
    print_report(options.certificate, r);
  }
  if (!r.valid()) {
    log_failure(fmt::format("{}: {}", options.certificate, certify::failure_line(r.failure)),
                {{"check", r.failure.check}, {"reason", r.failure.reason}});
    return kExitCertificateInvalid;
  }
  return kExitCompliant;
}

}  // namespace

void register_prove(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<ProveCommandOptions>();
  CLI::App* cmd = app.add_subcommand("prove", "Certify that a candidate complies with a drift policy");
  cmd->footer(
      "Exit codes: 0 certificate written, 1 the candidate violates a certified rule (no certificate),\n"
      "2 usage or policy error, or a rule that cannot be certified yet (sparsity, max_abs, budgets,\n"
      "rank without residual or per head) without --allow-partial, 3 input error. Certifies frozen,\n"
      "allow, Frobenius-norm and rank-with-residual rules (docs/PROTOCOL.md section 10.4) with the\n"
      "proven Basefold parameters.\n\n"
      "Examples:\n"
      "  fti prove --base ./base --candidate ./finetuned --policy policy.yaml --out model.fticert\n"
      "  fti commit ./base --out base.fticommit\n"
      "  fti prove --base ./base --base-commitment base.fticommit --candidate ./ft --policy p.yaml --out c.fticert\n");
  cmd->add_option("--base", options->base, "The trusted base checkpoint")->required();
  cmd->add_option("--candidate", options->candidate, "The fine-tuned candidate")->required();
  cmd->add_option("--policy", options->policy, "The drift policy (YAML)")->required();
  cmd->add_option("--out", options->out, "Where to write the certificate (fti.certificate/v1)")->required();
  cmd->add_option("--base-commitment", options->base_commitment,
                  "Reuse this base commitment file (fti commit --out) instead of recomputing it");
  cmd->add_flag("--allow-partial", options->allow_partial,
                "Certify the rules that can be certified; list the others as not certified");
  cmd->add_option("--threads", options->threads, "Worker threads (default: all cores)");
  add_attest_options(*cmd, options->attest);
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_prove(global, *options); };
  });
}

void register_verify(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<VerifyCommandOptions>();
  CLI::App* cmd = app.add_subcommand("verify", "Verify a drift certificate (no weights needed)");
  cmd->footer(
      "Exit codes: 0 valid, 4 invalid (one line naming the failed check), 2 usage or policy error,\n"
      "3 unreadable input. A directory verifies every *.fticert in it, one line per file.\n\n"
      "Examples:\n"
      "  fti verify model.fticert --policy policy.yaml\n"
      "  fti verify model.fticert --policy policy.yaml --against ./finetuned\n"
      "  fti verify certs/ --policy policy.yaml --base-commitment base.fticommit\n"
      "Without --base-commitment or --base-root the certificate's own base commitment is taken as\n"
      "given: compare its root (printed) with the registered base's.\n");
  cmd->add_option("certificate", options->certificate, "Certificate file, or a directory of *.fticert")->required();
  cmd->add_option("--policy", options->policy, "The policy the certificate must have been issued under")->required();
  cmd->add_flag("--json", options->json, "Machine-readable output");
  cmd->add_option("--report-dir", options->report_dir, "Also write report.json here");
  cmd->add_option("--against", options->against,
                  "Also recompute the candidate's commitment from these files and require it equal");
  cmd->add_option("--base-commitment", options->base_commitment,
                  "Require the certificate's base to be this commitment (fti commit --out of the registered base)");
  cmd->add_option("--base-root", options->base_root,
                  "Require the certificate's base commitment root to be this (64 hex digits)")
      ->excludes("--base-commitment");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_verify(global, *options); };
  });
}

}  // namespace fti::cli

// fti verify-attestation ENVELOPE --pubkey PUB.pem [--subject FILE...]
// [--policy P] [--require-compliant]: checks an attestation written by
// `fti gate/prove --attestation` (docs/ATTESTATIONS.md). Exit 0 valid,
// 4 invalid (one line naming the check), 2 usage or policy error, 3 unreadable.
#include <fmt/core.h>

#include <fstream>
#include <iterator>

#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "engine/attest/signing_key.h"
#include "engine/attest/verify_attestation.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "policy/canonical.h"
#include "policy/diagnostic.h"
#include "policy/policy_parser.h"

namespace fti::cli {
namespace {

struct VerifyAttestationOptions {
  std::string envelope, pubkey, policy;
  std::vector<std::string> subjects;
  bool require_compliant = false;
};

constexpr std::size_t kMaxEnvelopeBytes = 64u << 20;

std::string read_envelope(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read " + escape_untrusted(path));
  std::string text;
  text.resize(kMaxEnvelopeBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read " + escape_untrusted(path));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxEnvelopeBytes) throw Error(ErrorCode::kLimit, escape_untrusted(path) + ": over 64 MiB");
  return text;
}

std::string policy_sha256(const std::string& file) {
  return to_hex(policy::policy_digest(load_policy_file(file)));
}

int run_verify_attestation(const GlobalOptions& global, const VerifyAttestationOptions& options) {
  // Usage and unreadable inputs first (exit 2, 3), then the checks (exit 4).
  const attest::VerifyingKey key = attest::VerifyingKey::from_pem_file(options.pubkey);
  const std::string expected_policy = options.policy.empty() ? "" : policy_sha256(options.policy);
  const std::string text = read_envelope(options.envelope);
  try {
    const attest::VerifiedAttestation v = attest::verify_attestation(text, options.envelope, key);
    for (const std::string& file : options.subjects) attest::check_subject_file(v.statement, file);
    if (!expected_policy.empty()) attest::check_policy_digest(v.statement, expected_policy);
    if (options.require_compliant && v.statement.verdict != "compliant") {
      throw Error(ErrorCode::kCertificate, "verdict: the attestation records a policy violation");
    }
    if (!global.quiet) {
      const attest::DriftAttestation& s = v.statement;
      fmt::print("attestation:  {} (fti {} {})\n", options.envelope, escape_untrusted(s.fti_version, 40), s.command);
      fmt::print("signed by:    keyid {} ({})\n", v.keyid, attest::key_algorithm_name(key.algorithm()));
      fmt::print("verdict:      {}\n", s.verdict);
      fmt::print("policy:       sha256 {}{}\n", s.policy_sha256, expected_policy.empty() ? "" : " (matches)");
      fmt::print("subjects:     {} files{}\n", s.subjects.size(),
                 options.subjects.empty() ? "" : fmt::format(", {} checked", options.subjects.size()));
      fmt::print("base:         {} ({} files)\n", escape_untrusted(s.base.front().uri), s.base.size());
      if (s.certificate) {
        fmt::print("certificate:  {} sha256 {}\n", escape_untrusted(s.certificate->name, 100), s.certificate->sha256);
      }
      fmt::print("signature: VALID\n");
    }
    return kExitCompliant;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCertificate) throw;
    log_failure(fmt::format("attestation invalid: {}", e.what()));
    return kExitCertificateInvalid;
  }
}

}  // namespace

void register_verify_attestation(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<VerifyAttestationOptions>();
  CLI::App* cmd = app.add_subcommand("verify-attestation", "Verify a signed attestation of a gate or prove run");
  cmd->footer(
      "Exit codes: 0 valid, 4 invalid (one line naming the failed check), 2 usage or policy error,\n"
      "3 unreadable input. Valid means: signed by --pubkey over the DSSE PAE, an in-toto statement of\n"
      "fti's drift-gate predicate, and every --subject file and the --policy match it. The verdict it\n"
      "records may be a violation: add --require-compliant to refuse that.\n\n"
      "Examples:\n"
      "  fti gate --policy p.yaml --base ./base --candidate ./ft --attest-key key.pem --attestation ft.intoto.jsonl\n"
      "  fti verify-attestation ft.intoto.jsonl --pubkey key.pub.pem --policy p.yaml \\\n"
      "      --subject ./ft/model.safetensors --require-compliant\n");
  cmd->add_option("envelope", options->envelope, "The DSSE envelope (*.intoto.jsonl)")->required();
  cmd->add_option("--pubkey", options->pubkey, "The signer's public key (PEM, Ed25519 or ECDSA P-256)")->required();
  cmd->add_option("--subject", options->subjects,
                  "A file that must be a subject with this sha256 (matched by file name; repeatable)");
  cmd->add_option("--policy", options->policy, "Require the attestation to be for this policy (canonical digest)");
  cmd->add_flag("--require-compliant", options->require_compliant, "Refuse an attestation of a violation");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_verify_attestation(global, *options); };
  });
}

}  // namespace fti::cli

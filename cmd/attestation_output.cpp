#include "cmd/attestation_output.h"

#include <fmt/core.h>

#include <filesystem>

#include "cmd/console.h"
#include "engine/attest/dsse.h"
#include "engine/common/atomic_file.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"

namespace fti::cli {

void add_attest_options(CLI::App& cmd, AttestOptions& options) {
  cmd.add_option("--attestation", options.out,
                 "Also write an in-toto attestation (DSSE envelope, *.intoto.jsonl) of the verdict "
                 "(docs/ATTESTATIONS.md)");
  cmd.add_option("--attest-key", options.key,
                 "Sign the attestation with this private key (PEM, Ed25519 or ECDSA P-256)")
      ->needs("--attestation");
}

AttestationWriter::AttestationWriter(const AttestOptions& options) : out_(options.out) {
  if (!options.key.empty()) key_ = attest::SigningKey::from_pem_file(options.key);
}

void AttestationWriter::write(const attest::DriftAttestation& statement) const {
  if (statement.subjects.empty()) throw Error(ErrorCode::kInput, "attestation: the candidate has no files to name");
  const std::string payload = attest::statement_json(statement);
  const attest::DsseEnvelope envelope = key_ ? attest::sign_envelope(attest::kInTotoPayloadType, payload, *key_)
                                             : attest::unsigned_envelope(attest::kInTotoPayloadType, payload);
  write_file_atomically(out_, attest::serialize_envelope(envelope));
  if (!key_) log_note(fmt::format("{} is UNSIGNED (no --attest-key): it names the verdict but proves nothing", out_));
}

attest::DriftAttestation attestation_for(const std::string& command, const reports::Report& report) {
  attest::DriftAttestation a;
  a.command = command;
  a.verdict = report.verdict == reports::Verdict::kPass ? "compliant" : "violation";
  a.fti_version = report.fti_version;
  for (const reports::FileInfo& f : report.candidate.files) a.subjects.push_back({f.name, "", f.sha256});
  const std::string& base_uri = report.base.resolved.empty() ? report.base.source : report.base.resolved;
  for (const reports::FileInfo& f : report.base.files) a.base.push_back({f.name, base_uri, f.sha256});
  if (report.policy) a.policy_sha256 = report.policy->sha256;
  return a;
}

attest::DriftAttestation prove_attestation(const reports::ArtifactInfo& base, const reports::ArtifactInfo& candidate,
                                           const Sha256Digest& policy_digest, const std::string& certificate_path,
                                           std::span<const std::uint8_t> certificate, const Sha256Digest& base_root,
                                           const Sha256Digest& candidate_root) {
  reports::Report facts;
  facts.verdict = reports::Verdict::kPass;  // prove writes a certificate only for a compliant candidate
  facts.fti_version = FTI_VERSION;
  facts.base = base;
  facts.candidate = candidate;
  facts.policy = reports::PolicyInfo{"", to_hex(policy_digest), 0, ""};
  attest::DriftAttestation a = attestation_for("prove", facts);
  add_certificate(a, certificate_path, certificate, base_root, candidate_root);
  return a;
}

void add_certificate(attest::DriftAttestation& statement, const std::string& certificate_path,
                     std::span<const std::uint8_t> certificate, const Sha256Digest& base_root,
                     const Sha256Digest& candidate_root) {
  statement.certificate =
      attest::CertificateRef{std::filesystem::path(certificate_path).filename().string(), to_hex(sha256(certificate)),
                             to_hex(base_root), to_hex(candidate_root)};
}

void add_report_digest(attest::DriftAttestation& statement, const reports::RenderedFiles& rendered) {
  for (const auto& [name, content] : rendered) {
    if (name == "report.json") statement.report = attest::Resource{name, "", to_hex(sha256(content))};
  }
}

}  // namespace fti::cli

// --attestation / --attest-key for `fti gate` and `fti prove`: the run's
// verdict as an in-toto statement in a DSSE envelope (docs/ATTESTATIONS.md).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <span>
#include <string>

#include "engine/attest/signing_key.h"
#include "engine/attest/statement.h"
#include "engine/common/sha256.h"
#include "reports/report.h"
#include "reports/report_files.h"

namespace fti::cli {

struct AttestOptions {
  std::string key;  // private key PEM; empty: an unsigned envelope
  std::string out;  // the envelope (*.intoto.jsonl); empty: no attestation
};

void add_attest_options(CLI::App& cmd, AttestOptions& options);

// Loads the key before any work, so a bad key fails fast (exit 2, or 3 when
// unreadable); write() then signs and writes the envelope atomically.
class AttestationWriter {
 public:
  explicit AttestationWriter(const AttestOptions& options);
  bool wanted() const noexcept { return !out_.empty(); }
  // Notes on stderr when unsigned (not with --quiet).
  void write(const attest::DriftAttestation& statement) const;

 private:
  std::string out_;
  std::optional<attest::SigningKey> key_;
};

// Subjects (the candidate's files), base (uri = the pinned source when there
// is one, else the source as given), policy digest, verdict, fti version.
attest::DriftAttestation attestation_for(const std::string& command, const reports::Report& report);
// For `fti prove`: compliant, with the certificate's digest and commitment roots.
attest::DriftAttestation prove_attestation(const reports::ArtifactInfo& base, const reports::ArtifactInfo& candidate,
                                           const Sha256Digest& policy_digest, const std::string& certificate_path,
                                           std::span<const std::uint8_t> certificate, const Sha256Digest& base_root,
                                           const Sha256Digest& candidate_root);
// The certificate written with it (its file name, digest and commitment roots).
void add_certificate(attest::DriftAttestation& statement, const std::string& certificate_path,
                     std::span<const std::uint8_t> certificate, const Sha256Digest& base_root,
                     const Sha256Digest& candidate_root);
// The report file's digest (report.json of `rendered`) as the predicate's report.
void add_report_digest(attest::DriftAttestation& statement, const reports::RenderedFiles& rendered);

}  // namespace fti::cli

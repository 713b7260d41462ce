// fti --version / fti version [--json]: this fti's version and the versions
// of every format it reads and writes, so an auditor can tell which fti
// issued or can check a certificate. The names come from the constants the
// writers and parsers use, never retyped here.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "cmd/cli_support.h"
#include "cmd/version.h"
#include "engine/attest/dsse.h"
#include "engine/attest/statement.h"
#include "engine/certify/certificate.h"
#include "engine/commitment/commitment_file.h"
#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_params.h"
#include "policy/policy.h"
#include "reports/report.h"

namespace fti::cli {

std::string version_text() {
  std::string text = fmt::format("fti {}\n", FTI_VERSION);
  text += fmt::format("certificate:  {} (protocol {}, format version {})\n", certify::kCertificateMagic,
                      certify::kCertificateProtocolId, certify::kCertificateVersion);
  text += fmt::format("commitment:   {} (protocol {})\n", commitment::kCommitmentFileMagic,
                      commitment::kCommitmentProtocolId);
  text += fmt::format("attestation:  {} (in-toto {}, DSSE {})\n", attest::kDriftPredicateType,
                      attest::kStatementType, attest::kInTotoPayloadType);
  text += fmt::format("report:       {}\n", reports::kReportSchema);
  text += fmt::format("policy:       version {}\n", policy::kPolicyVersion);
  text += fmt::format("proofs:       Basefold, proven {}-bit floor\n", crypto::kBasefoldTargetBits);
  return text;
}

nlohmann::json version_json() {
  return {{"fti", FTI_VERSION},
          {"certificate",
           {{"format", certify::kCertificateMagic},
            {"protocol", certify::kCertificateProtocolId},
            {"version", certify::kCertificateVersion}}},
          {"commitment",
           {{"format", commitment::kCommitmentFileMagic}, {"protocol", commitment::kCommitmentProtocolId}}},
          {"attestation",
           {{"predicate_type", attest::kDriftPredicateType},
            {"statement_type", attest::kStatementType},
            {"payload_type", attest::kInTotoPayloadType}}},
          {"report", {{"schema", reports::kReportSchema}}},
          {"policy", {{"version", policy::kPolicyVersion}}},
          {"security_bits", crypto::kBasefoldTargetBits}};
}

void register_version(CLI::App& app, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("version", "Print fti's version and the format versions it reads and writes");
  cmd->footer(
      "The same as `fti --version` (which prints JSON under --log-format json).\n\n"
      "Examples:\n"
      "  fti version\n"
      "  fti version --json\n");
  cmd->add_flag("--json", *json, "One JSON object");
  cmd->callback([&action, json] {
    action = [json] {
      if (*json) {
        fmt::print("{}\n", version_json().dump(2));
      } else {
        fmt::print("{}", version_text());
      }
      return 0;
    };
  });
}

}  // namespace fti::cli

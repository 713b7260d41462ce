// fti verify-model-signature SIG --model DIR [--pubkey PUB.pem] [--json]:
// checks a model directory against an OpenSSF model-signing v1.0 signature
// (docs/ATTESTATIONS.md, "OpenSSF model signing"): every listed file's
// sha256, no extra file, the root digest, and with --pubkey the DSSE
// signature of a key-signed bundle. Keyless (Sigstore certificate) bundles
// are read and their manifest checked, but their signer is not verified.
// Exit 0 valid, 4 a failed check (one line naming it), 2 usage, 3 unreadable.
#include <fmt/core.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "engine/attest/model_signing.h"
#include "engine/attest/signing_key.h"
#include "engine/common/error.h"

namespace fti::cli {
namespace {

struct VerifyModelSignatureOptions {
  std::string signature, model, pubkey;
  bool json = false;
};

// The signature's path relative to the model directory, when it lies inside
// it (so it is not reported as an extra file).
std::string inside(const std::filesystem::path& file, const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path f = std::filesystem::weakly_canonical(file, ec);
  const std::filesystem::path d = std::filesystem::weakly_canonical(dir, ec);
  const std::filesystem::path rel = f.lexically_relative(d);
  if (rel.empty() || rel.begin()->string() == "..") return "";
  return rel.generic_string();
}

std::string failure_of(const attest::ModelSigningDirectoryReport& r) {
  if (!r.mismatched.empty()) {
    return fmt::format("file {}: sha256 {} where the signature lists {}", escape_untrusted(r.mismatched.front().path, 200),
                       r.mismatched.front().actual_sha256, r.mismatched.front().expected_sha256);
  }
  if (!r.missing.empty()) return fmt::format("file {} is listed but missing", escape_untrusted(r.missing.front(), 200));
  if (!r.extra.empty()) return fmt::format("file {} is not listed in the signature", escape_untrusted(r.extra.front(), 200));
  if (!r.refused.empty()) {
    return fmt::format("file {}: {}", escape_untrusted(r.refused.front().path, 200), r.refused.front().reason);
  }
  return fmt::format("the resources hash to {}, not the signed root digest", r.computed_root_sha256);
}

int run_verify_model_signature(const GlobalOptions& global, const VerifyModelSignatureOptions& options) {
  if (!std::filesystem::is_directory(options.model)) {
    throw Error(ErrorCode::kIo, "--model " + escape_untrusted(options.model) + " is not a directory");
  }
  std::optional<attest::VerifyingKey> key;
  if (!options.pubkey.empty()) key = attest::VerifyingKey::from_pem_file(options.pubkey);
  const attest::ModelSigningBundle bundle = attest::read_model_signing_bundle(options.signature);
  const attest::ModelSigningManifest& m = bundle.manifest;
  std::string signer;
  try {
    if (key) signer = attest::verify_model_signing_signature(bundle, *key, options.signature);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCertificate) throw;
    log_failure(fmt::format("model signature invalid: signature: {}", e.what()));
    return kExitCertificateInvalid;
  }
  attest::ModelSigningVerifyOptions vo;
  if (const std::string rel = inside(options.signature, options.model); !rel.empty()) vo.extra_ignore_paths.push_back(rel);
  const attest::ModelSigningDirectoryReport r = attest::verify_manifest_against_directory(m, options.model, vo);
  const std::string signature_state =
      key ? fmt::format("verified with --pubkey (keyid {})", signer.empty() ? "none" : escape_untrusted(signer, 80))
      : bundle.material == attest::ModelSigningMaterial::kCertificate
          ? "NOT verified: a keyless Sigstore bundle (fti does not check Fulcio certificates or Rekor entries)"
          : "NOT verified: no --pubkey given";
  if (options.json) {
    nlohmann::json j = {{"kind", "model-signature"},
                        {"signature", options.signature},
                        {"model", options.model},
                        {"model_name", m.model_name},
                        {"root_sha256", m.root_sha256},
                        {"serialization", m.serialization_method},
                        {"signature_verified", key.has_value()},
                        {"files_verified", r.verified.size()},
                        {"valid", r.ok()}};
    j["mismatched"] = nlohmann::json::array();
    for (const auto& x : r.mismatched) j["mismatched"].push_back({{"path", x.path}, {"expected", x.expected_sha256}, {"actual", x.actual_sha256}});
    j["missing"] = r.missing;
    j["extra"] = r.extra;
    fmt::print("{}\n", j.dump(2));
  } else if (!global.quiet) {
    fmt::print("signature:    {} (OpenSSF model signing v1.0, {} serialization)\n", options.signature,
               m.serialization_method);
    fmt::print("model:        {} ({})\n", escape_untrusted(m.model_name, 100), options.model);
    fmt::print("root digest:  sha256 {}\n", m.root_sha256);
    fmt::print("signer:       {}\n", signature_state);
    fmt::print("files:        {} listed, {} verified, {} mismatched, {} missing, {} extra\n", m.resources.size(),
               r.verified.size(), r.mismatched.size(), r.missing.size(), r.extra.size());
  }
  if (!r.ok()) {
    log_failure("model signature invalid: files: " + failure_of(r));
    return kExitCertificateInvalid;
  }
  if (!options.json && !global.quiet) fmt::print("verdict: VALID{}\n", key ? "" : " (files only; signer not verified)");
  return kExitCompliant;
}

}  // namespace

void register_verify_model_signature(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<VerifyModelSignatureOptions>();
  CLI::App* cmd =
      app.add_subcommand("verify-model-signature", "Check a model directory against an OpenSSF model-signing signature");
  cmd->footer(
      "Exit codes: 0 valid, 4 invalid (one line naming the failed check), 2 usage error, 3 unreadable input.\n"
      "Valid means: every file the signature lists has its sha256, no other file is present (git files and\n"
      "the signature itself aside), the listed digests hash to the signed root digest and, with --pubkey,\n"
      "the DSSE signature of a key-signed bundle verifies. The per-file sha256 are the ones `fti inspect`,\n"
      "`fti commit` and fti's attestations report for the same files.\n\n"
      "Examples:\n"
      "  fti verify-model-signature ./base/model.sig --model ./base --pubkey signer.pub.pem\n"
      "  fti verify-model-signature base.sig --model ./base --json\n");
  cmd->add_option("signature", options->signature, "The signature (a Sigstore bundle or a DSSE envelope, JSON)")
      ->required();
  cmd->add_option("--model", options->model, "The model directory the signature covers")->required();
  cmd->add_option("--pubkey", options->pubkey, "The signer's public key (PEM, ECDSA P-256 or Ed25519)");
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_verify_model_signature(global, *options); };
  });
}

}  // namespace fti::cli

#include "engine/attest/verify_attestation.h"

#include "engine/attest/dsse.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"

namespace fti::attest {

VerifiedAttestation verify_attestation(std::string_view envelope_text, std::string_view what, const VerifyingKey& key) {
  const DsseEnvelope envelope = parse_envelope(envelope_text, what);
  const std::string name = escape_untrusted(what);
  if (envelope.payload_type != kInTotoPayloadType) {
    throw Error(ErrorCode::kCertificate, name + ": payloadType " + quote_untrusted(envelope.payload_type, 100) +
                                             " is not " + std::string(kInTotoPayloadType));
  }
  if (envelope.signatures.empty()) throw Error(ErrorCode::kCertificate, name + ": the envelope is not signed");
  const std::vector<std::uint8_t> message = pae(envelope.payload_type, envelope.payload);
  const DsseSignature* good = nullptr;
  for (const DsseSignature& s : envelope.signatures) {
    if (key.verify(message, s.sig)) {
      good = &s;
      break;
    }
  }
  if (good == nullptr) {
    throw Error(ErrorCode::kCertificate,
                name + ": no signature verifies under the public key (keyid " + key.key_id() + ", " +
                    std::string(key_algorithm_name(key.algorithm())) + ")");
  }
  const std::string_view payload(reinterpret_cast<const char*>(envelope.payload.data()), envelope.payload.size());
  return {parse_statement(payload, what), key.key_id()};
}

void check_subject_file(const DriftAttestation& statement, const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  const std::string digest = to_hex(sha256_file(file));
  for (const Resource& subject : statement.subjects) {
    if (subject.name != name) continue;
    if (subject.sha256 == digest) return;
    throw Error(ErrorCode::kCertificate, "subject " + quote_untrusted(name) + ": " + escape_untrusted(file.string()) +
                                             " has sha256 " + digest + ", the attestation says " + subject.sha256);
  }
  throw Error(ErrorCode::kCertificate, escape_untrusted(file.string()) + ": no subject named " + quote_untrusted(name));
}

void check_policy_digest(const DriftAttestation& statement, std::string_view policy_sha256) {
  if (statement.policy_sha256 == policy_sha256) return;
  throw Error(ErrorCode::kCertificate, "policy: the attestation is for policy sha256 " + statement.policy_sha256 +
                                           ", not the given policy (sha256 " + std::string(policy_sha256) + ")");
}

}  // namespace fti::attest

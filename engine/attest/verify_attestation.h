// Verifying an fti attestation: a DSSE envelope whose payload is the in-toto
// statement of engine/attest/statement.h.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "engine/attest/signing_key.h"
#include "engine/attest/statement.h"

namespace fti::attest {

struct VerifiedAttestation {
  DriftAttestation statement;
  std::string keyid;  // of the signature that verified
};

// Checks, in order: the envelope parses strictly; its payloadType is
// application/vnd.in-toto+json; some signature verifies over
// PAE(payloadType, payload) under `key` (keyids are hints, not trusted: every
// signature is tried); the payload is a valid statement (parse_statement).
// Throws Error(kCertificate) with a one-line reason naming `what`.
VerifiedAttestation verify_attestation(std::string_view envelope_text, std::string_view what, const VerifyingKey& key);

// Requires a subject named like `file` (its file name) whose sha256 is the
// file's. Throws Error(kCertificate) otherwise, Error(kIo) when unreadable.
void check_subject_file(const DriftAttestation& statement, const std::filesystem::path& file);

// Requires the statement's policy digest to be `policy_sha256` (hex).
void check_policy_digest(const DriftAttestation& statement, std::string_view policy_sha256);

}  // namespace fti::attest

// The in-toto Statement v1 fti issues for a gate or prove run
// (docs/ATTESTATIONS.md):
//   {"_type": "https://in-toto.io/Statement/v1",
//    "subject": [{"name": file, "digest": {"sha256": hex}}, ...],   the candidate's files
//    "predicateType": "https://fti.dev/attestation/drift-gate/v1",
//    "predicate": {"command", "verdict", "ftiVersion", "policy", "base", "report"?, "certificate"?}}
// Serialized as canonical JSON (keys in bytewise order, no insignificant
// whitespace, integers and strings only) so the same run gives the same bytes
// and the same digest.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fti::attest {

inline constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kDriftPredicateType = "https://fti.dev/attestation/drift-gate/v1";

// A file named by its digest. For base files, `uri` is where the base came
// from (its pinned form when there is one), as SLSA provenance names a
// resolved dependency; empty for subjects.
struct Resource {
  std::string name;
  std::string uri;
  std::string sha256;  // lowercase hex
};

struct CertificateRef {
  std::string name;            // the certificate file's name
  std::string sha256;          // of the certificate file
  std::string base_root;       // commitment roots, lowercase hex
  std::string candidate_root;
};

struct DriftAttestation {
  std::string command;      // "gate" or "prove"
  std::string verdict;      // "compliant" or "violation"
  std::string fti_version;
  std::vector<Resource> subjects;  // the candidate's files
  std::string policy_sha256;       // SHA-256 of the canonical policy (policy/canonical.h)
  std::vector<Resource> base;      // the base's files
  std::optional<Resource> report;  // report.json (gate)
  std::optional<CertificateRef> certificate;  // prove
};

// The statement as canonical JSON (no trailing newline).
std::string statement_json(const DriftAttestation& attestation);

// Parses a statement strictly: no duplicate keys, the in-toto v1 _type, our
// predicateType, every required field with its type, digests as 64 lowercase
// hex digits, no unknown fields (a subject's digest may carry other
// algorithms besides sha256). Throws Error(kCertificate) with a one-line
// reason naming `what`.
DriftAttestation parse_statement(std::string_view text, std::string_view what);

}  // namespace fti::attest

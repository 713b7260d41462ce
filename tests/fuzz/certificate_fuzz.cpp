// Fuzzes the certificate parser (fti.certificate/v1, PROTOCOL.md 10.4): a
// hostile certificate is rejected with a named check, never crashes, never
// allocates beyond its section limits, and a certificate it accepts
// re-serializes to exactly the same bytes (one encoding per certificate).
// A certificate that parses then goes to the verifier under a fixed policy:
// its first step parses the nested norm, rank and entry proofs (their
// layouts derived from the certificate's own commitments and statement)
// before the policy check rejects it, so those parsers are fuzzed too. Odd-length inputs get their trailing SHA-256
// recomputed first: otherwise almost every mutation stops at the checksum
// and the section parsers behind it are never reached.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/certify/certificate.h"
#include "engine/certify/certify.h"
#include "policy/policy_parser.h"
#include "engine/common/sha256.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> input(data, data + size);
  if (size % 2 == 1 && size > 32) {
    const fti::Sha256Digest checksum =
        fti::sha256(std::span<const std::uint8_t>(input.data(), input.size() - 32));
    std::copy(checksum.begin(), checksum.end(), input.end() - 32);
  }
  const std::span<const std::uint8_t> bytes(input);
  fti::certify::Certificate certificate;
  const fti::certify::CheckFailure failure = fti::certify::parse_certificate(bytes, certificate);
  if (failure.failed()) {
    if (failure.reason.empty()) __builtin_trap();  // rejected without saying why
    return 0;
  }
  const std::vector<std::uint8_t> again = fti::certify::serialize_certificate(certificate);
  if (again != input) __builtin_trap();
  static const fti::policy::Policy policy = fti::policy::parse_policy("version: 1\ndefault: allow\n", "fuzz.yaml");
  const fti::certify::VerifyReport report = fti::certify::verify_certificate(bytes, policy);
  if (!report.valid() && report.failure.reason.empty()) __builtin_trap();  // rejected without saying why
  return 0;
}

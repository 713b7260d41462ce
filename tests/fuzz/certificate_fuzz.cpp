// Fuzzes the certificate parser (fti.certificate/v1, PROTOCOL.md 10.4): a
// hostile certificate is rejected with a named check, never crashes, never
// allocates beyond its section limits, and a certificate it accepts
// re-serializes to exactly the same bytes (one encoding per certificate).
// The norm proof inside is parsed by verify; its parsers have their own
// target (proof_parse_fuzz).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/certify/certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  fti::certify::Certificate certificate;
  const fti::certify::CheckFailure failure = fti::certify::parse_certificate(bytes, certificate);
  if (failure.failed()) {
    if (failure.reason.empty()) __builtin_trap();  // rejected without saying why
    return 0;
  }
  const std::vector<std::uint8_t> again = fti::certify::serialize_certificate(certificate);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) __builtin_trap();
  return 0;
}

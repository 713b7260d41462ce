// Fuzzes the attestation parsers (docs/ATTESTATIONS.md): the DSSE envelope
// (strict JSON, strict base64) and, for an envelope that parses, the in-toto
// Statement in its payload. Hostile input is rejected with fti::Error, never
// crashes; an accepted statement re-renders to the canonical JSON that
// parses back to the same statement.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/attest/dsse.h"
#include "engine/attest/statement.h"
#include "engine/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const fti::attest::DsseEnvelope envelope = fti::attest::parse_envelope(text, "fuzz.intoto.jsonl");
    const std::string payload(envelope.payload.begin(), envelope.payload.end());
    const fti::attest::DriftAttestation statement = fti::attest::parse_statement(payload, "fuzz payload");
    const std::string canonical = fti::attest::statement_json(statement);
    if (fti::attest::statement_json(fti::attest::parse_statement(canonical, "canonical")) != canonical) {
      __builtin_trap();
    }
    (void)fti::attest::serialize_envelope(envelope);
  } catch (const fti::Error&) {
  }
  return 0;
}

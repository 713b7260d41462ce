// Fuzzes the OpenSSF model-signing reader (engine/attest/model_signing.h):
// a Sigstore bundle or bare DSSE envelope (strict JSON, strict base64), the
// in-toto statement in its payload, paths and digests, and the root digest.
// Hostile input is rejected with fti::Error, never crashes; an accepted
// manifest re-renders to a statement that parses back to the same manifest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/attest/dsse.h"
#include "engine/attest/model_signing.h"
#include "engine/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const fti::attest::ModelSigningBundle bundle = fti::attest::parse_model_signing_bundle(text, "fuzz.sig");
    const std::string statement = fti::attest::model_signing_statement_json(bundle.manifest);
    const std::string again = fti::attest::model_signing_bundle_json(
        fti::attest::unsigned_envelope(fti::attest::kInTotoPayloadType, statement), bundle.public_key_hint);
    const fti::attest::ModelSigningBundle reparsed = fti::attest::parse_model_signing_bundle(again, "canonical");
    if (fti::attest::model_signing_statement_json(reparsed.manifest) != statement ||
        fti::attest::model_signing_root_digest(reparsed.manifest.resources) != bundle.manifest.root_sha256) {
      __builtin_trap();
    }
  } catch (const fti::Error&) {
  }
  return 0;
}

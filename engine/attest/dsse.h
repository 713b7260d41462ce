// DSSE, the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse,
// protocol v1.0.0, JSON envelope):
//   {"payload": base64(body), "payloadType": type,
//    "signatures": [{"keyid": id, "sig": base64(signature)}]}
// Signatures are over the pre-authentication encoding
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
// where LEN is the byte length in ASCII decimal without leading zeros and SP
// one space (0x20); never over the base64 text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/attest/signing_key.h"

namespace fti::attest {

inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";

std::vector<std::uint8_t> pae(std::string_view payload_type, std::span<const std::uint8_t> payload);
std::vector<std::uint8_t> pae(std::string_view payload_type, std::string_view payload);

struct DsseSignature {
  std::string keyid;  // may be empty
  std::vector<std::uint8_t> sig;
};

struct DsseEnvelope {
  std::string payload_type;
  std::vector<std::uint8_t> payload;  // decoded
  std::vector<DsseSignature> signatures;
};

// Signs PAE(payload_type, payload) with `key`, keyid = key.key_id().
DsseEnvelope sign_envelope(std::string_view payload_type, std::string_view payload, const SigningKey& key);
// No signatures (an unsigned envelope: `fti gate --attestation` without a key).
DsseEnvelope unsigned_envelope(std::string_view payload_type, std::string_view payload);

// The envelope as one line of compact JSON with sorted keys, ending in "\n"
// (a one-record JSON Lines file, the *.intoto.jsonl convention).
std::string serialize_envelope(const DsseEnvelope& envelope);

// Parses an envelope strictly: one JSON object (surrounding whitespace
// allowed), no duplicate keys, exactly the fields payload, payloadType,
// signatures (each {"keyid"?, "sig"}), strict base64. Throws
// Error(kCertificate) with a one-line reason naming `what` otherwise.
DsseEnvelope parse_envelope(std::string_view text, std::string_view what);

}  // namespace fti::attest

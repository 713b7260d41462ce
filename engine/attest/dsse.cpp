#include "engine/attest/dsse.h"

#include <nlohmann/json.hpp>

#include "engine/attest/base64.h"
#include "engine/common/error.h"
#include "engine/common/strict_json.h"

namespace fti::attest {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

[[noreturn]] void invalid(std::string_view what, const std::string& reason) {
  throw Error(ErrorCode::kCertificate, escape_untrusted(what) + ": not a DSSE envelope: " + reason);
}

std::vector<std::uint8_t> decode_field(const nlohmann::json& value, std::string_view field, std::string_view what) {
  if (!value.is_string()) invalid(what, std::string(field) + " is not a string");
  auto decoded = base64_decode(value.get_ref<const std::string&>());
  if (!decoded) invalid(what, std::string(field) + " is not valid base64");
  return std::move(*decoded);
}

}  // namespace

std::vector<std::uint8_t> pae(std::string_view payload_type, std::span<const std::uint8_t> payload) {
  const std::string head = "DSSEv1 " + std::to_string(payload_type.size()) + " " + std::string(payload_type) + " " +
                           std::to_string(payload.size()) + " ";
  std::vector<std::uint8_t> out(head.begin(), head.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<std::uint8_t> pae(std::string_view payload_type, std::string_view payload) {
  return pae(payload_type, bytes_of(payload));
}

DsseEnvelope sign_envelope(std::string_view payload_type, std::string_view payload, const SigningKey& key) {
  DsseEnvelope envelope = unsigned_envelope(payload_type, payload);
  envelope.signatures.push_back({key.key_id(), key.sign(pae(payload_type, payload))});
  return envelope;
}

DsseEnvelope unsigned_envelope(std::string_view payload_type, std::string_view payload) {
  DsseEnvelope envelope;
  envelope.payload_type = payload_type;
  envelope.payload.assign(payload.begin(), payload.end());
  return envelope;
}

std::string serialize_envelope(const DsseEnvelope& envelope) {
  nlohmann::json signatures = nlohmann::json::array();
  for (const DsseSignature& s : envelope.signatures) {
    signatures.push_back({{"keyid", s.keyid}, {"sig", base64_encode(s.sig)}});
  }
  const nlohmann::json j = {{"payload", base64_encode(envelope.payload)},
                            {"payloadType", envelope.payload_type},
                            {"signatures", signatures}};
  return j.dump() + "\n";
}

DsseEnvelope parse_envelope(std::string_view text, std::string_view what) {
  const nlohmann::json j = parse_strict_json(text, what, ErrorCode::kCertificate);
  if (!j.is_object()) invalid(what, "not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "payload" && key != "payloadType" && key != "signatures") {
      invalid(what, "unknown field " + quote_untrusted(key, 60));
    }
  }
  if (!j.contains("payload") || !j.contains("payloadType") || !j.contains("signatures")) {
    invalid(what, "payload, payloadType and signatures are required");
  }
  DsseEnvelope envelope;
  envelope.payload = decode_field(j["payload"], "payload", what);
  if (!j["payloadType"].is_string()) invalid(what, "payloadType is not a string");
  envelope.payload_type = j["payloadType"].get<std::string>();
  if (!j["signatures"].is_array()) invalid(what, "signatures is not an array");
  for (const nlohmann::json& s : j["signatures"]) {
    if (!s.is_object() || !s.contains("sig")) invalid(what, "a signature without sig");
    DsseSignature signature;
    for (const auto& [key, value] : s.items()) {
      if (key == "sig") {
        signature.sig = decode_field(value, "sig", what);
      } else if (key == "keyid") {
        if (!value.is_string()) invalid(what, "keyid is not a string");
        signature.keyid = value.get<std::string>();
      } else {
        invalid(what, "unknown signature field " + quote_untrusted(key, 60));
      }
    }
    envelope.signatures.push_back(std::move(signature));
  }
  return envelope;
}

}  // namespace fti::attest

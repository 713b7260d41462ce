// Base64 (RFC 4648 section 4, with padding) for DSSE envelopes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fti::attest {

std::string base64_encode(std::span<const std::uint8_t> bytes);
std::string base64_encode(std::string_view text);

// Strict decoding: the standard alphabet or the URL-safe one (RFC 4648
// section 5; DSSE allows either, not mixed), padding required to a multiple
// of four characters, no whitespace, and unused bits of the last character
// zero (so each byte string has exactly one accepted encoding per alphabet).
// nullopt on anything else.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace fti::attest

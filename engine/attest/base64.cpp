#include "engine/attest/base64.h"

#include <array>

namespace fti::attest {
namespace {

constexpr std::string_view kStandard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// -1: not in the alphabet.
std::array<int, 256> decode_table(std::string_view alphabet) {
  std::array<int, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  return table;
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kStandard[(v >> shift) & 63u]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    out.push_back(kStandard[(v >> 18) & 63u]);
    out.push_back(kStandard[(v >> 12) & 63u]);
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out.push_back(kStandard[(v >> 18) & 63u]);
    out.push_back(kStandard[(v >> 12) & 63u]);
    out.push_back(kStandard[(v >> 6) & 63u]);
    out += "=";
  }
  return out;
}

std::string base64_encode(std::string_view text) {
  return base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  static const std::array<int, 256> standard = decode_table(kStandard);
  static const std::array<int, 256> url_safe = decode_table(kUrlSafe);
  if (text.size() % 4 != 0) return std::nullopt;
  const bool url = text.find_first_of("-_") != std::string_view::npos;
  const std::array<int, 256>& table = url ? url_safe : standard;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  const std::string_view body = text.substr(0, text.size() - padding);
  std::vector<std::uint8_t> out;
  out.reserve(body.size() * 3 / 4);
  std::uint32_t acc = 0;
  unsigned bits = 0;
  for (const char c : body) {
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;  // includes '=' inside the text and mixed alphabets
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xffu));
    }
  }
  // What remains must be the zero padding bits of the last character.
  if ((acc & ((1u << bits) - 1u)) != 0) return std::nullopt;
  if ((padding == 0 && bits != 0) || (padding == 1 && bits != 2) || (padding == 2 && bits != 4)) return std::nullopt;
  return out;
}

}  // namespace fti::attest

#include "registry/http_digest.h"

#include <algorithm>

#include "registry/http_text.h"

namespace fti {

namespace {

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  const auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      // Padding only at the end, at most two characters.
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFFu));
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

// "<64 hex>" or W/"<hex>" -> the hex inside, else empty.
std::string unquote_etag(std::string_view value) {
  value = trim_ows(value);
  if (value.size() >= 2 && (value.substr(0, 2) == "W/" || value.substr(0, 2) == "w/")) {
    value.remove_prefix(2);
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

}  // namespace

std::optional<Sha256Digest> parse_digest_header(std::string_view value) {
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    std::string_view item = trim_ows(value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (lower_ascii(trim_ows(item.substr(0, eq))) != "sha-256") continue;
    std::string_view encoded = trim_ows(item.substr(eq + 1));
    // RFC 9530 wraps the bytes in colons and may add parameters after ';'.
    if (!encoded.empty() && encoded.front() == ':') {
      const auto close = encoded.find(':', 1);
      if (close == std::string_view::npos) return std::nullopt;
      encoded = encoded.substr(1, close - 1);
    }
    const auto bytes = decode_base64(encoded);
    if (!bytes || bytes->size() != 32) return std::nullopt;
    Sha256Digest out{};
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
  }
  return std::nullopt;
}

bool is_strong_etag(std::string_view value) {
  value = trim_ows(value);
  return !value.empty() && value.substr(0, 2) != "W/" && value.substr(0, 2) != "w/";
}

void ServerClaims::absorb_etag(const std::string& header, std::string_view value) {
  const std::string hex = unquote_etag(value);
  if (auto sha = parse_hex_digest<32>(hex)) {
    sha256.emplace_back(header, *sha);
  } else if (auto sha1 = parse_hex_digest<20>(hex)) {
    if (!git_sha1) git_sha1.emplace(header, *sha1);
  }
}

std::optional<Sha256Digest> ServerClaims::agreed_sha256() const {
  if (sha256.empty()) return std::nullopt;
  for (const auto& claim : sha256) {
    if (claim.second != sha256.front().second) return std::nullopt;
  }
  return sha256.front().second;
}

std::string ServerClaims::summary() const {
  std::string out;
  for (const auto& claim : sha256) out += "sha256:" + to_hex(claim.second) + ";";
  if (git_sha1) out += "gitsha1:" + to_hex(git_sha1->second) + ";";
  return out;
}

}  // namespace fti

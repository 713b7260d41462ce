#include "engine/common/error.h"

namespace fti {

namespace {
// Length of the valid UTF-8 sequence starting at text[i], or 0.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t len = 0;
  unsigned min_cp = 0;
  unsigned cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1Fu, min_cp = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0Fu, min_cp = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07u, min_cp = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}
}  // namespace

std::string escape_untrusted(std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (i >= max_bytes) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (const std::size_t len = c >= 0x80 ? utf8_sequence_length(text, i) : 0; len > 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      ++i;
    }
  }
  return out;
}

std::string quote_untrusted(std::string_view text, std::size_t max_bytes) {
  return "\"" + escape_untrusted(text, max_bytes) + "\"";
}

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kUsage: return "usage";
    case ErrorCode::kPolicy: return "policy";
    case ErrorCode::kInput: return "input";
    case ErrorCode::kFetch: return "fetch";
    case ErrorCode::kIntegrity: return "integrity";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCertificate: return "certificate";
    case ErrorCode::kInterrupted: return "interrupted";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

int exit_status_for(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kUsage:
    case ErrorCode::kPolicy:
      return kExitUsage;
    case ErrorCode::kCertificate:
      return kExitCertificateInvalid;
    case ErrorCode::kInterrupted:
      return kExitInterrupted;
    case ErrorCode::kInput:
    case ErrorCode::kFetch:
    case ErrorCode::kIntegrity:
    case ErrorCode::kLimit:
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return kExitInput;
  }
  return kExitInput;
}

}  // namespace fti

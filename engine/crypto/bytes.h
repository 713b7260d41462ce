// Little-endian integer encoding and a bounds-checked reader for proofs.
// Every serialized object in fti_crypto is built from these, so the byte
// layout documented in docs/PROTOCOL.md has one implementation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace fti::crypto {

inline void store_le64(std::uint64_t x, std::uint8_t* out) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(x >> (8 * i));
}

inline std::uint64_t load_le64(const std::uint8_t* in) noexcept {
  std::uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x |= std::uint64_t{in[i]} << (8 * i);
  return x;
}

inline void store_le32(std::uint32_t x, std::uint8_t* out) noexcept {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(x >> (8 * i));
}

inline std::uint32_t load_le32(const std::uint8_t* in) noexcept {
  std::uint32_t x = 0;
  for (int i = 0; i < 4; ++i) x |= std::uint32_t{in[i]} << (8 * i);
  return x;
}

// Appends encodings to a byte vector.
class ByteWriter {
 public:
  void u8(std::uint8_t x) { bytes_.push_back(x); }
  void u32(std::uint32_t x) {
    std::uint8_t b[4];
    store_le32(x, b);
    bytes_.insert(bytes_.end(), b, b + 4);
  }
  void u64(std::uint64_t x) {
    std::uint8_t b[8];
    store_le64(x, b);
    bytes_.insert(bytes_.end(), b, b + 8);
  }
  void raw(std::span<const std::uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }

  const std::vector<std::uint8_t>& bytes() const& { return bytes_; }
  std::vector<std::uint8_t> take() && { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Reads encodings from untrusted bytes. Every read returns nullopt (and the
// reader stays failed) instead of reading past the end; done() tells whether
// the input was consumed exactly, so trailing bytes can be rejected.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::optional<std::uint32_t> u32() {
    const auto b = take(4);
    if (!b) return std::nullopt;
    return load_le32(b->data());
  }
  std::optional<std::uint64_t> u64() {
    const auto b = take(8);
    if (!b) return std::nullopt;
    return load_le64(b->data());
  }
  std::optional<std::span<const std::uint8_t>> take(std::size_t n) {
    if (failed_ || bytes_.size() - pos_ < n) {
      failed_ = true;
      return std::nullopt;
    }
    const auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  bool failed() const noexcept { return failed_; }
  bool done() const noexcept { return !failed_ && pos_ == bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace fti::crypto

// Little-endian writer and a bounded reader for the certificate format: every
// read checks the bytes left first and never throws; the first failure is
// kept with the field's name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/int128.h"

namespace fti::certify {

class ByteWriter {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void u128(uint128 v) {
    u64(static_cast<std::uint64_t>(v));
    u64(static_cast<std::uint64_t>(v >> 64));
  }
  void raw(std::span<const std::uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void text(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  std::vector<std::uint8_t>& bytes() noexcept { return bytes_; }

 private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  std::size_t left() const noexcept { return bytes_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  bool need(std::size_t n, std::string_view field) {
    if (!ok()) return false;
    if (n > left()) {
      fail("truncated: " + std::string(field) + " at byte " + std::to_string(pos_) + " needs " + std::to_string(n) +
           " bytes, " + std::to_string(left()) + " left");
      return false;
    }
    return true;
  }
  std::uint64_t get(int n, std::string_view field) {
    if (!need(static_cast<std::size_t>(n), field)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{bytes_[pos_ + static_cast<std::size_t>(i)]} << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  std::uint8_t u8(std::string_view f) { return static_cast<std::uint8_t>(get(1, f)); }
  std::uint32_t u32(std::string_view f) { return static_cast<std::uint32_t>(get(4, f)); }
  std::uint64_t u64(std::string_view f) { return get(8, f); }
  uint128 u128(std::string_view f) {
    const std::uint64_t lo = u64(f);
    return (uint128{u64(f)} << 64) | lo;
  }
  std::span<const std::uint8_t> raw(std::size_t n, std::string_view field) {
    if (!need(n, field)) return {};
    const auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A count checked against a limit and against the bytes left (each record
  // needs at least `min_record` bytes) before anything is allocated.
  std::size_t count(std::string_view field, std::size_t limit, std::size_t min_record) {
    const std::uint32_t c = u32(field);
    if (!ok()) return 0;
    if (c > limit) {
      fail(std::string(field) + " " + std::to_string(c) + " above the limit " + std::to_string(limit));
      return 0;
    }
    if (min_record != 0 && c > left() / min_record) {
      fail("truncated or corrupt: " + std::string(field) + " " + std::to_string(c) + " needs at least " +
           std::to_string(static_cast<std::uint64_t>(c) * min_record) + " bytes, " + std::to_string(left()) + " left");
      return 0;
    }
    return c;
  }
  std::string text(std::string_view field, std::size_t limit) {
    const std::size_t n = count(field, limit, 1);
    const auto s = raw(n, field);
    return std::string(s.begin(), s.end());
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace fti::certify

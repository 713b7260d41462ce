// A bounded reader of counted vectors for the LogUp and range proof formats
// (docs/PROTOCOL.md, sections 8.4 and 8.7). Every count is compared with the
// number the statement prescribes and with the bytes left before anything is
// allocated, so a hostile proof cannot make the parser allocate more than its
// own length; the first failure is kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/crypto/bytes.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/sha256.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

class LogupReader {
 public:
  explicit LogupReader(std::span<const std::uint8_t> bytes) : r_(bytes) {}

  Status status() const noexcept { return status_; }
  bool ok() const noexcept { return status_ == Status::kOk; }
  bool done() const noexcept { return ok() && r_.done(); }
  void fail(Status s) noexcept {
    if (status_ == Status::kOk) status_ = s;
  }

  // A LE32 count that must equal `expected` (else `mismatch`).
  bool exact_count(std::uint64_t expected, Status mismatch) {
    if (!ok()) return false;
    const auto n = r_.u32();
    if (!n) {
      fail(Status::kMalformed);
      return false;
    }
    if (*n != expected) {
      fail(mismatch);
      return false;
    }
    return true;
  }

  // LE32(count) then exactly `expected` Fp3 values.
  bool counted_fp3s(std::size_t expected, Status mismatch, std::vector<Fp3>& out) {
    return exact_count(expected, mismatch) && fp3s(expected, out);
  }

  bool fp3s(std::size_t n, std::vector<Fp3>& out) {
    if (!have(n, Fp3::kEncodedSize)) return false;
    out.resize(n);
    for (Fp3& x : out) {
      const auto v = Fp3::from_bytes(*r_.take(Fp3::kEncodedSize));
      if (!v) {
        fail(Status::kNonCanonical);
        return false;
      }
      x = *v;
    }
    return true;
  }

  // LE32(length) || length bytes, length <= max_length.
  std::optional<std::span<const std::uint8_t>> blob(std::size_t max_length) {
    if (!ok()) return std::nullopt;
    const auto n = r_.u32();
    if (!n || *n > max_length || r_.remaining() < *n) {
      fail(Status::kMalformed);
      return std::nullopt;
    }
    return r_.take(*n);
  }

  std::size_t remaining() const noexcept { return r_.remaining(); }

 private:
  bool have(std::uint64_t count, std::size_t size) {
    if (!ok()) return false;
    if (r_.remaining() / size < count) {
      fail(Status::kMalformed);
      return false;
    }
    return true;
  }

  ByteReader r_;
  Status status_ = Status::kOk;
};

inline void write_counted_fp3s(ByteWriter& w, std::span<const Fp3> v) {
  std::uint8_t buf[Fp3::kEncodedSize];
  w.u32(static_cast<std::uint32_t>(v.size()));
  for (const Fp3& x : v) {
    x.write(buf);
    w.raw(buf);
  }
}

inline void write_blob(ByteWriter& w, std::span<const std::uint8_t> bytes) {
  w.u32(static_cast<std::uint32_t>(bytes.size()));
  w.raw(bytes);
}

}  // namespace fti::crypto

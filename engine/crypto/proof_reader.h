// The bounded reader (and the matching writers) of counted vectors that every
// proof format uses: Basefold (docs/PROTOCOL.md 7.7), LogUp-GKR and range
// proofs (8.4, 8.7), drift proofs (10.3.6). Every count is compared with the
// number the statement prescribes and with the bytes left before anything is
// allocated, so a hostile proof cannot make the parser allocate more than its
// own length; the first failure is kept.
#pragma once

#include <algorithm>
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

class ProofReader {
 public:
  explicit ProofReader(std::span<const std::uint8_t> bytes) : r_(bytes) {}

  Status status() const noexcept { return status_; }
  bool ok() const noexcept { return status_ == Status::kOk; }
  bool done() const noexcept { return ok() && r_.done(); }
  void fail(Status s) noexcept {
    if (status_ == Status::kOk) status_ = s;
  }

  // A LE32 count that must equal `expected` (else `mismatch`).
  bool exact_count(std::uint64_t expected, Status mismatch) {
    const auto n = count();
    if (!n) return false;
    if (*n != expected) {
      fail(mismatch);
      return false;
    }
    return true;
  }

  // A LE32 count, for the caller to bound.
  std::optional<std::uint32_t> count() {
    if (!ok()) return std::nullopt;
    const auto n = r_.u32();
    if (!n) fail(Status::kMalformed);
    return n;
  }

  // `count` elements of `size` bytes must be present.
  bool have(std::uint64_t count, std::size_t size) {
    if (!ok()) return false;
    if (r_.remaining() / size < count) {
      fail(Status::kMalformed);
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

  bool fps(std::size_t n, std::vector<Fp>& out) {
    if (!have(n, Fp::kEncodedSize)) return false;
    out.resize(n);
    for (Fp& x : out) {
      const auto v = Fp::from_bytes(*r_.take(Fp::kEncodedSize));
      if (!v) {
        fail(Status::kNonCanonical);
        return false;
      }
      x = *v;
    }
    return true;
  }

  bool digests(std::size_t n, std::vector<Digest>& out) {
    if (!have(n, sizeof(Digest))) return false;
    out.resize(n);
    for (Digest& d : out) {
      const auto b = r_.take(sizeof(Digest));
      std::copy(b->begin(), b->end(), d.begin());
    }
    return true;
  }

  std::optional<std::uint64_t> u64() {
    if (!ok()) return std::nullopt;
    const auto v = r_.u64();
    if (!v) fail(Status::kMalformed);
    return v;
  }

  std::size_t remaining() const noexcept { return r_.remaining(); }

 private:
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

inline void write_counted_fps(ByteWriter& w, std::span<const Fp> v) {
  w.u32(static_cast<std::uint32_t>(v.size()));
  for (const Fp& x : v) w.u64(x.value());
}

inline void write_counted_digests(ByteWriter& w, std::span<const Digest> v) {
  w.u32(static_cast<std::uint32_t>(v.size()));
  for (const Digest& d : v) w.raw(d);
}

inline void write_blob(ByteWriter& w, std::span<const std::uint8_t> bytes) {
  w.u32(static_cast<std::uint32_t>(bytes.size()));
  w.raw(bytes);
}

}  // namespace fti::crypto

// The Fiat-Shamir transcript: one design for every protocol in fti.
//
// A 32-byte chaining state, updated by SHA-256 at every operation
// (docs/PROTOCOL.md, "Transcript", has the exact bytes):
//   init    state = SHA-256(0x00 || LE64(|dom|) || dom || LE64(|id|) || id),  dom = "fti.transcript.v1"
//   absorb  state = SHA-256(0x01 || state || tag || LE64(|label|) || label || LE64(|data|) || data)
//   squeeze state = SHA-256(0x02 || state || tag || LE64(|label|) || label || LE64(|params|) || params)
//           then output block i = SHA-256(0x03 || state || LE64(i)), read as LE64 words.
// Every message carries a one-byte type tag and length prefixes, so two
// different sequences of (type, label, value) never hash the same bytes, and
// a challenge depends on everything absorbed before it. Sampling is by
// rejection: field elements and indices are exactly uniform.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/sha256.h"

namespace fti::crypto {

inline constexpr std::string_view kTranscriptDomain = "fti.transcript.v1";

// Type tags (one byte, part of every absorb/squeeze record).
enum class TranscriptTag : std::uint8_t {
  kBytes = 0x01,
  kU64 = 0x02,
  kU64s = 0x03,
  kFp = 0x04,
  kFps = 0x05,
  kFp3 = 0x06,
  kFp3s = 0x07,
  kDigest = 0x08,
  kDigests = 0x09,
  kChallengeFp = 0x41,
  kChallengeFp3 = 0x42,
  kChallengeIndex = 0x43,
  kChallengeIndices = 0x44,
  kChallengeDistinctIndices = 0x45,
};

// Operation bytes (first byte hashed at each state update).
enum class TranscriptOp : std::uint8_t { kInit = 0x00, kAbsorb = 0x01, kSqueeze = 0x02, kOutput = 0x03 };

// Rejection samplers over a source of uniform 64-bit words (next() returns
// the next word). Exposed so tests can feed them chosen words.
//
// F_p: the first word < p (a word is rejected with probability ~2^-32).
template <typename NextWord>
Fp sample_fp_by_rejection(NextWord&& next) {
  for (;;) {
    const std::uint64_t w = next();
    if (w < Fp::kModulus) return *Fp::from_canonical(w);
  }
}

// [0, bound), bound >= 1: mask each word to the smallest power of two >= bound
// and take the first masked value < bound (fewer than two words expected, no
// modulo bias).
template <typename NextWord>
std::uint64_t sample_index_by_rejection(NextWord&& next, std::uint64_t bound) {
  const std::uint64_t mask = bound > (std::uint64_t{1} << 63) ? ~std::uint64_t{0} : std::bit_ceil(bound) - 1;
  for (;;) {
    const std::uint64_t w = next() & mask;
    if (w < bound) return w;
  }
}

class Transcript {
 public:
  // protocol_id names the protocol and its version; parameters and public
  // inputs are absorbed next, before any challenge.
  explicit Transcript(std::string_view protocol_id);
  // Move-only: a silently copied transcript (passed by value, say) would let
  // one party absorb into a copy and draw challenges from a stale state.
  Transcript(const Transcript&) = delete;
  Transcript& operator=(const Transcript&) = delete;
  Transcript(Transcript&&) noexcept = default;
  Transcript& operator=(Transcript&&) noexcept = default;

  void absorb_bytes(std::string_view label, std::span<const std::uint8_t> data);
  void absorb_u64(std::string_view label, std::uint64_t value);
  void absorb_u64s(std::string_view label, std::span<const std::uint64_t> values);
  void absorb_fp(std::string_view label, Fp value);
  void absorb_fps(std::string_view label, std::span<const Fp> values);
  void absorb_fp3(std::string_view label, const Fp3& value);
  void absorb_fp3s(std::string_view label, std::span<const Fp3> values);
  void absorb_digest(std::string_view label, const Digest& digest);
  void absorb_digests(std::string_view label, std::span<const Digest> digests);

  // Uniform in F_p.
  Fp challenge_fp(std::string_view label);
  // Uniform in F_p^3 (three independent coefficients c0, c1, c2).
  Fp3 challenge_fp3(std::string_view label);
  // Uniform in [0, bound); bound >= 1.
  std::uint64_t challenge_index(std::string_view label, std::uint64_t bound);
  // `count` independent uniform indices in [0, bound), in draw order (may repeat).
  std::vector<std::uint64_t> challenge_indices(std::string_view label, std::uint64_t bound, std::size_t count);
  // A uniformly random subset of `count` distinct indices in [0, bound),
  // sorted ascending (repeated draws are skipped). count <= bound.
  std::vector<std::uint64_t> challenge_distinct_indices(std::string_view label, std::uint64_t bound,
                                                        std::size_t count);

  // The chaining state, for test vectors and debugging.
  const Digest& state() const noexcept { return state_; }

 private:
  class OutputStream;
  void absorb(TranscriptTag tag, std::string_view label, std::span<const std::uint8_t> data);
  void absorb_words(TranscriptTag tag, std::string_view label, std::span<const std::uint64_t> words);
  OutputStream squeeze(TranscriptTag tag, std::string_view label, std::span<const std::uint64_t> params);

  Digest state_{};
};

}  // namespace fti::crypto

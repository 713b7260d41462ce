// Proof-of-work ("grinding") before the Basefold query phase
// (docs/PROTOCOL.md, section 7.6).
//
// After every commitment and final polynomial of an opening is absorbed, the
// prover finds a nonce w with
//   LE64(SHA-256("fti.basefold.pow" || state || LE64(w))[0..8)) mod 2^bits = 0,
// state = the transcript state at that point; the nonce is then absorbed
// ("basefold.pow_nonce") and the query indices drawn. Each attempt to re-roll
// the query indices thus costs 2^bits hashes in expectation. With bits = 0 the
// only accepted nonce is 0 (no malleability).
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/crypto/sha256.h"

namespace fti::crypto {

inline constexpr std::string_view kBasefoldPowDomain = "fti.basefold.pow";

// True iff `nonce` meets the target for `state` (bits <= 32).
[[nodiscard]] bool basefold_pow_check(const Digest& state, unsigned bits, std::uint64_t nonce) noexcept;

// The smallest valid nonce (TBB-parallel search, deterministic result).
std::uint64_t basefold_pow_solve(const Digest& state, unsigned bits);

}  // namespace fti::crypto

// SHA-256 for Merkle trees and the Fiat-Shamir transcript.
//
// Goes through OpenSSL's low-level SHA256_Init/Update/Final, which uses the
// SHA-NI / AVX2 code paths like EVP does but without EVP's per-call dispatch.
// Measured on the reference machine for one 65-byte Merkle node
// (bench/crypto_merkle_bench.cpp, BM_Node*): ~107 ns here, ~122 ns through a
// reused EVP_MD_CTX, ~153 ns through EVP_Digest with a prefetched EVP_MD,
// ~368 ns through one-shot SHA256(). The low-level API is deprecated in
// OpenSSL 3 but still exported; sha256.cpp is the only file that touches it,
// so moving to EVP later is a one-file change.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace fti::crypto {

using Digest = std::array<std::uint8_t, 32>;

// Incremental SHA-256 with the OpenSSL context held inline (no allocation):
// one lives on the stack of every hashing loop.
class Sha256 {
 public:
  Sha256() noexcept;
  void update(std::span<const std::uint8_t> bytes) noexcept;
  void update(const void* data, std::size_t size) noexcept;
  void update_byte(std::uint8_t byte) noexcept { update(&byte, 1); }
  void update_u64_le(std::uint64_t x) noexcept;
  // Writes the digest and re-initialises the context for the next message.
  Digest finish() noexcept;

 private:
  // Storage for OpenSSL's SHA256_CTX (112 bytes; checked in sha256.cpp).
  static constexpr std::size_t kCtxSize = 112;
  alignas(8) unsigned char ctx_[kCtxSize];
};

Digest sha256(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace fti::crypto

#include "engine/crypto/sha256.h"

// The low-level SHA256_* functions are deprecated in OpenSSL 3 but remain the
// fastest path for short messages (see sha256.h); silence the deprecation for
// this translation unit only.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstring>
#include <new>

#include "engine/crypto/bytes.h"

namespace fti::crypto {
namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "Sha256::kCtxSize too small for SHA256_CTX");
static_assert(alignof(SHA256_CTX) <= 8, "Sha256 storage under-aligned for SHA256_CTX");

// The context is plain C data; the constructor placement-news one into the
// storage and every access goes through this laundered pointer.
SHA256_CTX* as_ctx(unsigned char* storage) noexcept {
  return std::launder(reinterpret_cast<SHA256_CTX*>(storage));
}

}  // namespace

Sha256::Sha256() noexcept {
  SHA256_CTX* ctx = new (ctx_) SHA256_CTX;
  SHA256_Init(ctx);
}

void Sha256::update(const void* data, std::size_t size) noexcept {
  if (size != 0) SHA256_Update(as_ctx(ctx_), data, size);
}

void Sha256::update(std::span<const std::uint8_t> bytes) noexcept { update(bytes.data(), bytes.size()); }

void Sha256::update_u64_le(std::uint64_t x) noexcept {
  std::uint8_t b[8];
  store_le64(x, b);
  update(b, 8);
}

Digest Sha256::finish() noexcept {
  Digest out;
  SHA256_CTX* ctx = as_ctx(ctx_);
  SHA256_Final(out.data(), ctx);
  SHA256_Init(ctx);
  return out;
}

Digest sha256(std::span<const std::uint8_t> bytes) noexcept {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

}  // namespace fti::crypto

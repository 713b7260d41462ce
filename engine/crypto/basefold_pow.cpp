#include "engine/crypto/basefold_pow.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/bytes.h"

namespace fti::crypto {
namespace {

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
// Nonces tried per parallel window; the smallest valid one in the first
// window that has one is the answer, so the result does not depend on timing.
constexpr std::uint64_t kWindow = std::uint64_t{1} << 14;

bool meets_target(const Digest& state, std::uint64_t mask, std::uint64_t nonce) noexcept {
  Sha256 h;
  h.update(kBasefoldPowDomain.data(), kBasefoldPowDomain.size());
  h.update(state);
  h.update_u64_le(nonce);
  const Digest d = h.finish();
  return (load_le64(d.data()) & mask) == 0;
}

std::uint64_t mask_of(unsigned bits) noexcept {
  return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

}  // namespace

bool basefold_pow_check(const Digest& state, unsigned bits, std::uint64_t nonce) noexcept {
  if (bits > kMaxBasefoldGrindingBits) return false;
  if (bits == 0) return nonce == 0;
  return meets_target(state, mask_of(bits), nonce);
}

std::uint64_t basefold_pow_solve(const Digest& state, unsigned bits) {
  if (bits > kMaxBasefoldGrindingBits) throw std::invalid_argument("basefold_pow_solve: too many bits");
  if (bits == 0) return 0;
  const std::uint64_t mask = mask_of(bits);
  for (std::uint64_t start = 0;; start += kWindow) {
    const std::uint64_t found = tbb::parallel_reduce(
        tbb::blocked_range<std::uint64_t>(start, start + kWindow, 256), kNone,
        [&](const tbb::blocked_range<std::uint64_t>& r, std::uint64_t best) {
          for (std::uint64_t w = r.begin(); w < r.end() && w < best; ++w) {
            if (meets_target(state, mask, w)) return w;
          }
          return best;
        },
        [](std::uint64_t a, std::uint64_t b) { return std::min(a, b); });
    if (found != kNone) return found;
  }
}

}  // namespace fti::crypto

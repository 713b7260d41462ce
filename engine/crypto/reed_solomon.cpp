#include "engine/crypto/reed_solomon.h"

#include <bit>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/crypto/ntt.h"

namespace fti::crypto {
namespace {
constexpr std::size_t kScaleGrain = std::size_t{1} << 15;
}  // namespace

void rs_encode_into(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift, std::span<Fp> out) {
  const std::size_t n = coeffs.size();
  if (n == 0 || (n & (n - 1)) != 0) throw std::invalid_argument("rs_encode: size must be a power of two");
  if (log_blowup > kMaxLogBlowup) throw std::invalid_argument("rs_encode: blowup above 2^8");
  if (shift.is_zero()) throw std::invalid_argument("rs_encode: zero shift");
  const auto log_n = static_cast<unsigned>(std::countr_zero(n));
  const unsigned log_size = log_n + log_blowup;
  if (log_size > kMaxLogNttSize) throw std::invalid_argument("rs_encode: codeword above 2^32");
  if (out.size() != (n << log_blowup)) throw std::invalid_argument("rs_encode: output size");

  ntt_precompute(log_n);
  const Fp w_big = Fp::root_of_unity(log_size);
  const std::size_t blocks = std::size_t{1} << log_blowup;
  // Each block is independent; TBB nests the transforms' own parallelism.
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    // Block b is f on the coset shift * w_N^bitrev(b) * <w_n>: scale the
    // coefficients by powers of that shift while copying, then transform.
    const Fp block_shift = shift * w_big.pow(bit_reverse(b, log_blowup));
    std::span<Fp> block = out.subspan(b * n, n);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, kScaleGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        Fp f = block_shift.pow(r.begin());
                        for (std::size_t i = r.begin(); i < r.end(); ++i) {
                          block[i] = coeffs[i] * f;
                          f *= block_shift;
                        }
                      });
    ntt_forward(block);
  });
}

std::vector<Fp> rs_encode(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift) {
  if (log_blowup > kMaxLogBlowup) throw std::invalid_argument("rs_encode: blowup above 2^8");
  std::vector<Fp> out(coeffs.size() << log_blowup);
  rs_encode_into(coeffs, log_blowup, shift, out);
  return out;
}

}  // namespace fti::crypto

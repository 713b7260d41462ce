#include "engine/crypto/reed_solomon.h"

#include <bit>
#include <stdexcept>

#include <tbb/parallel_for.h>

#include "engine/crypto/ntt.h"
#include "engine/crypto/powers.h"

namespace fti::crypto {
namespace {

// The size n of the coefficient vector a codeword of `size` values at rate
// 2^-log_blowup has, after the checks every entry point shares.
std::size_t checked_message_size(std::size_t size, unsigned log_blowup, Fp shift) {
  if (log_blowup > kMaxLogBlowup) throw std::invalid_argument("rs_encode: blowup above 2^8");
  if (shift.is_zero()) throw std::invalid_argument("rs_encode: zero shift");
  const std::size_t n = size >> log_blowup;
  if (n == 0 || (n & (n - 1)) != 0 || (n << log_blowup) != size) {
    throw std::invalid_argument("rs_encode: size must be a power of two");
  }
  if (static_cast<unsigned>(std::countr_zero(n)) + log_blowup > kMaxLogNttSize) throw std::invalid_argument("rs_encode: codeword above 2^32");
  return n;
}

// Block b of the codeword is f on the coset shift * w_N^bitrev(b) * <w_n>:
// the coefficients scaled by powers of that shift while copying (or in
// place, when `coeffs` is the block itself), then transformed.
void encode_block(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift, std::size_t b, std::span<Fp> block) {
  const auto log_size = static_cast<unsigned>(std::countr_zero(coeffs.size())) + log_blowup;
  const Fp block_shift = shift * Fp::root_of_unity(log_size).pow(bit_reverse(b, log_blowup));
  if (block_shift != Fp::one() || coeffs.data() != block.data()) {
    multiply_by_powers_parallel(coeffs, Fp::one(), block_shift, block);
  }
  ntt_forward(block);
}

}  // namespace

void rs_encode_into(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift, std::span<Fp> out) {
  if (log_blowup > kMaxLogBlowup) throw std::invalid_argument("rs_encode: blowup above 2^8");
  if (out.size() != (coeffs.size() << log_blowup)) throw std::invalid_argument("rs_encode: output size");
  const std::size_t n = checked_message_size(out.size(), log_blowup, shift);
  ntt_precompute(static_cast<unsigned>(std::countr_zero(n)));
  // Each block is independent; TBB nests the transforms' own parallelism.
  tbb::parallel_for(std::size_t{0}, std::size_t{1} << log_blowup,
                    [&](std::size_t b) { encode_block(coeffs, log_blowup, shift, b, out.subspan(b * n, n)); });
}

void rs_encode_in_place(std::span<Fp> word, unsigned log_blowup, Fp shift) {
  const std::size_t n = checked_message_size(word.size(), log_blowup, shift);
  ntt_precompute(static_cast<unsigned>(std::countr_zero(n)));
  const std::span<const Fp> coeffs = word.first(n);
  // Blocks 1.. read the coefficients in block 0, which is encoded last.
  tbb::parallel_for(std::size_t{1}, std::size_t{1} << log_blowup,
                    [&](std::size_t b) { encode_block(coeffs, log_blowup, shift, b, word.subspan(b * n, n)); });
  encode_block(coeffs, log_blowup, shift, 0, word.first(n));
}

std::vector<Fp> rs_encode(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift) {
  if (log_blowup > kMaxLogBlowup) throw std::invalid_argument("rs_encode: blowup above 2^8");
  std::vector<Fp> out(coeffs.size() << log_blowup);
  rs_encode_into(coeffs, log_blowup, shift, out);
  return out;
}

}  // namespace fti::crypto

// Number-theoretic transform over Goldilocks on power-of-two domains.
//
// Order convention (docs/PROTOCOL.md, "NTT and Reed-Solomon"): coefficients
// are in natural order and evaluations in BIT-REVERSED order. Position j of an
// evaluation vector of size n = 2^k holds f(shift * w_n^bitrev_k(j)). The
// decimation-in-frequency forward transform produces that order without a
// permutation pass, and it is the order a FRI/Basefold fold wants: the points
// x and -x sit at adjacent positions 2j and 2j+1, a coset of 2^m points at
// 2^m consecutive positions (one Merkle leaf), and the folded codeword g(x^2)
// is again in bit-reversed order over the squared domain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// Largest transform supported (Goldilocks has 2-adicity 32; memory is the
// practical limit long before).
inline constexpr unsigned kMaxLogNttSize = 32;

// Reverses the low `log_n` bits of i.
constexpr std::size_t bit_reverse(std::size_t i, unsigned log_n) noexcept {
  std::size_t r = 0;
  for (unsigned b = 0; b < log_n; ++b) {
    r = (r << 1) | (i & 1);
    i >>= 1;
  }
  return r;
}

// In-place permutation x[i] <-> x[bit_reverse(i)], for callers that need
// natural-order evaluations. Size must be a power of two.
void bit_reverse_permute(std::span<Fp> values);

// Natural-order coefficients -> bit-reversed evaluations on the subgroup of
// order n = values.size() (a power of two, n <= 2^32).
void ntt_forward(std::span<Fp> values);
// Bit-reversed evaluations -> natural-order coefficients (exact inverse).
void ntt_inverse(std::span<Fp> values);

// The same on the coset shift * H_n: position j holds f(shift * w_n^bitrev(j)).
void coset_ntt_forward(std::span<Fp> values, Fp shift);
void coset_ntt_inverse(std::span<Fp> values, Fp shift);

struct TwiddleTables;

// coset_ntt_forward for many small transforms of one size, each run inside
// the caller's own parallel loop: no tasks spawned, no lock taken per call
// (the twiddles are fetched once, here). Sizes up to 2^22 (the twiddle
// table's); above 2^14 values the transform is no longer cache-blocked.
class SerialCosetNtt {
 public:
  // Throws std::invalid_argument for log_n above 22.
  explicit SerialCosetNtt(unsigned log_n);
  // values.size() must be 2^log_n (std::invalid_argument otherwise); shift
  // nonzero (not checked: the caller's domain points).
  void operator()(std::span<Fp> values, Fp shift) const;

 private:
  unsigned log_n_;
  bool simd_;
  std::shared_ptr<const TwiddleTables> tables_;
};

// The evaluation point at position j of a bit-reversed domain of size 2^log_n.
Fp domain_point(unsigned log_n, std::size_t position, Fp shift = Fp::one());

// Twiddles are precomputed once per process up to the largest size used (at
// most 2^22; larger transforms compute the rest as they go) and then shared
// read-only by all threads. This makes sure the tables for
// transforms of size <= 2^log_n exist (tests and benchmarks call it to keep
// the one-time cost out of their measurements).
void ntt_precompute(unsigned log_n);

}  // namespace fti::crypto

// Reed-Solomon encoding at rate 1/2^log_blowup.
//
// A polynomial with n = 2^k coefficients is evaluated on a domain of
// N = n 2^log_blowup points, shift * <w_N>, in bit-reversed order (see
// ntt.h): position j holds f(shift * w_N^bitrev(j)). Splitting j into its top
// log_blowup bits b and low k bits t gives
//   bitrev_N(b n + t) = 2^log_blowup bitrev_k(t) + bitrev_log_blowup(b),
// so block b of the codeword is the size-n transform of f on the coset
// shift * w_N^bitrev(b) * <w_n>: 2^log_blowup independent small transforms,
// no zero padding, no transform of size N.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// Upper bound on the blowup exponent (rate 1/2^8); larger rates make no sense
// for a commitment and would mostly be a parameter typo.
inline constexpr unsigned kMaxLogBlowup = 8;

// Codeword of `coeffs` (size a power of two) at rate 2^-log_blowup on
// shift * <w_N>, bit-reversed. Throws std::invalid_argument on bad sizes.
std::vector<Fp> rs_encode(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift = Fp::one());

// Same, into a caller-provided buffer of size coeffs.size() << log_blowup.
void rs_encode_into(std::span<const Fp> coeffs, unsigned log_blowup, Fp shift, std::span<Fp> out);

// Same, in place: word[0, n) holds the n = word.size() / 2^log_blowup
// coefficients (n a power of two), and on return word is their codeword. No
// second buffer of the message's size.
void rs_encode_in_place(std::span<Fp> word, unsigned log_blowup, Fp shift = Fp::one());

}  // namespace fti::crypto

// Multiplication of spans by a scalar's powers: the coset shift of an NTT or
// a Reed-Solomon block (f(s X) has coefficients a_i s^i), and a Horner step
// over whole chunks of coefficients.
#pragma once

#include <span>

#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// out[i] = in[i] * first * base^i for i < in.size(), on the calling thread
// (8 lanes at a time where the vector kernels run, simd.h). in and out have
// the same size (std::invalid_argument otherwise) and may be the same span.
void multiply_by_powers(std::span<const Fp> in, Fp first, Fp base, std::span<Fp> out);

// The same over TBB-parallel chunks, each starting from first * base^begin
// (the coset shifts of whole transforms and Reed-Solomon blocks).
void multiply_by_powers_parallel(std::span<const Fp> in, Fp first, Fp base, std::span<Fp> out);

// acc[i] = acc[i] * c + x[i] (one Horner step for every i), on the calling
// thread, 8 lanes at a time where the vector kernels run. Same sizes
// (std::invalid_argument otherwise).
void multiply_accumulate(std::span<Fp> acc, Fp c, std::span<const Fp> x);

// acc[i] += c * x[i] (a scaled column added to an accumulator), on the
// calling thread, 8 lanes at a time where the vector kernels run. Same sizes
// (std::invalid_argument otherwise).
void scale_accumulate(std::span<Fp> acc, Fp c, std::span<const Fp> x);

}  // namespace fti::crypto

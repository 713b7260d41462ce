// Multiplication by consecutive powers: the coset shift of an NTT or a
// Reed-Solomon block (f(s X) has coefficients a_i s^i).
#pragma once

#include <span>

#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// out[i] = in[i] * first * base^i for i < in.size(), on the calling thread
// (8 lanes at a time where the vector kernels run, simd.h). in and out have
// the same size (std::invalid_argument otherwise) and may be the same span.
void multiply_by_powers(std::span<const Fp> in, Fp first, Fp base, std::span<Fp> out);

}  // namespace fti::crypto

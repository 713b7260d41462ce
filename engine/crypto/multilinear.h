// Multilinear polynomials in evaluation form over the boolean hypercube.
//
// A polynomial in v variables is the table of its 2^v values; entry x holds
// P(x_0, ..., x_{v-1}) with x = sum_i x_i 2^i (x_0 is the least significant
// bit). Sumcheck binds x_0 first, then x_1, ..., matching the even/odd split
// a Basefold fold performs on coefficient index bits from the bottom.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// P(point) for the multilinear extension of `table` (size 2^point.size()).
// O(2^v); throws std::invalid_argument on a size mismatch.
Fp3 mle_evaluate(std::span<const Fp> table, std::span<const Fp3> point);
Fp3 mle_evaluate(std::span<const Fp3> table, std::span<const Fp3> point);

// eq(point, x) = prod_i (x_i r_i + (1 - x_i)(1 - r_i)) for every x in {0,1}^v.
std::vector<Fp3> eq_table(std::span<const Fp3> point);

// One factor of eq: x z + (1 - x)(1 - z), for any x, z (not only bits).
Fp3 eq1(const Fp3& x, const Fp3& z);
// eq(a, b) = prod_i eq1(a_i, b_i) over a.size() = b.size() coordinates.
Fp3 eq_eval(std::span<const Fp3> a, std::span<const Fp3> b);

}  // namespace fti::crypto

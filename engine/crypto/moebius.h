// The Moebius transform: multilinear evaluation tables <-> monomial coefficients.
//
// A multilinear polynomial in v variables has two natural coordinate vectors
// of length 2^v (index bit i <-> variable x_i, x_0 least significant, as in
// multilinear.h):
//   evaluation form  T[x] = P(x_0, ..., x_{v-1}) for x in {0,1}^v
//   monomial form    a[i]  with  P(x) = sum_i a[i] prod_{k : bit k of i} x_k.
// They are related by the Moebius transform over the subset lattice:
//   a[i] = sum_{j subset of i} (-1)^{|i| - |j|} T[j]      (moebius_transform)
//   T[x] = sum_{i subset of x} a[i]                       (moebius_inverse)
// Basefold commits to the univariate twin f(X) = sum_i a[i] X^i of the
// monomial form (docs/PROTOCOL.md, section 7.2).
//
// Both directions run in place, O(v 2^v) additions: the low bits inside
// cache-sized blocks, the high bits a few at a time per pass over memory,
// TBB-parallel above 2^14 entries.
#pragma once

#include <span>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// Evaluation table -> monomial coefficients, in place. Size a power of two
// (throws std::invalid_argument otherwise).
void moebius_transform(std::span<Fp> values);
void moebius_transform(std::span<Fp3> values);

// Monomial coefficients -> evaluation table, in place (exact inverse).
void moebius_inverse(std::span<Fp> values);
void moebius_inverse(std::span<Fp3> values);

// P(point) from the monomial coefficients (size 2^point.size()), O(2^v):
// halves the vector per variable, a'[k] = a[2k] + x_0 a[2k+1].
Fp3 monomial_evaluate(std::span<const Fp3> coefficients, std::span<const Fp3> point);

}  // namespace fti::crypto

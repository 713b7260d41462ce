// Folding a bit-reversed Reed-Solomon codeword with Basefold challenges
// (docs/PROTOCOL.md, section 7.4).
//
// A codeword u of f on the domain of 2^K points (bit-reversed, ntt.h) holds
// f(x) at position 2t and f(-x) at 2t + 1, x = domain_point(K, 2t). With
// f(X) = f_e(X^2) + X f_o(X^2), one fold with challenge r is the codeword of
// f_e + r f_o on the squared domain (2^(K-1) points, again bit-reversed):
//   fold(u, r)[t] = (u[2t] + u[2t+1]) / 2 + r (u[2t] - u[2t+1]) / (2x).
// In multilinear terms (f the univariate twin of P's monomial coefficients)
// it fixes the lowest remaining variable: P(x_0, x_1, ..) -> P(r, x_1, ..).
// Folding a times with r_0..r_{a-1} maps the 2^a positions of leaf m (a coset
// of the order-2^a subgroup) to position m of the domain of 2^(K-a) points.
//
// Two implementations of the same map: the verifier's (one leaf, one field
// inversion per leaf) and the prover's (whole layers, TBB-parallel, one
// inversion per 2^10 leaves). The tests check them against each other and
// against re-encoding the folded polynomial.
#pragma once

#include <cstddef>
#include <span>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// Folds the 2^a values of leaf `leaf_index` of a layer whose domain has
// 2^log_domain points (values: positions [m 2^a, (m+1) 2^a), a =
// challenges.size() <= log_domain) with challenges r_0..r_{a-1}; returns the
// value at position m of the folded domain. No allocation. Throws
// std::invalid_argument on inconsistent sizes.
Fp3 basefold_fold_leaf(std::span<const Fp3> values, unsigned log_domain, std::size_t leaf_index,
                       std::span<const Fp3> challenges);

// Folds a whole layer: `in` has 2^K values, `out` 2^(K-a), a = challenges.size().
void basefold_fold_layer(std::span<const Fp3> in, std::span<const Fp3> challenges, std::span<Fp3> out);

// The first fold of an opening: combines the committed base-field codewords
// with the batching powers (sum_j powers[j] codewords[j]) and folds the
// combination a = challenges.size() times, never materializing it. All
// codewords have 2^K values; out has 2^(K-a).
void basefold_fold_commitment(std::span<const std::span<const Fp>> codewords, std::span<const Fp3> powers,
                              std::span<const Fp3> challenges, std::span<Fp3> out);

}  // namespace fti::crypto

// The shape of one Basefold commitment and opening, derived from the
// parameters and the number of variables alone (docs/PROTOCOL.md, section
// 7.3). Prover, verifier and proof parser all read sizes from here, so an
// untrusted proof is measured against these numbers before anything is
// allocated.
//
// With n variables, M polynomials, f = min(final_log_size, n) and R = n - f
// folding rounds:
//   layer 0      the commitment: codewords of 2^(n+b) positions, leaves of
//                2^a0 consecutive positions of every polynomial,
//                a0 = min(R, max(1, commit_leaf_log_size - ceil(log2 M)));
//   layer j >= 1 the folded codeword after c_j rounds, 2^(n+b-c_j) positions,
//                leaves of 2^a_j positions, a_j = min(fold_log_arity, R - c_j);
// and the layers stop when c_j reaches R; the last fold lands on the final
// polynomial (2^f coefficients) evaluated on a domain of 2^(f+b) points.
// With R = 0 there is one layer with a0 = 0 (leaves of single positions).
#pragma once

#include <cstddef>
#include <vector>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/merkle.h"

namespace fti::crypto {

struct BasefoldLayer {
  unsigned log_domain = 0;   // K_j: the layer's codeword has 2^K_j positions
  unsigned log_arity = 0;    // a_j: positions per leaf (folded by the rounds c_j .. c_j + a_j - 1)
  unsigned log_leaves = 0;   // K_j - a_j
  unsigned cap_log = 0;      // min(params.cap_log, log_leaves)
  unsigned first_round = 0;  // c_j
};

struct BasefoldLayout {
  unsigned num_vars = 0;              // n
  std::size_t num_polys = 0;          // M
  unsigned log_blowup = 0;            // b
  unsigned final_log_size = 0;        // f
  unsigned num_rounds = 0;            // R = n - f
  unsigned num_queries = 0;           // min(params.num_queries, 2^layers[0].log_leaves)
  std::vector<BasefoldLayer> layers;  // at least one; layers[0] is the commitment

  // Throws std::invalid_argument if params.check_size(num_vars) fails or
  // num_polys is 0 or above kMaxBasefoldPolys.
  static BasefoldLayout make(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys);

  unsigned final_log_domain() const noexcept { return final_log_size + log_blowup; }
  std::size_t final_size() const noexcept { return std::size_t{1} << final_log_size; }
  // Merkle shape of layer 0 (leaves of num_polys * 2^a0 base elements) and of
  // a folded layer j >= 1 (leaves of 2^a_j extension elements, 3 * 2^a_j base elements).
  MerkleShape commitment_shape() const;
  MerkleShape layer_shape(std::size_t j) const;
};

}  // namespace fti::crypto

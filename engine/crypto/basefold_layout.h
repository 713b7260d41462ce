// The shape of one Basefold commitment and opening, derived from the
// parameters and the number of variables alone (docs/PROTOCOL.md, section
// 7.3). Prover, verifier and proof parser all read sizes from here, so an
// untrusted proof is measured against these numbers before anything is
// allocated.
//
// A group of M polynomials in n variables is one stacked polynomial in
// N = n + l variables, l = ceil(log2 M) layer variables first (section 7.2).
// With f = min(final_log_size, N) and R = N - f folding rounds:
//   layer 0      the commitment: the stacked codeword of 2^(N+b) positions,
//                leaves of 2^a0 consecutive positions,
//                a0 = min(R, commit_leaf_log_size, kMaxBasefoldLogArity);
//   layer j >= 1 the folded codeword after c_j rounds, 2^(N+b-c_j) positions,
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
  unsigned num_vars = 0;              // n: variables of each polynomial
  std::size_t num_polys = 0;          // M
  unsigned stack_vars = 0;            // l = ceil(log2 M)
  unsigned log_blowup = 0;            // b
  unsigned final_log_size = 0;        // f
  unsigned num_rounds = 0;            // R = n + l - f
  unsigned num_queries = 0;           // min(params.num_queries, 2^layers[0].log_leaves)
  std::vector<BasefoldLayer> layers;  // at least one; layers[0] is the commitment

  // Throws std::invalid_argument if params.check_shape(num_vars, num_polys) fails.
  static BasefoldLayout make(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys);

  // n + l: the stacked polynomial's variables.
  unsigned total_vars() const noexcept { return num_vars + stack_vars; }
  unsigned final_log_domain() const noexcept { return final_log_size + log_blowup; }
  std::size_t final_size() const noexcept { return std::size_t{1} << final_log_size; }
  // Merkle shape of layer 0 (leaves of 2^a0 base elements) and of
  // a folded layer j >= 1 (leaves of 2^a_j extension elements, 3 * 2^a_j base elements).
  MerkleShape commitment_shape() const;
  MerkleShape layer_shape(std::size_t j) const;
};

}  // namespace fti::crypto

// The Basefold opening proof and its byte format (docs/PROTOCOL.md, section 7.7).
//
// One proof covers every group of an opening (section 7.5): per group, the
// sumcheck round polynomials, the folded layers' Merkle caps, the final
// polynomial and the query-phase openings; then the proof-of-work nonce.
// Query indices are not part of the proof: the verifier draws them from the
// transcript and checks the openings against its own indices.
//
// parse() is strict and bounded: it takes the parameters and the group
// shapes, computes every count the proof must have before reading it, checks
// each count against those numbers and against the bytes left before
// allocating, and rejects non-canonical field elements (kNonCanonical),
// truncation and trailing bytes (kMalformed), a round polynomial that does
// not have exactly 3 values (kWrongDegree), and caps, final polynomials or
// leaf-value lists of the wrong length (kWrongLength).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

// Number of values sent per sumcheck round: h(0), h(1), h(2) (degree 2).
inline constexpr std::size_t kBasefoldRoundValues = 3;

// The opened leaves of the commitment tree (layer 0): for each opened leaf in
// increasing index order, its 2^a0 base-field values of the stacked codeword.
struct BasefoldCommitmentOpening {
  std::vector<Fp> leaf_values;
  MerkleMultiProof paths;
};

// The opened leaves of a folded layer j >= 1: 2^a_j extension values each.
struct BasefoldLayerOpening {
  std::vector<Fp3> leaf_values;
  MerkleMultiProof paths;
};

// The proof of one batch: the groups of an opening with equal (n, M), whose
// stacked polynomials are combined with powers of a challenge and opened
// together (section 7.5). A batch of one group is a plain opening.
struct BasefoldGroupProof {
  std::vector<std::vector<Fp3>> round_polynomials;                // R rounds of h(0), h(1), h(2)
  std::vector<MerkleCap> layer_caps;                              // layers 1 .. L-1
  std::vector<Fp3> final_polynomial;                              // 2^f monomial coefficients
  std::vector<BasefoldCommitmentOpening> commitment_openings;     // layer 0, one per group of the batch
  std::vector<BasefoldLayerOpening> layer_openings;               // layers 1 .. L-1
};

// The public shape of one group: what parse() needs besides the parameters.
struct BasefoldGroupShape {
  unsigned num_vars = 0;
  std::size_t num_polys = 0;
};

// The batches of an opening: group indices with equal (num_vars, num_polys),
// batches in order of their first group, groups in increasing order.
std::vector<std::vector<std::size_t>> basefold_batches(std::span<const BasefoldGroupShape> shapes);

struct BasefoldProof {
  std::vector<BasefoldGroupProof> groups;  // one per batch (basefold_batches)
  std::uint64_t pow_nonce = 0;

  std::vector<std::uint8_t> serialize() const;
  static Status parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                      std::span<const BasefoldGroupShape> shapes, BasefoldProof& out);
};

}  // namespace fti::crypto

// The prover's block sums (docs/PROTOCOL.md, section 10.3.1): for each item
// and each block j of 2^(n-m) entries { x : x mod 2^m = j }, the integer
//   s_j = sum_{x in block j} d(x)^2      (d = C - B for S, d = B for Q)
// computed exactly (< 2^63), split s_j = 2^32 hi_j + lo_j, and the disclosed
// sums H = sum_j hi_j, L = sum_j lo_j. The honest prover refuses entries
// outside |v| < 2^23 (a commitment never holds them, section 9.2.5), since
// the no-wrap argument rests on that bound.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/goldilocks.h"
#include "engine/drift/norm_disclosure.h"
#include "engine/drift/norm_layout.h"

namespace fti::drift {

struct NormItemWitness {
  std::vector<crypto::Fp> hi;  // 2^m entries
  std::vector<crypto::Fp> lo;
};

struct NormWitness {
  std::vector<NormItemWitness> items;  // item order
  NormDisclosure disclosure;
};

// The tables of statement tensor i, read from the prover's model groups.
struct NormTables {
  std::vector<std::span<const crypto::Fp>> base;       // per statement tensor, 2^n entries
  std::vector<std::span<const crypto::Fp>> candidate;
};

// Finds every statement tensor's table in the groups (indexed by group; null
// for groups the statement does not use) and checks that each group used is
// the committed one. Throws Error(kIntegrity) naming the group otherwise.
NormTables norm_tables(const commitment::ModelCommitment& base,
                       std::span<const crypto::BasefoldProverData* const> base_groups,
                       const commitment::ModelCommitment& candidate,
                       std::span<const crypto::BasefoldProverData* const> candidate_groups, const NormLayout& layout);

// Honest block sums. Throws Error(kInput) naming the tensor and entry for a
// value with |v| >= 2^23.
NormWitness norm_witness(const commitment::ModelCommitment& base, const NormLayout& layout, const NormTables& tables);

// One Basefold group per size class: the hi and lo tables of its items, in
// item order (hi_i at block_poly, lo_i at block_poly + 1), m variables.
std::vector<crypto::BasefoldProverData> norm_commit_blocks(const crypto::BasefoldParams& params,
                                                           const NormLayout& layout, const NormWitness& witness);

}  // namespace fti::drift

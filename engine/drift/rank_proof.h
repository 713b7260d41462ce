// The low-rank proof and its byte format (docs/PROTOCOL.md, section 10.5.6).
//
//   proof = LE32(C) || C times class                        -- classes in layout order
//        || LE32(len) || RangeProof                          -- every claim's hi, lo, U, V
//   class = LE32(len) || BasefoldCommitment                  -- U (u_vars variables, M polynomials)
//        || LE32(len) || BasefoldCommitment                  -- V (v_vars variables, M polynomials)
//        || LE32(len) || BasefoldCommitment                  -- blocks (m variables, hi and lo per claim)
//        || LE32(len) || SumcheckProof                       -- residual sumcheck (n variables, degree 3)
//        || LE32(G) || G times (LE32(M_g) || M_g Fp3)         -- values at rho: the class's base groups,
//                                                            --   candidate groups, block group
//        || LE32(len) || BasefoldProof                       -- their opening at rho
//        || LE32(len) || SumcheckProof                       -- factor sumcheck (kr (+ lh) variables, degree 3 (4))
//        || LE32(len) || BasefoldProof                       -- U at its factor point (10.5.2)
//        || LE32(len) || BasefoldProof                       -- V at its factor point
//
// parse() derives every count from the commitments and the claims first
// (RankBatchLayout) and hands each part to its strict fti_crypto parser.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_proof.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/range_proof.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/rank_layout.h"

namespace fti::drift {

struct RankClassProof {
  crypto::BasefoldCommitment u_commitment, v_commitment, block_commitment;
  crypto::SumcheckProof residual_sumcheck;
  std::vector<std::vector<crypto::Fp3>> opened_values;  // base groups, candidate groups, block group at rho
  crypto::BasefoldProof residual_opening;
  crypto::SumcheckProof factor_sumcheck;
  crypto::BasefoldProof u_opening, v_opening;
};

struct RankProof {
  std::vector<RankClassProof> classes;
  crypto::RangeProof range;

  std::vector<std::uint8_t> serialize() const;
  // kOk, or kMalformed with the nested parser's status as detail.
  static DriftResult parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, RankClaims claims,
                           const RankBatchLayout& layout, RankProof& out);
};

// Shapes of a class's residual opening: its base groups, its candidate
// groups, its block group (m, 2M).
std::vector<crypto::BasefoldGroupShape> rank_opening_shapes(const commitment::ModelCommitment& base,
                                                            const commitment::ModelCommitment& candidate,
                                                            const RankClassLayout& cls);
// Range bindings, per claim in statement order: hi, lo (its class's block
// group, 2j and 2j + 1), U, V (polynomial j of its class's groups).
std::vector<crypto::RangeValueBinding> rank_range_bindings(const RankBatchLayout& layout,
                                                           std::span<const RankClassProof> classes);

}  // namespace fti::drift

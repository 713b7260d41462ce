// The low-rank proof and its byte format (docs/PROTOCOL.md, section 10.5.6).
//
//   proof = LE32(len) || BasefoldCommitment                  -- U (kr + lr variables, 1 polynomial)
//        || LE32(len) || BasefoldCommitment                  -- V (kr + lc variables, 1 polynomial)
//        || LE32(len) || BasefoldCommitment                  -- blocks (m variables, hi and lo)
//        || LE32(len) || SumcheckProof                       -- residual sumcheck (n variables, degree 3)
//        || LE32(3) || 3 times (LE32(M_g) || M_g Fp3)         -- opened values at rho: base group,
//                                                            --   candidate group, block group
//        || LE32(len) || BasefoldProof                       -- their opening at rho
//        || LE32(len) || SumcheckProof                       -- factor sumcheck (kr variables, degree 3)
//        || LE32(len) || BasefoldProof                       -- U at (kappa, rho_row)
//        || LE32(len) || BasefoldProof                       -- V at (kappa, rho_col)
//        || LE32(len) || RangeProof                          -- hi, lo, U, V
//
// parse() derives every count from the commitments and the statement first
// (RankLayout) and hands each part to its strict fti_crypto parser.
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

struct RankProof {
  crypto::BasefoldCommitment u_commitment, v_commitment, block_commitment;
  crypto::SumcheckProof residual_sumcheck;
  std::vector<std::vector<crypto::Fp3>> opened_values;  // base group, candidate group, block group at rho
  crypto::BasefoldProof residual_opening;
  crypto::SumcheckProof factor_sumcheck;
  crypto::BasefoldProof u_opening, v_opening;
  crypto::RangeProof range;

  std::vector<std::uint8_t> serialize() const;
  // kOk, or kMalformed with the nested parser's status as detail.
  static DriftResult parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const RankStatement& statement,
                           const RankLayout& layout, RankProof& out);
};

// Shapes of the residual opening: the base group, the candidate group, the block group (m, 2).
std::vector<crypto::BasefoldGroupShape> rank_opening_shapes(const commitment::ModelCommitment& base,
                                                            const commitment::ModelCommitment& candidate,
                                                            const RankLayout& layout);
// Range bindings: hi, lo (block group 0, 1), U, V (polynomial 0 of their groups).
std::vector<crypto::RangeValueBinding> rank_range_bindings(const crypto::BasefoldCommitment& blocks,
                                                           const crypto::BasefoldCommitment& u,
                                                           const crypto::BasefoldCommitment& v);

}  // namespace fti::drift

// Low-rank drift proofs with residual (docs/PROTOCOL.md, section 10.5).
//
// For one tensor the prover shows integer factors U, V (range-proven to
// [-2^(bu-1), 2^(bu-1))) and the integer R = sum_x E(x)^2 of the residual
// E = 2^t (C - B) - U V^T, without any sum wrapping modulo p: block sums of
// E^2 (block size from the public bound E_max) are committed as limbs and
// range-proven as for the norm; one sumcheck proves the block identities at a
// random block point with W = U V^T left uncommitted; a second sumcheck over
// the rank index reduces W(rho) to U(kappa, rho_row), V(kappa, rho_col),
// opened against the prover's commitments. R = 2^32 H + L is disclosed and
// the bound checked exactly. The verifier reads no weights.
#pragma once

#include <span>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/range_commit.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/norm_disclosure.h"
#include "engine/drift/rank_layout.h"
#include "engine/drift/rank_proof.h"
#include "engine/drift/rank_statement.h"
#include "engine/drift/rank_witness.h"

namespace fti::drift {

struct RankProverOutput {
  RankProof proof;
  NormStatistic disclosure;  // R = 2^32 H + L
};

// Honest prover: factors from rank_factorize. Throws Error(kInput) for a
// statement the commitments do not support (naming the DriftStatus),
// Error(kIntegrity) for a group that is not the committed one. Does not
// refuse R above the bound (the verifier reports kBoundExceeded).
RankProverOutput prove_rank(const commitment::ModelCommitment& base,
                            std::span<const crypto::BasefoldProverData* const> base_groups,
                            const commitment::ModelCommitment& candidate,
                            std::span<const crypto::BasefoldProverData* const> candidate_groups,
                            const RankStatement& statement, crypto::Transcript& transcript);

// Honest prover with the caller's integer factors (refused out of range).
RankProverOutput prove_rank_factors(const commitment::ModelCommitment& base,
                                    std::span<const crypto::BasefoldProverData* const> base_groups,
                                    const commitment::ModelCommitment& candidate,
                                    std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                    const RankStatement& statement, const RankFactors& factors,
                                    crypto::Transcript& transcript);

// The range argument's sources: hi, lo, U, V.
std::vector<crypto::RangeValueSource> rank_range_sources(const RankCommitted& committed);

// The protocol on a caller-supplied witness, commitments and range data, NOT
// checked against each other or the tables: for tests that play a cheating
// prover. Soundness never depends on the prover.
RankProverOutput prove_rank_with(const commitment::ModelCommitment& base,
                                 std::span<const crypto::BasefoldProverData* const> base_groups,
                                 const commitment::ModelCommitment& candidate,
                                 std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                 const RankStatement& statement, const RankLayout& layout, const RankTables& tables,
                                 const RankWitness& witness, const RankCommitted& committed,
                                 const crypto::RangeProverData& range, crypto::Transcript& transcript);

using RankVerifyOptions = DriftVerifyOptions;

// kOk only if every check of section 10.5.5 passes and the bound holds.
// Never throws on adversarial input.
[[nodiscard]] DriftResult verify_rank(const commitment::ModelCommitment& base,
                                      const commitment::ModelCommitment& candidate, const RankStatement& statement,
                                      const NormStatistic& disclosure, const RankProof& proof,
                                      crypto::Transcript& transcript, const RankVerifyOptions& options = {});
[[nodiscard]] DriftResult verify_rank_bytes(const commitment::ModelCommitment& base,
                                            const commitment::ModelCommitment& candidate,
                                            const RankStatement& statement, const NormStatistic& disclosure,
                                            std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                                            const RankVerifyOptions& options = {});

// The floor for every group the proof opens: base and candidate groups, U,
// V, the block group, the range argument's limb groups (checked at 2^16
// polynomials of each vector's size) and its multiplicities (L variables).
[[nodiscard]] crypto::Status rank_check_security(const crypto::BasefoldParams& params, const RankLayout& layout,
                                                 const commitment::ModelCommitment& base,
                                                 const commitment::ModelCommitment& candidate,
                                                 const RankStatement& statement, unsigned min_bits);

}  // namespace fti::drift

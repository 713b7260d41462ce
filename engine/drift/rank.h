// Low-rank drift proofs with residual (docs/PROTOCOL.md, section 10.5).
//
// One proof for every rank claim of a certificate, batched by class (equal
// matrix view and rank variables: one residual sumcheck, one opening of the
// model groups, one factor sumcheck, one U and one V opening per class) and
// one range argument. For each claim's tensor the prover shows integer factors U, V (range-proven to
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
  std::vector<NormStatistic> disclosures;  // per claim: R = 2^32 H + L
};

// Every claim's base and candidate tables from the prover's groups
// (Error(kIntegrity) for a group that is not the committed one).
std::vector<RankTables> rank_tables(const commitment::ModelCommitment& base,
                                    std::span<const crypto::BasefoldProverData* const> base_groups,
                                    const commitment::ModelCommitment& candidate,
                                    std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                    const RankBatchLayout& layout);

// Honest prover: factors from rank_factorize. Throws Error(kInput) for
// claims the commitments do not support (naming the DriftStatus),
// Error(kIntegrity) for a group that is not the committed one. Does not
// refuse R above a bound (the verifier reports kBoundExceeded).
RankProverOutput prove_ranks(const commitment::ModelCommitment& base,
                             std::span<const crypto::BasefoldProverData* const> base_groups,
                             const commitment::ModelCommitment& candidate,
                             std::span<const crypto::BasefoldProverData* const> candidate_groups, RankClaims claims,
                             crypto::Transcript& transcript);

// Honest prover with the caller's integer factors, one per claim (refused
// out of range).
RankProverOutput prove_ranks_factors(const commitment::ModelCommitment& base,
                                     std::span<const crypto::BasefoldProverData* const> base_groups,
                                     const commitment::ModelCommitment& candidate,
                                     std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                     RankClaims claims, std::span<const RankFactors> factors,
                                     crypto::Transcript& transcript);

// The range argument's sources, per claim: hi, lo, U, V in its class's groups.
std::vector<crypto::RangeValueSource> rank_range_sources(const RankBatchLayout& layout,
                                                         std::span<const RankCommitted> committed);

// The protocol on caller-supplied witnesses (per claim), commitments (per
// class) and range data, NOT checked against each other or the tables: for
// tests that play a cheating prover. Soundness never depends on the prover.
RankProverOutput prove_ranks_with(const commitment::ModelCommitment& base,
                                  std::span<const crypto::BasefoldProverData* const> base_groups,
                                  const commitment::ModelCommitment& candidate,
                                  std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                  RankClaims claims, const RankBatchLayout& layout, std::span<const RankTables> tables,
                                  std::span<const RankWitness> witnesses, std::span<const RankCommitted> committed,
                                  const crypto::RangeProverData& range, crypto::Transcript& transcript);

using RankVerifyOptions = DriftVerifyOptions;

// kOk only if every check of section 10.5.5 passes and every bound holds.
// Never throws on adversarial input.
[[nodiscard]] DriftResult verify_ranks(const commitment::ModelCommitment& base,
                                       const commitment::ModelCommitment& candidate, RankClaims claims,
                                       std::span<const NormStatistic> disclosures, const RankProof& proof,
                                       crypto::Transcript& transcript, const RankVerifyOptions& options = {});
[[nodiscard]] DriftResult verify_ranks_bytes(const commitment::ModelCommitment& base,
                                             const commitment::ModelCommitment& candidate, RankClaims claims,
                                             std::span<const NormStatistic> disclosures,
                                             std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                                             const RankVerifyOptions& options = {});

// The floor for every group the proof opens: per class its base and
// candidate groups, U, V (M polynomials each), the block group (m, 2M); the
// range argument's limb groups (checked at 2^16 polynomials of each class's
// sizes) and its multiplicities (L variables).
[[nodiscard]] crypto::Status rank_check_security(const crypto::BasefoldParams& params, const RankBatchLayout& layout,
                                                 const commitment::ModelCommitment& base,
                                                 const commitment::ModelCommitment& candidate, RankClaims claims,
                                                 unsigned min_bits);

}  // namespace fti::drift

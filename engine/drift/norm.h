// Frobenius-norm drift proofs (docs/PROTOCOL.md, section 10.3).
//
// For every statement tensor the prover shows the integer S = sum (C - B)^2
// (and Q = sum B^2 if asked) over the committed fixed-point tables, without
// any sum wrapping modulo p: block sums of 2^15 squares (< 2^63) are
// committed as limbs 2^32 hi + lo, range-proven (hi < 2^31, lo < 2^32); one
// sumcheck per size class proves every block identity at a random block
// point and the sums of the limbs H, L, which are disclosed; S = 2^32 H + L.
// One Basefold opening per size class discharges the sumcheck's evaluations
// on the base, candidate and block-sum groups; a standalone range argument
// (its own opening) bounds the limbs. The verifier reads no weights: only
// the two model commitments (trusted, recomputable from the files), the
// statement, the disclosed statistics and the proof.
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
#include "engine/drift/norm_layout.h"
#include "engine/drift/norm_proof.h"
#include "engine/drift/norm_statement.h"
#include "engine/drift/norm_witness.h"

namespace fti::drift {

struct NormProverOutput {
  NormProof proof;
  NormDisclosure disclosure;
};

// Honest prover on the caller's transcript. `base_groups[g]` is the prover
// data of the base's group g (basefold_commit over group_tables), null for
// groups the statement does not use; likewise for the candidate. Throws
// Error(kInput) for a statement the commitments do not support (naming the
// DriftStatus) or an entry outside |v| < 2^23, Error(kIntegrity) if a group
// given is not the committed one. Does not refuse a statistic above its
// bound: the verifier reports kBoundExceeded for a valid proof of it.
NormProverOutput prove_norms(const commitment::ModelCommitment& base,
                             std::span<const crypto::BasefoldProverData* const> base_groups,
                             const commitment::ModelCommitment& candidate,
                             std::span<const crypto::BasefoldProverData* const> candidate_groups,
                             const NormStatement& statement, crypto::Transcript& transcript);

// The range argument's sources: per item hi then lo in its class's block group.
std::vector<crypto::RangeValueSource> norm_range_sources(const NormLayout& layout,
                                                         std::span<const crypto::BasefoldProverData> block_groups);

// The protocol with a caller-supplied witness, block groups and range data,
// NOT checked against each other or the tables (the honest prover is
// prove_norms). For tests that play a cheating prover; soundness never
// depends on the prover.
NormProverOutput prove_norms_with(const commitment::ModelCommitment& base,
                                  std::span<const crypto::BasefoldProverData* const> base_groups,
                                  const commitment::ModelCommitment& candidate,
                                  std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                  const NormStatement& statement, const NormLayout& layout, const NormTables& tables,
                                  const NormWitness& witness,
                                  std::span<const crypto::BasefoldProverData> block_groups,
                                  const crypto::RangeProverData& range, crypto::Transcript& transcript);

using NormVerifyOptions = DriftVerifyOptions;

// kOk only if every check of section 10.3.5 passes and every bound holds;
// kInsecureParameters (first) if the parameters are below the floor.
// Never throws on adversarial input.
[[nodiscard]] DriftResult verify_norms(const commitment::ModelCommitment& base,
                                       const commitment::ModelCommitment& candidate, const NormStatement& statement,
                                       const NormDisclosure& disclosure, const NormProof& proof,
                                       crypto::Transcript& transcript, const NormVerifyOptions& options = {});

// The same from bytes: NormProof::parse, then verify_norms.
[[nodiscard]] DriftResult verify_norms_bytes(const commitment::ModelCommitment& base,
                                             const commitment::ModelCommitment& candidate,
                                             const NormStatement& statement, const NormDisclosure& disclosure,
                                             std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                                             const NormVerifyOptions& options = {});

// The floor of NormVerifyOptions for every group the proof opens: the base's
// and candidate's groups of every class, the block groups, the range
// argument's limb groups (at most 2^16 polynomials of m variables, checked
// at that bound) and its multiplicity group (L variables).
[[nodiscard]] crypto::Status norm_check_security(const crypto::BasefoldParams& params, const NormLayout& layout,
                                                 const commitment::ModelCommitment& base,
                                                 const commitment::ModelCommitment& candidate,
                                                 const NormStatement& statement, unsigned min_bits);

// Whether a commitment's digests recompute from its records (a verifier
// holding an in-memory commitment cannot rely on the file parser's check).
bool norm_commitment_consistent(const commitment::ModelCommitment& commitment);

}  // namespace fti::drift

// Entrywise drift proofs (docs/PROTOCOL.md, section 10.6): the largest
// absolute change of a tensor, and how many of its entries changed, for
// every claim of a statement in one proof batched by size class.
//
// max_abs. The prover commits a = M' + d and a' = M' - d (d = C - B over the
// committed tables) and range-proves both in [0, 2^b); an opening of B, C
// and W at a random point shows a = M' + C - B and a' = M' - C + B as
// polynomials. Both non-negative, with no wrap modulo p (|d| < 2^24, 2^b <=
// 2^26): -M' <= d <= M'.
// count. The prover commits a mask m and discloses c = sum m; a zero-check
// sumcheck at a random point shows m (1 - m) = 0 and (C - B)(1 - m) = 0 on
// every entry, so every changed entry has m = 1 and at most c changed.
// The verifier reads no weights: only the two model commitments (trusted,
// recomputable from the files), the statement, the counts and the proof.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/range_commit.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/entry_layout.h"
#include "engine/drift/entry_proof.h"
#include "engine/drift/entry_statement.h"

namespace fti::drift {

struct EntryProverOutput {
  EntryProof proof;
  std::vector<std::uint64_t> changed;  // c per claim, disclosed (0 without a count claim)
};

// Every claim's committed tables in the prover's groups.
struct EntryTables {
  std::vector<std::span<const crypto::Fp>> base, candidate;  // per claim
};
EntryTables entry_tables(const commitment::ModelCommitment& base,
                         std::span<const crypto::BasefoldProverData* const> base_groups,
                         const commitment::ModelCommitment& candidate,
                         std::span<const crypto::BasefoldProverData* const> candidate_groups,
                         const EntryLayout& layout);

// Each class's W tables and every claim's c. Throws Error(kInput) when some
// |d| exceeds a claim's M (naming the tensor, the entry and both figures):
// no valid proof exists, so the honest prover refuses.
struct EntryWitness {
  std::vector<std::vector<std::vector<crypto::Fp>>> classes;  // W_c's polynomials, in layout order
  std::vector<std::uint64_t> changed;                         // per claim
};
EntryWitness entry_witness(const commitment::ModelCommitment& base, const EntryLayout& layout,
                           const EntryStatement& statement, const EntryTables& tables);

// Honest prover on the caller's transcript (groups as for prove_norms).
EntryProverOutput prove_entries(const commitment::ModelCommitment& base,
                                std::span<const crypto::BasefoldProverData* const> base_groups,
                                const commitment::ModelCommitment& candidate,
                                std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                const EntryStatement& statement, crypto::Transcript& transcript);

// The range argument's sources: per max_abs claim, a and a' in its class's W.
std::vector<crypto::RangeValueSource> entry_range_sources(const EntryLayout& layout,
                                                          std::span<const crypto::BasefoldProverData> witness_groups);

// The protocol with a caller-supplied witness, its commitments (one per
// class) and range data (null without max_abs claims), NOT checked against
// the tables: for tests that play a cheating prover; soundness never
// depends on the prover.
EntryProverOutput prove_entries_with(const commitment::ModelCommitment& base,
                                     std::span<const crypto::BasefoldProverData* const> base_groups,
                                     const commitment::ModelCommitment& candidate,
                                     std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                     const EntryStatement& statement, const EntryLayout& layout,
                                     const EntryTables& tables, const EntryWitness& witness,
                                     std::span<const crypto::BasefoldProverData> witness_groups,
                                     const crypto::RangeProverData* range, crypto::Transcript& transcript);

using EntryVerifyOptions = DriftVerifyOptions;

// kOk only if every check of section 10.6.5 passes and every bound holds;
// kInsecureParameters (first) below the floor. Never throws on adversarial input.
[[nodiscard]] DriftResult verify_entries(const commitment::ModelCommitment& base,
                                         const commitment::ModelCommitment& candidate,
                                         const EntryStatement& statement, std::span<const std::uint64_t> changed,
                                         const EntryProof& proof, crypto::Transcript& transcript,
                                         const EntryVerifyOptions& options = {});

[[nodiscard]] DriftResult verify_entries_bytes(const commitment::ModelCommitment& base,
                                               const commitment::ModelCommitment& candidate,
                                               const EntryStatement& statement,
                                               std::span<const std::uint64_t> changed,
                                               std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                                               const EntryVerifyOptions& options = {});

// The floor for every group the proof opens: each class's base and
// candidate groups and W_c, and with max_abs claims the range argument's
// limb groups (checked at 2^16 polynomials of each class's n variables) and
// its multiplicity group (L variables).
[[nodiscard]] crypto::Status entry_check_security(const crypto::BasefoldParams& params, const EntryLayout& layout,
                                                  const commitment::ModelCommitment& base,
                                                  const commitment::ModelCommitment& candidate,
                                                  const EntryStatement& statement, unsigned min_bits);

}  // namespace fti::drift

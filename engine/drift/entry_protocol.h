// The steps of an entrywise proof that prover and verifier share
// (docs/PROTOCOL.md, section 10.6.3): labels, the absorption of the
// statement, of the witness commitments and of the disclosed counts, the
// points, and the zero-check sumcheck of a size class's count claims.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/sumcheck.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/entry_layout.h"
#include "engine/drift/entry_statement.h"

namespace fti::drift {

inline constexpr std::string_view kEntryProtocolId = "fti.drift.entry.v1";

// Transcript labels, in the order they are used (section 10.6.3).
inline constexpr std::string_view kEntryLabelProtocol = "drift.entry.protocol";
inline constexpr std::string_view kEntryLabelParams = "drift.entry.params";
inline constexpr std::string_view kEntryLabelBaseRoot = "drift.entry.base_root";
inline constexpr std::string_view kEntryLabelCandidateRoot = "drift.entry.candidate_root";
inline constexpr std::string_view kEntryLabelNumClaims = "drift.entry.num_claims";
inline constexpr std::string_view kEntryLabelTensorName = "drift.entry.tensor_name";
inline constexpr std::string_view kEntryLabelClaim = "drift.entry.claim";
inline constexpr std::string_view kEntryLabelWitnessGroup = "drift.entry.witness_group";
inline constexpr std::string_view kEntryLabelWitnessCommitment = "drift.entry.witness_commitment";
inline constexpr std::string_view kEntryLabelChanged = "drift.entry.changed";
inline constexpr std::string_view kEntryLabelZeroPoint = "drift.entry.zero_point";
inline constexpr std::string_view kEntryLabelPoint = "drift.entry.point";

// Polynomials of a class's count sumcheck: Eq, then B, C, m per count claim.
inline constexpr std::uint32_t kEntryEqPoly = 0;
inline constexpr std::uint32_t entry_base_poly(std::size_t j) { return static_cast<std::uint32_t>(1 + 3 * j); }
inline constexpr std::uint32_t entry_candidate_poly(std::size_t j) { return static_cast<std::uint32_t>(2 + 3 * j); }
inline constexpr std::uint32_t entry_mask_poly(std::size_t j) { return static_cast<std::uint32_t>(3 + 3 * j); }

// Steps 1-2: protocol id, parameters, roots, every claim.
void entry_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                            const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                            const EntryLayout& layout);
// Steps 3-4: each class's W shape and commitment, then the disclosed counts
// (one per claim, 0 without a count claim).
void entry_absorb_witnesses(crypto::Transcript& t, const EntryLayout& layout,
                            std::span<const crypto::BasefoldCommitment> witnesses,
                            std::span<const std::uint64_t> changed);
// n coordinates under `label` (kEntryLabelZeroPoint or kEntryLabelPoint).
std::vector<crypto::Fp3> entry_point(crypto::Transcript& t, unsigned num_vars, std::string_view label);

// Class c's count claims over Eq = eq(rho, .) and B, C, m of each count
// claim j (section 10.6.4):
//   sum_x Eq (C - B)(1 - m) = 0,   sum_x Eq (m - m^2) = 0,   sum_x m = c_j.
crypto::SumcheckStatement entry_count_statement(const EntryLayout& layout, std::size_t c,
                                                std::span<const std::uint64_t> changed);

}  // namespace fti::drift

// The steps of an entrywise proof that prover and verifier share
// (docs/PROTOCOL.md, section 10.6.3): labels, the absorption of the
// statement and of the witness commitment with the disclosed count, the
// points, and the zero-check sumcheck of the count claim.
#pragma once

#include <cstdint>
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
inline constexpr std::string_view kEntryLabelTensorName = "drift.entry.tensor_name";
inline constexpr std::string_view kEntryLabelTensor = "drift.entry.tensor";
inline constexpr std::string_view kEntryLabelWitnessGroup = "drift.entry.witness_group";
inline constexpr std::string_view kEntryLabelWitnessCommitment = "drift.entry.witness_commitment";
inline constexpr std::string_view kEntryLabelChanged = "drift.entry.changed";
inline constexpr std::string_view kEntryLabelZeroPoint = "drift.entry.zero_point";
inline constexpr std::string_view kEntryLabelPoint = "drift.entry.point";

// Polynomials of the count sumcheck.
inline constexpr std::uint32_t kEntryEqPoly = 0;
inline constexpr std::uint32_t kEntryBasePoly = 1;
inline constexpr std::uint32_t kEntryCandidatePoly = 2;
inline constexpr std::uint32_t kEntryMaskPoly = 3;

// Steps 1-3: protocol id, parameters, roots, tensor and statement.
void entry_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                            const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                            const EntryLayout& layout);
// Step 4: W's shape and commitment, then the disclosed count c (0 without a count claim).
void entry_absorb_witness(crypto::Transcript& t, const EntryLayout& layout,
                          const crypto::BasefoldCommitment& witness, std::uint64_t changed);
// Step 5: n coordinates under `label` (kEntryLabelZeroPoint or kEntryLabelPoint).
std::vector<crypto::Fp3> entry_point(crypto::Transcript& t, const EntryLayout& layout, std::string_view label);

// The count claims over polynomials Eq = eq(rho, .), B, C, m (section 10.6.4):
//   sum_x Eq (C - B)(1 - m) = 0,   sum_x Eq (m - m^2) = 0,   sum_x m = c.
crypto::SumcheckStatement entry_count_statement(const EntryLayout& layout, std::uint64_t changed);

}  // namespace fti::drift

// Range arguments: every entry of committed vectors lies in [0, 2^b) or
// [-2^(b-1), 2^(b-1)), b <= 32 (docs/PROTOCOL.md, section 8).
//
// Limb decomposition (range_statement.h) and a LogUp lookup of every limb
// into the table [0, 2^L), proven by LogUp-GKR (logup_gkr.h):
//   sum_{lookups a} 1 / (alpha - a)  =  sum_{t < 2^L} m_t / (alpha - t),
// with alpha in Fp3 drawn after the values', limbs' and multiplicities'
// commitments are absorbed. The GKR leaves claims on the value vectors, the
// lower limbs and the multiplicities at prefixes of one point r; they are
// discharged by a Basefold opening at r.
//
// Two forms.
//  * Composable: range_commit, then range_reduce on the caller's transcript
//    gives the reduction proof and r; the caller opens its value groups and
//    RangeProverData::groups() at r (with any other claims it has at r) in
//    one basefold_open. The verifier runs range_verify_reduction, gets
//    RangeClaims (r, the value evaluations it must find in the caller's
//    opening, the range groups' claims to add to basefold_verify) and checks
//    the value evaluations with range_check_value_claim.
//  * Standalone: range_prove / range_verify do the same and the opening
//    (value groups, limb groups, multiplicities) themselves, on the shared
//    transcript.
// Prover: linear in the number of entries (decomposition, two small
// commitments, GKR), TBB-parallel. Verifier: O(n^2 + I n) field operations
// plus a Basefold verification.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/range_commit.h"
#include "engine/crypto/range_proof.h"
#include "engine/crypto/range_statement.h"
#include "engine/crypto/status.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {

// Transcript labels, in the order they are used (section 8.6).
inline constexpr std::string_view kRangeLabelLimbBits = "range.limb_bits";
inline constexpr std::string_view kRangeLabelNumVectors = "range.num_vectors";
inline constexpr std::string_view kRangeLabelVector = "range.vector";
inline constexpr std::string_view kRangeLabelValueGroup = "range.value_group";
inline constexpr std::string_view kRangeLabelValueCommitment = "range.value_commitment";
inline constexpr std::string_view kRangeLabelLimbCommitment = "range.limb_commitment";
inline constexpr std::string_view kRangeLabelMultiplicityCommitment = "range.multiplicity_commitment";
inline constexpr std::string_view kRangeLabelLookupChallenge = "range.lookup_challenge";
inline constexpr std::string_view kRangeLabelValueEvaluations = "range.value_evaluations";
inline constexpr std::string_view kRangeLabelLimbEvaluations = "range.limb_evaluations";
inline constexpr std::string_view kRangeLabelMultiplicityEvaluation = "range.multiplicity_evaluation";

// Steps 1-2 of section 8.6: the statement, every value binding and the range
// commitment, before alpha. Prover and verifier both call this.
void range_absorb_statement(Transcript& t, const RangeStatement& statement, std::span<const RangeValueBinding> bindings,
                            const RangeCommitment& commitment);

struct RangeReduction {
  RangeReductionProof proof;
  std::vector<Fp3> point;  // r: max(n_j, L) coordinates; open every group at its prefix
};

// Composable prover: steps 1-5 of section 8.6 on the caller's transcript.
RangeReduction range_reduce(const RangeProverData& data, Transcript& transcript);

struct RangeClaims {
  std::vector<Fp3> point;                  // r
  std::vector<Fp3> value_evaluations;      // v_j(r_<n_j): the caller's opening must show these
  std::vector<BasefoldGroupClaim> groups;  // limb groups then multiplicities, with their claimed values
};

// Composable verifier: every check of section 8.6 except the opening.
// kOk means: the range holds if the caller's opening at `out.point` proves
// out.value_evaluations and out.groups. Never throws on adversarial input.
[[nodiscard]] Status range_verify_reduction(const BasefoldParams& params, const RangeStatement& statement,
                                            std::span<const RangeValueBinding> bindings,
                                            const RangeCommitment& commitment, const RangeReductionProof& proof,
                                            Transcript& transcript, RangeClaims& out);

// kOk if the caller's opened values of v_j's group (all its polynomials, in
// group order) show v_j(r) = claims.value_evaluations[vector] at `index`;
// kEvaluationMismatch otherwise, kWrongLength for an index outside the list.
[[nodiscard]] Status range_check_value_claim(const RangeClaims& claims, std::size_t vector,
                                             std::span<const Fp3> group_values, std::size_t index);

// Standalone prover: range_reduce, then one basefold_open of the distinct
// value groups, the limb groups and the multiplicities at r.
RangeProof range_prove(const RangeProverData& data, Transcript& transcript);

// Standalone verifier. Never throws on adversarial input.
[[nodiscard]] Status range_verify(const BasefoldParams& params, const RangeStatement& statement,
                                  std::span<const RangeValueBinding> bindings, const RangeProof& proof,
                                  Transcript& transcript);

}  // namespace fti::crypto

// Range-argument pieces shared by the prover (range_prove.cpp) and the
// verifier (range_verify.cpp): the transcript steps before alpha.
#include "engine/crypto/range.h"

#include <cstdint>

namespace fti::crypto {

void range_absorb_statement(Transcript& t, const RangeStatement& statement, std::span<const RangeValueBinding> bindings,
                            const RangeCommitment& commitment) {
  t.absorb_u64(kRangeLabelLimbBits, statement.limb_bits);
  t.absorb_u64(kRangeLabelNumVectors, statement.vectors.size());
  for (std::size_t j = 0; j < statement.vectors.size(); ++j) {
    const RangeVectorSpec& v = statement.vectors[j];
    const std::uint64_t spec[3] = {v.num_vars, v.bits, v.is_signed ? 1u : 0u};
    t.absorb_u64s(kRangeLabelVector, spec);
    const BasefoldCommitment& c = bindings[j].commitment;
    const std::uint64_t group[3] = {c.num_vars, c.num_polys, bindings[j].index};
    t.absorb_u64s(kRangeLabelValueGroup, group);
    t.absorb_digests(kRangeLabelValueCommitment, c.cap.nodes);
  }
  for (const BasefoldCommitment& c : commitment.limbs) t.absorb_digests(kRangeLabelLimbCommitment, c.cap.nodes);
  t.absorb_digests(kRangeLabelMultiplicityCommitment, commitment.multiplicities.cap.nodes);
}

Status range_check_value_claim(const RangeClaims& claims, std::size_t vector, std::span<const Fp3> group_values,
                               std::size_t index) {
  if (vector >= claims.value_evaluations.size() || index >= group_values.size()) return Status::kWrongLength;
  return group_values[index] == claims.value_evaluations[vector] ? Status::kOk : Status::kEvaluationMismatch;
}

}  // namespace fti::crypto

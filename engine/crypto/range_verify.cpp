// Range-argument verifier (docs/PROTOCOL.md, section 8.6, "Verifier checks").
#include <new>
#include <utility>

#include "engine/crypto/logup_gkr.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"

namespace fti::crypto {
namespace {

// Shapes the statement prescribes for the bindings and the range commitment.
Status check_shapes(const BasefoldParams& params, const RangeStatement& statement, const RangeLayout& layout,
                    std::span<const RangeValueBinding> bindings, const RangeCommitment& commitment) {
  if (params.check_size(statement.limb_bits) != Status::kOk) return Status::kBadParameters;
  if (bindings.size() != statement.vectors.size()) return Status::kBadParameters;
  for (std::size_t j = 0; j < bindings.size(); ++j) {
    const BasefoldCommitment& c = bindings[j].commitment;
    if (params.check_shape(statement.vectors[j].num_vars, c.num_polys) != Status::kOk ||
        c.num_vars != statement.vectors[j].num_vars || bindings[j].index >= c.num_polys) {
      return Status::kBadParameters;
    }
  }
  if (commitment.limbs.size() != layout.num_limb_groups) return Status::kMalformed;
  for (std::size_t g = 0; g < layout.num_limb_groups; ++g) {
    const BasefoldCommitment& c = commitment.limbs[g];
    if (c.num_vars != layout.limb_groups[g].num_vars || c.num_polys != layout.limb_groups[g].num_polys) {
      return Status::kMalformed;
    }
    if (params.check_shape(c.num_vars, c.num_polys) != Status::kOk) return Status::kBadParameters;
  }
  if (commitment.multiplicities.num_vars != statement.limb_bits || commitment.multiplicities.num_polys != 1) {
    return Status::kMalformed;
  }
  return Status::kOk;
}

// sum over lookup instances of P_i / Q_i equals P_T / Q_T, no Q_i zero.
Status check_roots(const RangeLayout& layout, std::span<const Fp3> roots) {
  for (std::size_t i = 0; i < layout.instance_vars.size(); ++i) {
    if (roots[2 * i + 1].is_zero()) return Status::kZeroDenominator;
  }
  Fp3 num = Fp3::zero(), den = Fp3::one();
  for (std::size_t i = 0; i < layout.table_instance; ++i) {
    num = num * roots[2 * i + 1] + roots[2 * i] * den;
    den *= roots[2 * i + 1];
  }
  const std::size_t t = layout.table_instance;
  return num * roots[2 * t + 1] == roots[2 * t] * den ? Status::kOk : Status::kLookupSumMismatch;
}

// The input claims the GKR left against the prover's evaluations (section 8.6, step 6).
// A bundle's claim is at (r_<n, r_[n, n+k)): with e_s = eq(r_[n, n+k), s), its
// numerator is sum_{s < members} e_s and its denominator
// alpha - sum_{s < members} e_s a_s(r_<n) (padding slots: numerator 0, value 0).
Status check_inputs(const RangeStatement& statement, const RangeLayout& layout, const Fp3& alpha,
                    const LogupGkrClaims& gkr, const RangeReductionProof& proof) {
  const unsigned bits_l = statement.limb_bits;
  auto expect = [&](std::size_t instance, const Fp3& numerator, const Fp3& value) {
    return gkr.inputs[instance] == LogupFraction{numerator, alpha - value};
  };
  // Every slot's value a_s(r_<n): lower limbs, top limb, shifted top.
  std::vector<std::vector<Fp3>> slots(layout.bundles.size());
  for (std::size_t b = 0; b < layout.bundles.size(); ++b) slots[b].resize(layout.bundles[b].members);
  for (std::size_t j = 0; j < layout.vectors.size(); ++j) {
    const RangeVectorLayout& v = layout.vectors[j];
    std::vector<Fp3>& out = slots[v.bundle];
    Fp3 rest = proof.value_evaluations[j] + Fp3(Fp::from_u64(v.offset));
    for (unsigned k = 0; k < v.committed_limbs(); ++k) {
      const Fp3& limb = proof.limb_evaluations[v.first_limb + k];
      out[v.first_slot + k] = limb;
      rest -= limb * Fp::from_u64(std::uint64_t{1} << (bits_l * k));
    }
    const Fp3 top = rest * Fp::from_u64(std::uint64_t{1} << (bits_l * v.committed_limbs())).inverse();
    out[v.first_slot + v.committed_limbs()] = top;
    if (v.top_shifted) {
      const Fp shift = Fp::from_u64((std::uint64_t{1} << bits_l) - (std::uint64_t{1} << v.top_bits));
      out[v.first_slot + v.num_limbs] = top + Fp3(shift);
    }
  }
  for (std::size_t b = 0; b < layout.bundles.size(); ++b) {
    const RangeBundle& bundle = layout.bundles[b];
    const std::vector<Fp3> eq = eq_table(std::span<const Fp3>(gkr.point).subspan(bundle.num_vars, bundle.stack_vars));
    Fp3 numerator = Fp3::zero(), value = Fp3::zero();
    for (std::size_t s = 0; s < bundle.members; ++s) {
      numerator += eq[s];
      value += eq[s] * slots[b][s];
    }
    if (!expect(b, numerator, value)) return Status::kEvaluationMismatch;
  }
  // The table's multilinear extension: t(r) = sum_i 2^i r_i.
  Fp3 t = Fp3::zero();
  for (unsigned i = 0; i < bits_l; ++i) t += gkr.point[i] * Fp::from_u64(std::uint64_t{1} << i);
  if (!expect(layout.table_instance, proof.multiplicity_evaluation, t)) return Status::kEvaluationMismatch;
  return Status::kOk;
}

}  // namespace

Status range_verify_reduction(const BasefoldParams& params, const RangeStatement& statement,
                              std::span<const RangeValueBinding> bindings, const RangeCommitment& commitment,
                              const RangeReductionProof& proof, Transcript& transcript, RangeClaims& out) {
  if (statement.check() != Status::kOk || params.check() != Status::kOk) return Status::kBadParameters;
  try {
    const RangeLayout layout = RangeLayout::make(statement);
    if (const Status s = check_shapes(params, statement, layout, bindings, commitment); s != Status::kOk) return s;
    if (proof.gkr.roots.size() != 2 * layout.instance_vars.size()) return Status::kWrongLength;
    if (proof.value_evaluations.size() != statement.vectors.size() ||
        proof.limb_evaluations.size() != layout.num_committed_limbs) {
      return Status::kWrongLength;
    }

    range_absorb_statement(transcript, statement, bindings, commitment);
    const Fp3 alpha = transcript.challenge_fp3(kRangeLabelLookupChallenge);
    if (const Status s = check_roots(layout, proof.gkr.roots); s != Status::kOk) return s;
    LogupGkrClaims gkr;
    if (const Status s = logup_gkr_verify(layout.instance_vars, proof.gkr, transcript, gkr); s != Status::kOk) {
      return s;
    }
    transcript.absorb_fp3s(kRangeLabelValueEvaluations, proof.value_evaluations);
    transcript.absorb_fp3s(kRangeLabelLimbEvaluations, proof.limb_evaluations);
    transcript.absorb_fp3(kRangeLabelMultiplicityEvaluation, proof.multiplicity_evaluation);
    if (const Status s = check_inputs(statement, layout, alpha, gkr, proof); s != Status::kOk) return s;

    RangeClaims claims;
    claims.point = gkr.point;
    claims.value_evaluations = proof.value_evaluations;
    // Each limb group's values: its vectors' limb evaluations in vector order
    // (the order of limb_offset).
    std::vector<std::vector<Fp3>> limb_values(layout.num_limb_groups);
    for (const RangeVectorLayout& v : layout.vectors) {
      if (v.limb_group == kRangeNoGroup) continue;
      const auto first = proof.limb_evaluations.begin() + static_cast<std::ptrdiff_t>(v.first_limb);
      limb_values[v.limb_group].insert(limb_values[v.limb_group].end(), first,
                                       first + static_cast<std::ptrdiff_t>(v.committed_limbs()));
    }
    for (std::size_t g = 0; g < layout.num_limb_groups; ++g) {
      claims.groups.push_back({commitment.limbs[g], std::move(limb_values[g])});
    }
    claims.groups.push_back({commitment.multiplicities, {proof.multiplicity_evaluation}});
    out = std::move(claims);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

Status range_verify(const BasefoldParams& params, const RangeStatement& statement,
                    std::span<const RangeValueBinding> bindings, const RangeProof& proof, Transcript& transcript) {
  RangeClaims claims;
  if (const Status s =
          range_verify_reduction(params, statement, bindings, proof.commitment, proof.reduction, transcript, claims);
      s != Status::kOk) {
    return s;
  }
  try {
    std::vector<BasefoldCommitment> commitments;
    for (const RangeValueBinding& b : bindings) commitments.push_back(b.commitment);
    const RangeValueGroups value_groups = range_value_groups(commitments);
    if (proof.value_group_values.size() != value_groups.first_vector.size()) return Status::kMalformed;
    std::vector<BasefoldGroupClaim> groups;
    for (std::size_t u = 0; u < value_groups.first_vector.size(); ++u) {
      const BasefoldCommitment& c = bindings[value_groups.first_vector[u]].commitment;
      if (proof.value_group_values[u].size() != c.num_polys) return Status::kWrongLength;
      groups.push_back({c, proof.value_group_values[u]});
    }
    for (std::size_t j = 0; j < bindings.size(); ++j) {
      const Status s =
          range_check_value_claim(claims, j, proof.value_group_values[value_groups.group_of[j]], bindings[j].index);
      if (s != Status::kOk) return s;
    }
    for (BasefoldGroupClaim& g : claims.groups) groups.push_back(std::move(g));
    return basefold_verify(params, groups, claims.point, proof.opening, transcript);
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

}  // namespace fti::crypto

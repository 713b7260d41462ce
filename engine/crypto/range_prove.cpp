// Range-argument prover (docs/PROTOCOL.md, section 8.6).
#include <algorithm>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/large_buffer.h"
#include "engine/crypto/logup_gkr.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"

namespace fti::crypto {
namespace {

// P(point) for a base table, parallel and without a table-sized temporary:
// eq(point, x) = eq(lo, x_lo) eq(hi, x_hi), so P = sum_hi eq_hi sum_lo eq_lo T.
Fp3 evaluate(std::span<const Fp> table, std::span<const Fp3> point) {
  const std::size_t lo_vars = std::min<std::size_t>(point.size(), 10);
  const std::vector<Fp3> eq_lo = eq_table(point.first(lo_vars));
  const std::vector<Fp3> eq_hi = eq_table(point.subspan(lo_vars));
  const std::size_t block = eq_lo.size();
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, eq_hi.size(), 16), Fp3::zero(),
      [&](const tbb::blocked_range<std::size_t>& r, Fp3 acc) {
        for (std::size_t h = r.begin(); h < r.end(); ++h) {
          const Fp* t = table.data() + h * block;
          Fp3 inner = Fp3::zero();
          for (std::size_t l = 0; l < block; ++l) inner += eq_lo[l] * t[l];
          acc += eq_hi[h] * inner;
        }
        return acc;
      },
      [](const Fp3& a, const Fp3& b) { return a + b; });
}

}  // namespace

RangeReduction range_reduce(const RangeProverData& data, Transcript& transcript) {
  const RangeStatement& statement = data.statement();
  const RangeLayout& layout = data.layout();
  range_absorb_statement(transcript, statement, data.bindings(), data.commitment());
  const Fp3 alpha = transcript.challenge_fp3(kRangeLabelLookupChallenge);

  // The LogUp instances (section 8.3): one per bundle, slot s of a bundle at
  // s 2^n + x with its shift added; padding slots have numerator 0.
  const std::uint64_t table_size = std::uint64_t{1} << statement.limb_bits;
  std::vector<std::vector<Fp>> bundle_values(layout.bundles.size()), bundle_numerators(layout.bundles.size());
  for (std::size_t b = 0; b < layout.bundles.size(); ++b) {
    const RangeBundle& bundle = layout.bundles[b];
    const std::size_t slots = std::size_t{1} << bundle.stack_vars;
    bundle_values[b] = large_vector<Fp>(slots << bundle.num_vars);
    std::fill(bundle_values[b].begin(), bundle_values[b].end(), Fp::zero());
    if (bundle.members < slots) {
      bundle_numerators[b] = large_vector<Fp>(slots << bundle.num_vars);
      std::fill(bundle_numerators[b].begin(), bundle_numerators[b].end(), Fp::zero());
      std::fill_n(bundle_numerators[b].begin(), bundle.members << bundle.num_vars, Fp::one());
    }
  }
  for (std::size_t j = 0; j < statement.vectors.size(); ++j) {
    const RangeVectorLayout& v = layout.vectors[j];
    const unsigned n = statement.vectors[j].num_vars;
    std::vector<Fp>& values = bundle_values[v.bundle];
    std::size_t slot = v.first_slot;
    auto place = [&](std::span<const Fp> limb, Fp shift) {
      Fp* out = values.data() + (slot++ << n);
      for (std::size_t x = 0; x < limb.size(); ++x) out[x] = limb[x] + shift;
    };
    for (const std::vector<Fp>& limb : data.lower_limbs(j)) place(limb, Fp::zero());
    place(data.top_limb(j), Fp::zero());
    if (v.top_shifted) place(data.top_limb(j), Fp::from_u64(table_size - (std::uint64_t{1} << v.top_bits)));
  }
  std::vector<LogupInput> inputs;
  inputs.reserve(layout.instance_vars.size());
  for (std::size_t b = 0; b < layout.bundles.size(); ++b) {
    inputs.push_back({bundle_numerators[b], bundle_values[b], Fp::zero()});
  }
  inputs.push_back({data.multiplicities(), data.table(), Fp::zero()});
  LogupGkrProverOutput gkr = logup_gkr_prove(alpha, inputs, transcript);

  RangeReduction out;
  out.point = std::move(gkr.point);
  out.proof.gkr = std::move(gkr.proof);
  const std::span<const Fp3> r = out.point;
  for (std::size_t j = 0; j < statement.vectors.size(); ++j) {
    const std::span<const Fp3> rj = r.first(statement.vectors[j].num_vars);
    out.proof.value_evaluations.push_back(evaluate(data.values(j), rj));
    for (const std::vector<Fp>& limb : data.lower_limbs(j)) {
      out.proof.limb_evaluations.push_back(evaluate(limb, rj));
    }
  }
  out.proof.multiplicity_evaluation = evaluate(data.multiplicities(), r.first(statement.limb_bits));
  transcript.absorb_fp3s(kRangeLabelValueEvaluations, out.proof.value_evaluations);
  transcript.absorb_fp3s(kRangeLabelLimbEvaluations, out.proof.limb_evaluations);
  transcript.absorb_fp3(kRangeLabelMultiplicityEvaluation, out.proof.multiplicity_evaluation);
  return out;
}

RangeProof range_prove(const RangeProverData& data, Transcript& transcript) {
  RangeReduction reduction = range_reduce(data, transcript);
  std::vector<BasefoldCommitment> commitments;
  for (const RangeValueBinding& b : data.bindings()) commitments.push_back(b.commitment);
  const RangeValueGroups value_groups = range_value_groups(commitments);
  std::vector<const BasefoldProverData*> groups;
  for (const std::size_t j : value_groups.first_vector) groups.push_back(data.sources()[j].group);
  for (const BasefoldProverData* g : data.groups()) groups.push_back(g);
  BasefoldOpening opening = basefold_open(groups, reduction.point, transcript);

  RangeProof proof;
  proof.commitment = data.commitment();
  proof.reduction = std::move(reduction.proof);
  proof.value_group_values.assign(
      opening.values.begin(), opening.values.begin() + static_cast<std::ptrdiff_t>(value_groups.first_vector.size()));
  proof.opening = std::move(opening.proof);
  return proof;
}

}  // namespace fti::crypto

// Basefold pieces shared by the prover (basefold_open.cpp) and the verifier
// (basefold_verify.cpp): the transcript schedule of section 7.5 and the
// group point / query index conventions.
#include "engine/crypto/basefold.h"

#include <cstdint>
#include <stdexcept>

#include "engine/crypto/basefold_schedule.h"
#include "engine/crypto/multilinear.h"

namespace fti::crypto {

std::vector<Fp3> basefold_draw_stack_point(Transcript& t, unsigned stack_vars) {
  std::vector<Fp3> rho;
  rho.reserve(stack_vars);
  for (unsigned i = 0; i < stack_vars; ++i) rho.push_back(t.challenge_fp3(kBasefoldLabelStackPoint));
  return rho;
}

std::vector<Fp3> basefold_draw_batch_powers(Transcript& t, std::size_t num_groups) {
  std::vector<Fp3> out(num_groups, Fp3::one());
  if (num_groups < 2) return out;
  const Fp3 alpha = t.challenge_fp3(kBasefoldLabelBatchChallenge);
  for (std::size_t g = 1; g < num_groups; ++g) out[g] = out[g - 1] * alpha;
  return out;
}

Fp3 basefold_stack_claim(std::span<const Fp3> rho, std::span<const Fp3> values) {
  if (values.size() > (std::size_t{1} << rho.size())) throw std::invalid_argument("basefold: more values than layers");
  const std::vector<Fp3> eq = eq_table(rho);
  Fp3 out = Fp3::zero();
  for (std::size_t j = 0; j < values.size(); ++j) out += eq[j] * values[j];
  return out;
}

std::vector<Fp3> basefold_stacked_point(std::span<const Fp3> rho, std::span<const Fp3> group_point) {
  std::vector<Fp3> out(rho.begin(), rho.end());
  out.insert(out.end(), group_point.begin(), group_point.end());
  return out;
}

// Section 7.5, steps 1-2: the opening header, then one record per group.
void basefold_absorb_header(Transcript& t, const BasefoldParams& params, std::size_t num_groups,
                            std::span<const Fp3> point) {
  const auto words = params.words();
  t.absorb_u64s(kBasefoldLabelParams, words);
  t.absorb_u64(kBasefoldLabelNumGroups, num_groups);
  t.absorb_fp3s(kBasefoldLabelPoint, point);
}

void basefold_absorb_group(Transcript& t, unsigned num_vars, std::size_t num_polys, const MerkleCap& cap,
                           std::span<const Fp3> values) {
  t.absorb_u64(kBasefoldLabelNumVars, num_vars);
  t.absorb_u64(kBasefoldLabelNumPolys, num_polys);
  t.absorb_digests(kBasefoldLabelCommitment, cap.nodes);
  t.absorb_fp3s(kBasefoldLabelClaimedValues, values);
}

std::size_t basefold_layer_completed_by(const BasefoldLayout& layout, unsigned round) {
  for (std::size_t j = 1; j < layout.layers.size(); ++j) {
    if (layout.layers[j].first_round == round + 1) return j;
  }
  return 0;
}

std::span<const Fp3> basefold_group_point(std::span<const Fp3> point, unsigned num_vars) {
  if (point.size() < num_vars) throw std::invalid_argument("basefold: point shorter than the group's variables");
  return point.first(num_vars);
}

std::vector<std::size_t> basefold_query_indices(Transcript& transcript, const BasefoldLayout& layout) {
  const std::vector<std::uint64_t> drawn = transcript.challenge_distinct_indices(
      kBasefoldLabelQueryIndices, std::uint64_t{1} << layout.layers.front().log_leaves, layout.num_queries);
  return std::vector<std::size_t>(drawn.begin(), drawn.end());
}

std::vector<BasefoldGroupShape> basefold_shapes(std::span<const BasefoldGroupClaim> groups) {
  std::vector<BasefoldGroupShape> out;
  out.reserve(groups.size());
  for (const auto& g : groups) out.push_back({g.commitment.num_vars, g.commitment.num_polys});
  return out;
}

}  // namespace fti::crypto
